from netconduct.core.url_matrix import BRANCH_READERS, STAFF, UrlCase

PERSON_EDITORS = frozenset({"sysadmin", "unit_admin", "secretary"})

CASES = [
    UrlCase("org:tree", BRANCH_READERS),
    UrlCase("org:people", BRANCH_READERS, query="?q=wang"),
    UrlCase(
        "org:unit",
        BRANCH_READERS,
        inside=lambda w: {"pk": w.org.branch1.pk},
        outside=lambda w: {"pk": w.other_branch.pk},
    ),
    UrlCase(
        "org:unit_edit",
        STAFF,
        inside=lambda w: {"pk": w.org.branch1.pk},
        outside=lambda w: {"pk": w.other_branch.pk},
    ),
    UrlCase(
        "org:unit_add",
        STAFF,
        inside=lambda w: {"pk": w.org.branch1.pk},
        outside=lambda w: {"pk": w.other_branch.pk},
    ),
    UrlCase(
        "org:unit_move",
        STAFF,
        inside=lambda w: {"pk": w.org.branch1.pk},
        outside=lambda w: {"pk": w.other_branch.pk},
    ),
    UrlCase(
        "org:unit_close",
        STAFF,
        inside=lambda w: {"pk": w.org.branch1.pk},
        outside=lambda w: {"pk": w.other_branch.pk},
    ),
    UrlCase(
        "org:unit_grants",
        STAFF | {"inspector"},
        inside=lambda w: {"pk": w.org.branch1.pk},
        outside=lambda w: {"pk": w.other_branch.pk},
        note="an inspector above the unit grants and revokes the sensitive roles there (and only those)",
    ),
    UrlCase("org:sensitive_grants", frozenset({"sysadmin", "inspector"})),
    UrlCase(
        "org:grant_revoke",
        STAFF,
        method="post",
        inside=lambda w: {"pk": w.inside_grant.pk},
        outside=lambda w: {"pk": w.other_grant.pk},
    ),
    UrlCase(
        "org:person_create",
        PERSON_EDITORS,
        inside=lambda w: {"pk": w.org.branch1.pk},
        outside=lambda w: {"pk": w.other_branch.pk},
    ),
    UrlCase(
        "org:person",
        BRANCH_READERS | {"member"},
        inside=lambda w: {"pk": w.member_person.pk},
        outside=lambda w: {"pk": w.other_person.pk},
        note="members see their own record",
    ),
    UrlCase(
        "org:person_edit",
        PERSON_EDITORS,
        inside=lambda w: {"pk": w.member_person.pk},
        outside=lambda w: {"pk": w.other_person.pk},
    ),
    UrlCase(
        "org:person_reveal_id",
        STAFF,
        method="post",
        inside=lambda w: {"pk": w.member_person.pk},
        outside=lambda w: {"pk": w.other_person.pk},
    ),
    UrlCase("org:roster_import", STAFF),
    UrlCase(
        "org:roster_preview",
        frozenset(),
        inside=lambda w: {"token": "not-an-upload-of-yours"},
        note="a token that is not the caller's own upload is 404 for everyone; the flow is in test_roster_views",
    ),
]
