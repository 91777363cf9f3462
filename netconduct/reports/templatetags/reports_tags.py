"""`{% load reports_tags %}{% person_commendations person %}`: commendations on a person's record page, shown only
to those who hold `case.support` over the person's unit, and to the person."""

from __future__ import annotations

from django import template

from netconduct.reports.case_selectors import person_commendations as select_commendations

register = template.Library()


@register.inclusion_tag("reports/_person_commendations.html", takes_context=True)
def person_commendations(context, person) -> dict:
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if viewer is None or person is None:
        return {"commendations": []}
    return {"commendations": select_commendations(viewer=viewer, person=person)}
