from netconduct.core.url_matrix import EVERYONE, STAFF, Exempt, UrlCase

CASES = [
    UrlCase("home", EVERYONE),
    UrlCase("favicon", EVERYONE, public=True),
    UrlCase("audit:list", STAFF),
]

EXEMPT = [
    Exempt("set_language", "Django's language switch: it stores a preference and reads no organisation data"),
]
