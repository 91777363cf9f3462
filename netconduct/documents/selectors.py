"""Reads of documents, scoped: staff and secretaries see what their subtree issued and what was issued above them
(the group's and the company's documents reach them); drafts only inside their own subtree."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from netconduct.org import scoping
from netconduct.org.models import OrgUnit

from .choices import DocumentStatus
from .models import Document, DocumentLink, NormArticle

STEPLEN = OrgUnit.steplen


def _ancestor_paths(paths: tuple[str, ...]) -> list[str]:
    return sorted({p[:i] for p in paths for i in range(STEPLEN, len(p), STEPLEN)})


def document_visible_q(viewer, action: str = "document.view") -> Q:
    scope = scoping.scope_for(viewer, action)
    if scope.everything:
        return Q()
    if scope.empty:
        return Q(pk__in=[])
    from_above = Q(issuer__path__in=_ancestor_paths(scope.paths)) & ~Q(status=DocumentStatus.DRAFT)
    return scope.q("issuer__path") | from_above


def document_list(
    *, viewer, q: str = "", kind: str = "", status: str = "", year: int | None = None
) -> QuerySet[Document]:
    documents = Document.objects.filter(document_visible_q(viewer)).select_related("issuer")
    if q:
        documents = documents.filter(Q(title__icontains=q) | Q(number__icontains=q))
    if kind:
        documents = documents.filter(kind=kind)
    if status:
        documents = documents.filter(status=status)
    if year:
        documents = documents.filter(year=year)
    return documents


def document_get_for(*, viewer, pk, action: str = "document.view") -> Document:
    """One document the viewer may see (or, for "document.manage", change); 404 otherwise."""
    queryset = Document.objects.select_related("issuer", "supersedes")
    if action == "document.view":
        queryset = queryset.filter(document_visible_q(viewer))
        try:
            return queryset.get(pk=pk)
        except (Document.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
    return scoping.get_visible_or_404(queryset, viewer, action, path_field="issuer__path", pk=pk)


def document_detail(document: Document) -> dict:
    """Everything the document page shows, in a fixed number of queries."""
    articles = list(document.articles.prefetch_related("items"))
    links = list(
        DocumentLink.objects.filter(document=document).select_related("target").order_by("kind", "position")
    )
    return {
        "articles": articles,
        "attachments": [link for link in links if link.kind == "attachment"],
        "citations": [link for link in links if link.kind == "citation"],
        "files": list(document.files.all()),
        "versions": list(Document.objects.filter(series=document.series).order_by("version")),
    }


def norms_documents(*, viewer) -> QuerySet[Document]:
    """Issued norms with their articles and items: what cases, reports and self-check findings cite."""
    return document_list(viewer=viewer, kind="norms", status=DocumentStatus.ISSUED).prefetch_related(
        Prefetch("articles", queryset=NormArticle.objects.prefetch_related("items"))
    )


# The apps that hand documents to people (campaigns convey them) register which documents an account has been given,
# so that a person may download those without a role; documents does not need to know those apps.
_HANDED_TO: list[Callable[..., QuerySet[Document]]] = []


def document_readers_register(documents_for: Callable[..., QuerySet[Document]]) -> None:
    """Register `documents_for(user=...)`, the documents handed to an account (called from AppConfig.ready)."""
    if documents_for not in _HANDED_TO:
        _HANDED_TO.append(documents_for)


def document_get_for_reader(*, user, pk) -> Document:
    """A document handed to the account by any registered app (for the PDF/Word download); 404 otherwise."""
    for documents_for in _HANDED_TO:
        document = documents_for(user=user).filter(pk=pk).first()
        if document is not None:
            return document
    raise Http404
