from netconduct.core.url_matrix import BRANCH_READERS, STAFF, UrlCase
from netconduct.documents import services
from netconduct.documents.tests import factories as f


def _issued(w):
    return {"pk": f.issued(w.org.committee, actor=w.org.root_user).pk}


def _draft(w):
    return {"pk": f.draft(w.org.committee, actor=w.org.root_user).pk}


def _outside_issued(w):
    return {"pk": f.issued(w.other_branch, actor=w.org.root_user, issuer_code="其他党发").pk}


def _outside_draft(w):
    return {"pk": f.draft(w.other_branch, actor=w.org.root_user, issuer_code="其他党发").pk}


def _with_file(unit, code):
    def make(w):
        document = f.draft(unit(w), actor=w.org.root_user, issuer_code=code)
        item = services.document_add_file(
            actor=w.org.root_user, document=document, name="照片.png", data=f.PNG
        )
        services.document_issue(actor=w.org.root_user, document=document)
        return {"pk": document.pk, "file_pk": item.pk}

    return make


CASES = [
    UrlCase("documents:list", BRANCH_READERS, query="?q=规范"),
    UrlCase("documents:create", STAFF),
    UrlCase("documents:detail", BRANCH_READERS, inside=_issued, outside=_outside_issued),
    UrlCase("documents:edit", STAFF, inside=_draft, outside=_outside_draft),
    UrlCase("documents:norms_import", STAFF, inside=_draft, outside=_outside_draft),
    UrlCase("documents:add_link", STAFF, inside=_draft, outside=_outside_draft),
    UrlCase("documents:add_file", STAFF, inside=_draft, outside=_outside_draft),
    UrlCase("documents:issue", STAFF, method="post", inside=_draft, outside=_outside_draft),
    UrlCase("documents:new_version", STAFF, method="post", inside=_issued, outside=_outside_issued),
    UrlCase("documents:withdraw", STAFF, inside=_issued, outside=_outside_issued),
    UrlCase(
        "documents:file",
        BRANCH_READERS,
        inside=_with_file(lambda w: w.org.branch1, "一支部发"),
        outside=_with_file(lambda w: w.other_branch, "其他党发"),
    ),
    UrlCase("documents:pdf", BRANCH_READERS, inside=_issued, outside=_outside_issued),
    UrlCase("documents:docx", BRANCH_READERS, inside=_issued, outside=_outside_issued),
]
