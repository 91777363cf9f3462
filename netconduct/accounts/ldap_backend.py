"""The django-auth-ldap backend of the directory sign-in (see accounts.ldap), configured from NETCONDUCT_LDAP_*.

The only module that imports python-ldap, which is an optional extra (`pip install 'netconduct[ldap]'`): settings
list this backend only when NETCONDUCT_LDAP_URI is set.
"""

from __future__ import annotations

import ldap
from django.conf import settings
from django.utils.translation import gettext as _
from django_auth_ldap.backend import LDAPBackend, LDAPSettings, ldap_error
from django_auth_ldap.config import GroupOfNamesType, LDAPSearch, NestedActiveDirectoryGroupType

from .ldap import (
    METHOD,
    DirectoryRefused,
    account_directory_link,
    directory_person,
    directory_values,
    grant_directory_roles,
    ldap_enabled,
)
from .signin import signin_refusal


def _connection_options() -> dict:
    options: dict = {ldap.OPT_REFERRALS: 0, ldap.OPT_NETWORK_TIMEOUT: 5, ldap.OPT_TIMEOUT: 10}
    ca_file = settings.NETCONDUCT_LDAP_CA_FILE
    if ca_file or settings.NETCONDUCT_LDAP_START_TLS or settings.NETCONDUCT_LDAP_URI.startswith("ldaps:"):
        options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
        if ca_file:
            options[ldap.OPT_X_TLS_CACERTFILE] = ca_file
        options[ldap.OPT_X_TLS_NEWCTX] = 0  # last: makes the TLS options above take effect
    return options


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap, configured from the NETCONDUCT_LDAP_* settings, matching entries to people."""

    @property
    def settings(self):
        if self._settings is None:
            conf = LDAPSettings(self.settings_prefix, self.default_settings)
            conf.SERVER_URI = settings.NETCONDUCT_LDAP_URI
            conf.BIND_DN = settings.NETCONDUCT_LDAP_BIND_DN
            conf.BIND_PASSWORD = settings.NETCONDUCT_LDAP_BIND_PASSWORD
            conf.START_TLS = settings.NETCONDUCT_LDAP_START_TLS
            conf.CONNECTION_OPTIONS = _connection_options()
            conf.USER_SEARCH = LDAPSearch(
                settings.NETCONDUCT_LDAP_USER_BASE, ldap.SCOPE_SUBTREE, settings.NETCONDUCT_LDAP_USER_FILTER
            )
            conf.USER_ATTR_MAP = {}
            conf.ALWAYS_UPDATE_USER = False
            conf.MIRROR_GROUPS = None
            conf.FIND_GROUP_PERMS = False
            if settings.NETCONDUCT_LDAP_GROUP_ROLES:
                conf.GROUP_SEARCH = LDAPSearch(settings.NETCONDUCT_LDAP_GROUP_BASE, ldap.SCOPE_SUBTREE)
                conf.GROUP_TYPE = (
                    NestedActiveDirectoryGroupType()
                    if settings.NETCONDUCT_LDAP_GROUP_TYPE == "activeDirectory"
                    else GroupOfNamesType()
                )
            self._settings = conf
        return self._settings

    @settings.setter
    def settings(self, value):
        self._settings = value

    def authenticate(self, request, username=None, password=None, signin_via=None, **kwargs):
        if signin_via != METHOD or not ldap_enabled() or not username or not password:
            return None
        try:
            return super().authenticate(request, username=username, password=password)
        except DirectoryRefused as exc:
            if request is not None:
                request.nc_signin_refusal = exc.message
            return None

    def get_user(self, user_id):
        # Like ModelBackend (and unlike django-auth-ldap): a closed account ends its directory sessions too, as
        # leaving (调离/退休) closes the account.
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def get_or_build_user(self, username, ldap_user):
        values = directory_values(ldap_user.attrs)
        person = directory_person(values)
        user = account_directory_link(person=person, values=values)
        if (
            settings.NETCONDUCT_LDAP_GROUP_ROLES and signin_refusal(user) is None
        ):  # no roles for someone refused
            grant_directory_roles(user=user, person=person, group_dns=ldap_user.group_dns)
        return user, False

    def get_group_permissions(self, user, obj=None):
        return set()  # roles come from the platform's grants, not from Django permissions


UNREACHABLE = (ldap.SERVER_DOWN, ldap.CONNECT_ERROR, ldap.TIMEOUT)


def _explain_ldap_error(sender, context, user, request, exception, **kwargs) -> None:
    """A server that cannot be reached (or not over verified TLS), or a service account the directory refuses, is
    not a wrong password: say so, so that people use the local password instead of locking themselves out."""
    if request is None:
        return
    if isinstance(exception, UNREACHABLE):
        request.nc_signin_refusal = _(
            "暂时无法安全连接单位目录服务器，请稍后再试，或改用手机号 / 工号和平台密码登录。"
        )
    elif context == "search_for_user_dn":
        request.nc_signin_refusal = _(
            "单位目录的查询账号配置有误，请联系系统管理员；您可以先改用平台密码登录。"
        )


ldap_error.connect(_explain_ldap_error, sender=DirectoryBackend, dispatch_uid="netconduct-ldap-error")
