from netconduct.core.url_matrix import EVERYONE, STAFF, UrlCase


def _keyword(unit, term: str) -> int:
    from netconduct.selfcheck.engine import normalise_keyword
    from netconduct.selfcheck.models import SelfcheckKeyword

    return SelfcheckKeyword.objects.create(unit=unit, term=term, key=normalise_keyword(term)).pk


CASES = [
    UrlCase("selfcheck:check", EVERYONE, note="every account checks its own text"),
    UrlCase(
        "selfcheck:download",
        EVERYONE,
        method="post",
        data=lambda w: {"text": "联系人：王建国，电话13912345678", "format": "txt"},
    ),
    UrlCase("selfcheck:keywords", STAFF),
    UrlCase(
        "selfcheck:keyword_delete",
        STAFF,
        method="post",
        inside=lambda w: {"pk": _keyword(w.org.branch1, "天骄一号工程")},
        outside=lambda w: {"pk": _keyword(w.other_branch, "外单位工程")},
    ),
]
