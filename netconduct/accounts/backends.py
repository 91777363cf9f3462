"""Log in with a username, an employee number or a mobile number.

The identifier is resolved by `org.selectors.find_user` in a fixed order: an account's username first, then a
person's employee number, then a person's mobile number; the first step that finds exactly one account decides.
The person services and the roster import keep the three apart, so the order matters only for older data, where it
makes sure that nobody's username can be taken over by someone else's employee number or mobile.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from netconduct.org.selectors import find_user


class IdentifierBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None or kwargs.get("signin_via"):
            return None  # another method's page (the directory's): its password is not the local one
        user = find_user(username)
        if user is None:
            get_user_model()().set_password(password)  # same work as a real check, so timing tells nothing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
