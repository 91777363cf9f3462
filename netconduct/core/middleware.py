"""Response headers every page carries: what the browser may use, and that signed-in pages are never cached."""

from __future__ import annotations

from django.conf import settings


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; for a signed-in person `Cache-Control: no-store`, so that the back
    button on a shared computer, a proxy or the browser's cache does not keep pages of people's data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "NETCONDUCT_PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = (
                "no-store"  # replaces any caching a view allowed: the page is personal
            )
        return response
