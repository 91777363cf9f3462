"""Every date and datetime-local input of every form writes the ISO value the browser's picker accepts."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re

import pytest
from django import forms
from django.utils import translation

import netconduct

SKIP = (".tests", ".migrations", ".management", ".settings")
ISO = {"date": r"\d{4}-\d{2}-\d{2}", "datetime-local": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"}


def _all_form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(netconduct.__path__, "netconduct."):
        if not any(part in module.name for part in SKIP):
            importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("netconduct."):
                found.append(sub)
    return found


@pytest.mark.django_db
def test_every_date_input_of_every_form_writes_iso_values():
    value = {"date": dt.date(2026, 12, 31), "datetime-local": dt.datetime(2026, 12, 31, 9, 30)}  # noqa: DTZ001
    checked, wrong = [], []
    with translation.override("zh-hans"):  # the product's language writes dates as 2026/12/31
        for cls in _all_form_classes():
            # A form that needs arguments (units, a person) is checked through the fields it declares.
            try:
                form = cls()
            except TypeError:
                form = None
            fields = form.fields if form is not None else cls.base_fields
            for name, field in fields.items():
                widget = field.widget
                if (
                    not isinstance(widget, forms.DateInput | forms.DateTimeInput)
                    or widget.input_type not in ISO
                ):
                    continue
                html = widget.render(name, value[widget.input_type])
                checked.append(f"{cls.__name__}.{name}")
                if not re.search(rf'value="{ISO[widget.input_type]}"', html):
                    wrong.append(f"{cls.__module__}.{cls.__name__}.{name}: {html}")
    assert len(checked) >= 10, checked  # the walk found the product's forms
    assert not wrong, "date inputs whose value the browser rejects:\n" + "\n".join(wrong)
