"""Form plumbing shared by every app: Bootstrap classes on widgets, and running a service from a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms

from .exceptions import ApplicationError

T = TypeVar("T")


class BootstrapMixin:
    """Gives each widget the class Bootstrap 5 expects, so templates render fields with one include."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            elif isinstance(widget, forms.FileInput):
                css = "form-control"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class Form(BootstrapMixin, forms.Form):
    pass


def run_service(form: forms.Form, service: Callable[..., T], /, **kwargs: Any) -> T | None:
    """Call a service; an ApplicationError becomes an error on the form (on its field where it names one)."""
    try:
        return service(**kwargs)
    except ApplicationError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
        return None
