"""Log in with a username, a mobile number or an employee number."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import Q

from netconduct.org.validation import clean_mobile, to_halfwidth


def find_user(identifier: str):
    """The active account an identifier names, or None; ambiguity counts as none."""
    User = get_user_model()
    value = to_halfwidth(identifier or "").strip()
    if not value:
        return None
    query = Q(username=value) | Q(person__employee_no=value)
    try:
        mobile = clean_mobile(value)
    except ValidationError:
        mobile = ""
    if mobile:
        query |= Q(person__mobile=mobile)
    matches = list(User.objects.filter(query).distinct()[:2])
    return matches[0] if len(matches) == 1 else None


class IdentifierBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            get_user_model()().set_password(password)  # same work as a real check, so timing tells nothing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
