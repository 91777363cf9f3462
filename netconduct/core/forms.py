"""Form plumbing shared by every app: Bootstrap classes on widgets, and running a service from a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms

from .exceptions import ApplicationError

T = TypeVar("T")

# The values the browser's date pickers accept (HTML's "valid date string"), whatever the language's own format is:
# under zh-hans Django would write 2026/12/31, which <input type="date"> rejects, leaving the field empty.
ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    """A browser date picker; Form sets the same format on any date input, this one carries it anywhere."""

    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format=ISO_DATE)


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
            if isinstance(widget, forms.DateTimeInput) and widget.input_type == "datetime-local":
                widget.format = ISO_DATETIME_LOCAL
            elif isinstance(widget, forms.DateInput) and widget.input_type == "date":
                widget.format = ISO_DATE


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
