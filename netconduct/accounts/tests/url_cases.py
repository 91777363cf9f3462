from netconduct.core.url_matrix import EVERYONE, Exempt, UrlCase

ACTIVATORS = frozenset({"sysadmin", "unit_admin", "secretary"})

CASES = [
    UrlCase(
        "accounts:oidc_start",
        frozenset(),
        note="404 for everyone while OIDC_CLIENT_ID is unset (as here); the flow is in test_oidc",
    ),
    UrlCase(
        "accounts:oidc_callback",
        frozenset(),
        note="404 for everyone while OIDC_CLIENT_ID is unset (as here); the flow is in test_oidc",
    ),
    UrlCase("accounts:login", EVERYONE, public=True, note="a logged-in visitor is sent on to the home page"),
    UrlCase("accounts:otp", EVERYONE, note="anyone already verified, or without a device, is sent on"),
    UrlCase("accounts:otp_setup", EVERYONE, note="only an unconfirmed system administrator sees the QR code"),
    UrlCase("accounts:password_change", EVERYONE),
    UrlCase("accounts:profile", EVERYONE),
    UrlCase(
        "accounts:language",
        EVERYONE,
        method="post",
        data=lambda w: {"language": "en", "next": "/"},
        public=True,
        note="the language switch: kept on the account, and in a cookie for anonymous visitors",
    ),
    UrlCase("accounts:activation_units", ACTIVATORS),
    UrlCase(
        "accounts:activation_sheet",
        ACTIVATORS,
        inside=lambda w: {"pk": w.org.branch1.pk},
        outside=lambda w: {"pk": w.other_branch.pk},
    ),
    UrlCase(
        "accounts:person_reset",
        ACTIVATORS,
        method="post",
        inside=lambda w: {"pk": w.member_person.pk},
        outside=lambda w: {"pk": w.other_person.pk},
    ),
    UrlCase(
        "accounts:person_reactivate",
        ACTIVATORS,
        method="post",
        inside=lambda w: {"pk": w.member_person.pk},
        outside=lambda w: {"pk": w.other_person.pk},
        note="the member's account is active, so the action is refused with a message and a redirect",
    ),
    UrlCase(
        "accounts:login_ldap",
        frozenset(),
        note="404 for everyone while NETCONDUCT_LDAP_URI is unset (as here); the flow is in test_ldap",
    ),
    UrlCase("accounts:activate_code", EVERYONE, public=True),
    *(
        UrlCase(
            name,
            frozenset(),
            note="404 for everyone while WeCom / DingTalk is not configured; flow in test_wecom",
        )
        for name in (
            "accounts:login_wecom",
            "accounts:login_wecom_callback",
            "accounts:login_dingtalk",
            "accounts:login_dingtalk_callback",
        )
    ),
    UrlCase(
        "accounts:activate",
        frozenset(),
        inside=lambda w: {"token": "not-a-real-token"},
        note="public, but a token that was never issued is 404 for everyone; the flow is in test_activation",
    ),
]

EXEMPT = [
    Exempt("accounts:logout", "ends the caller's own session and redirects to the login page; reads no data"),
]
