"""System administrators must pass a TOTP second factor before anything else."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

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
    "/accounts/language/",
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


def set_language_cookie(response, language: str):
    """The cookie LocaleMiddleware reads, set as Django's own set_language view sets it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


class AccountLanguageMiddleware:
    """The language kept on a signed-in person's account wins over the browser's cookie and Accept-Language
    (LocaleMiddleware, which runs before authentication). The cookie is brought in line, so the sign-in page after
    signing out stays in the person's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language and language != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            set_language_cookie(response, language)
        return response
