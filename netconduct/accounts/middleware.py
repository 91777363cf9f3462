"""System administrators must pass a TOTP second factor before anything else."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

from netconduct.org.choices import Role

# Only the steps that lead to a verified session; every other page waits for the second factor.
EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/otp/",
    "/accounts/activate/",
    "/static/",
    "/healthz",
    "/i18n/",
)


def needs_second_factor(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_netconduct_is_sysadmin", None)
    if cached is None:
        cached = user.grants.filter(role=Role.SYSADMIN).exists()
        user._netconduct_is_sysadmin = cached
    return cached


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and needs_second_factor(user)
            and not user.is_verified()
        ):
            return redirect(f"{reverse('accounts:otp')}?next={request.get_full_path()}")
        return self.get_response(request)
