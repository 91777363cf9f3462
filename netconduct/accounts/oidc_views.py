"""The pages of the OpenID Connect sign-in (accounts/oidc.py): start, the provider's way back, and the refusal."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from netconduct.core.links import absolute_url

from . import oidc, signin
from .views import BACKEND, _next_url, _private

logger = logging.getLogger(__name__)


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    response = render(request, "accounts/oidc_refused.html", {"message": message}, status=403)
    return _private(response)


def _callback_uri(request: HttpRequest) -> str:
    path = reverse("accounts:oidc_callback")
    return absolute_url(path) or request.build_absolute_uri(path)  # SITE_URL when set, as registered


@never_cache
@require_GET
def oidc_start(request: HttpRequest) -> HttpResponse:
    if not oidc.oidc_enabled():
        raise Http404
    try:
        url = oidc.oidc_begin(
            request.session, redirect_uri=_callback_uri(request), next_url=_next_url(request)
        )
    except oidc.OidcRefused as exc:
        return _refused(request, exc.message)
    return redirect(url)


@never_cache
@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    if not oidc.oidc_enabled():
        raise Http404
    try:
        claims, id_token, next_url = oidc.oidc_finish(request.session, request.GET)
        user = oidc.oidc_user(claims)
        url = signin.signin_complete(request, user, method=oidc.METHOD, backend=BACKEND, next_url=next_url)
    except oidc.OidcRefused as exc:
        # the person sees the Chinese reason; the log keeps the technical cause for whoever runs the platform
        logger.warning("OpenID Connect sign-in refused: %s (%r)", exc.message, exc.__cause__)
        return _refused(request, exc.message)
    except signin.SigninRefused as exc:
        return _refused(request, exc.message)
    request.session[oidc.SESSION_ID_TOKEN] = id_token  # after login: the session key was cycled
    return redirect(url)
