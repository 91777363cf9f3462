from netconduct.core.url_matrix import EVERYONE, STAFF, Exempt, UrlCase

CASES = [
    UrlCase("home", EVERYONE),
    UrlCase("favicon", EVERYONE, public=True),
    UrlCase("audit:list", STAFF),
    UrlCase("dashboard:index", STAFF),
    UrlCase("dashboard:export", STAFF),
    UrlCase("dashboard:drill", STAFF, inside=lambda w: {"section": "studies"}, query="?held=0"),
    UrlCase(
        "dashboard:drill_unit",
        STAFF,
        inside=lambda w: {"section": "campaigns", "pk": w.org.committee.pk},
        outside=lambda w: {"section": "campaigns", "pk": w.other_branch.pk},
    ),
]

EXEMPT = [
    Exempt("set_language", "Django's language switch: it stores a preference and reads no organisation data"),
]
