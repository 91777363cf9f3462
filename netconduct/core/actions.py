"""One way for a page to carry out an action: run the service, show its message, go there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .exceptions import ApplicationError

T = TypeVar("T")
Message = str | Callable[[Any], str | None] | None
Target = str | Callable[[Any], str]


def run_action(
    request: HttpRequest,
    service: Callable[..., T],
    /,
    *,
    success: Message,
    to: Target,
    on_error: str | None = None,
    error_prefix: str = "",
    **kwargs: Any,
) -> HttpResponse:
    """Call `service(**kwargs)` for a POST action and redirect.

    On success the page shows `success` (a text, or a function of the service's result giving one; None shows
    nothing) and goes to `to` (a URL or URL name, or a function of the result giving one). When a rule refuses the
    action (ApplicationError: nothing was changed) the page shows the refusal, after `error_prefix`, and goes to
    `on_error`, by default where success would have gone. Any other error is not caught: it is a bug, not a refusal.
    """
    if on_error is None and callable(to):
        raise TypeError("run_action: `to` is a function of the result, so `on_error` must be given")
    try:
        result = service(**kwargs)
    except ApplicationError as exc:
        messages.error(request, f"{error_prefix}{exc.message}")
        return redirect(on_error if on_error is not None else to)
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return redirect(to(result) if callable(to) else to)
