"""The roster import pages: upload → dry run → preview → confirm, and the error list as a spreadsheet.

An upload is kept under MEDIA_ROOT/roster-uploads/<token> until it is applied (then deleted) or abandoned (then
swept after a day). The token is recorded in the uploader's session: any other session, another account's
included, gets a 404 for it. The preview shows the dry run's report, kept beside the upload; "确认导入" reads the
file again and applies it in one transaction, so what is written reflects the database at that moment.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from netconduct.core.exceptions import ApplicationError
from netconduct.core.xlsx import XLSX_TYPE, XlsxBook
from netconduct.org import scoping

from .forms import RosterUploadForm
from .importer import ImportResult, roster_import

UPLOAD_DIR = "roster-uploads"
SESSION_KEY = "roster_uploads"
STALE_AFTER = 24 * 60 * 60
SHOWN_ERRORS = 200
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _require_importer(request: HttpRequest) -> None:
    if not scoping.has_any(request.user, "roster.import"):
        raise Http404


def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR


def _paths(token: str) -> tuple[Path, Path]:
    base = _upload_dir() / token
    return base, base.with_name(f"{token}.json")


def _discard(token: str) -> None:
    for path in _paths(token):
        path.unlink(missing_ok=True)


def _sweep_stale() -> None:
    """Uploads nobody confirmed: personal data that should not linger."""
    cutoff = time.time() - STALE_AFTER
    for path in _upload_dir().glob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def _owned_upload(request: HttpRequest, token: str) -> dict[str, Any]:
    """The upload's record if it is this session's and this account's, else 404."""
    if not _TOKEN.match(token):
        raise Http404
    record = request.session.get(SESSION_KEY, {}).get(token)
    if not record or record.get("user") != request.user.pk:
        raise Http404
    upload, report = _paths(token)
    if not upload.is_file() or not report.is_file():
        raise Http404
    return record


def _forget(request: HttpRequest, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    _discard(token)


@login_required
def roster_upload(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        create_units = form.cleaned_data["create_units"]
        directory = _upload_dir()
        directory.mkdir(parents=True, exist_ok=True)
        _sweep_stale()
        token = secrets.token_urlsafe(24)
        path, report_path = _paths(token)
        with path.open("xb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        path.chmod(0o600)
        try:
            result = roster_import(
                actor=request.user, path=path, filename=upload.name, create_units=create_units, dry_run=True
            )
        except ApplicationError as exc:
            _discard(token)
            form.add_error("file", exc.message)
        else:
            report_path.write_text(json.dumps(result.as_dict(), ensure_ascii=False), encoding="utf-8")
            report_path.chmod(0o600)
            uploads = request.session.get(SESSION_KEY, {})
            uploads[token] = {
                "user": request.user.pk,
                "filename": upload.name,
                "create_units": create_units,
                "uploaded": int(time.time()),
            }
            request.session[SESSION_KEY] = uploads
            return redirect("org:roster_preview", token=token)
    return render(request, "org/roster_upload.html", {"form": form})


@login_required
def roster_preview(request: HttpRequest, token: str) -> HttpResponse:
    _require_importer(request)
    record = _owned_upload(request, token)
    upload, report_path = _paths(token)
    report = ImportResult.from_dict(json.loads(report_path.read_text(encoding="utf-8")))
    if request.method == "POST":
        return _apply(request, token, record, upload, report)
    if request.GET.get("format") == "xlsx":
        return _error_workbook(report)
    return render(request, "org/roster_preview.html", _context(report, token=token))


def _context(result: ImportResult, **extra: Any) -> dict[str, Any]:
    return {
        "result": result,
        "errors": result.errors[:SHOWN_ERRORS],
        "more_errors": max(len(result.errors) - SHOWN_ERRORS, 0),
        "creates": [s for s in result.samples if s.action == "create"],
        "updates": [s for s in result.samples if s.action == "update"],
        **extra,
    }


def _apply(
    request: HttpRequest, token: str, record: dict[str, Any], upload: Path, report: ImportResult
) -> HttpResponse:
    try:
        result = roster_import(
            actor=request.user,
            path=upload,
            filename=record["filename"],
            create_units=record["create_units"],
            dry_run=False,
        )
    except ApplicationError as exc:
        messages.error(request, f"导入未完成，没有做任何改动：{exc.message}")
        return render(request, "org/roster_preview.html", _context(report, token=token))
    _forget(request, token)
    messages.success(
        request,
        f"花名册已导入：新增 {result.created} 人，更新 {result.updated} 人，未变 {result.unchanged} 人。",
    )
    if result.units_created:
        messages.info(request, f"新建了 {len(result.units_created)} 个组织。")
    if result.errors:
        messages.warning(request, f"有 {result.refused_rows} 行未导入，原因见下表；修改后可重新上传这些行。")
    return render(request, "org/roster_result.html", _context(result))


def _error_workbook(result: ImportResult) -> HttpResponse:
    """The refused rows as .xlsx, through the shared writer (names and messages echo the file: formulas defused)."""
    book = XlsxBook()
    sheet = book.sheet("错误清单", ["行号", "列", "原因"], caption=f"花名册“{result.filename}”未通过检查的行")
    for error in result.errors:
        sheet.append([error.row, error.column, error.message])
    stem = Path(result.filename).stem or "花名册"
    response = HttpResponse(book.to_bytes(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}-错误清单.xlsx")
    response["Cache-Control"] = "no-store"
    return response
