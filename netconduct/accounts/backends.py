"""Log in with a username, a mobile number or an employee number."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from netconduct.org.selectors import find_user


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
