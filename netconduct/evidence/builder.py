"""Writing a pack: the sealed summary first, then the folder tree, then `manifest.json` with every file's SHA-256 and
its signature. Files are streamed into the zip (archived pledges and photos are copied in chunks, never held whole),
so memory stays flat however many pledges a committee has.

    00-汇总说明.pdf
    01-文件/01-<title>.pdf                                  the notice and norms, as the documents app renders them
    02-学习记录/<branch>/<date>-<topic>.pdf                  each session's record, with its photos beside it
    02-学习记录/<branch>/<date>-<topic>-照片/<file>
    03-承诺书/<campaign>/<unit>/<name>-<code>.pdf           the sealed archive copies, byte for byte
    04-完成情况/*.xlsx                                        completion tables
    manifest.json, manifest.json.p7s
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_noop

from netconduct.campaigns.exports import rollup_xlsx
from netconduct.core.files import zip_entry_name
from netconduct.core.xlsx import XlsxBook, is_formula_like
from netconduct.documents.output import document_pdf
from netconduct.pledges.exports import pledges_xlsx
from netconduct.studies.records import record_for, render_record_pdf

from . import contents as C
from . import signing
from .summary import OUTSTANDING_ROWS_MAX, Inventory, render_summary
from .verification import FORMAT, MANIFEST, SIGNATURE

SUMMARY = "00-汇总说明.pdf"
STORED_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".webp", ".xlsx", ".zip", ".docx")
Progress = Callable[[int, int, str], None]


@dataclass
class Entry:
    path: str
    size: int
    sha256: str
    note: str = ""

    def as_json(self) -> dict:
        data = {"path": self.path, "size": self.size, "sha256": self.sha256}
        if self.note:
            data["note"] = self.note
        return data


@dataclass
class PackWriter:
    """A zip being written, with what went into it."""

    archive: zipfile.ZipFile
    entries: list[Entry] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    stamp: tuple = field(default_factory=lambda: timezone.localtime().timetuple()[:6])

    def _name(self, path: str) -> str:
        if path not in self.used:
            self.used.add(path)
            return path
        stem, dot, ext = path.rpartition(".")
        for n in itertools.count(2):
            candidate = f"{stem}({n}).{ext}" if dot else f"{path}({n})"
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
        raise AssertionError("unreachable")

    def _info(self, path: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=self.stamp)
        stored = path.lower().endswith(STORED_SUFFIXES)  # compressed already: deflating again gains nothing
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def add_bytes(self, path: str, data: bytes, *, note: str = "") -> Entry:
        path = self._name(path)
        self.archive.writestr(self._info(path), data)
        entry = Entry(path, len(data), hashlib.sha256(data).hexdigest(), note)
        self.entries.append(entry)
        return entry

    def add_stream(self, path: str, handle, *, note: str = "") -> Entry:
        path = self._name(path)
        digest = hashlib.sha256()
        size = 0
        with self.archive.open(self._info(path), "w", force_zip64=True) as out:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        entry = Entry(path, size, digest.hexdigest(), note)
        self.entries.append(entry)
        return entry


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value)


def _study_book(contents: C.PackContents) -> bytes:
    book = XlsxBook()
    sessions = book.sheet(
        "学习记录",
        ["日期", "支部", "形式", "主题", "出席人数", "登记人数", "照片及佐证"],
        caption=contents.title,
    )
    for s in contents.sessions:
        sessions.append([s.starts_at, s.unit_name, s.form, s.topic, s.present, s.marked, s.photos])
    branches = book.sheet("各支部开展情况", ["党支部", "上级组织", "专题学习次数", "最近一次", "是否开展"])
    for b in contents.branches:
        branches.append([b.name, b.parent, b.sessions, b.latest, "是" if b.sessions else "否"])
    return book.to_bytes()


OUTSTANDING_HEADERS = ["单位", "姓名", "工号", "宣贯活动", "未完成事项", "缺席学习原因"]
OUTSTANDING_WIDTHS = [30, 12, 12, 34, 40, 50]


def _outstanding_book(contents: C.PackContents, *, viewer, reasons: dict[int, str]) -> bytes:
    """Everyone not done, streamed row by row into a write-only workbook (a committee can have 100,000 of them;
    `XlsxBook` would keep every row to fit the columns, so the widths here are fixed). Text that reads as a formula
    is stored as text, as `core.xlsx` does."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    ws = book.create_sheet("未完成人员")
    for i, width in enumerate(OUTSTANDING_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"

    def cell(value: str, *, bold: bool = False):
        item = WriteOnlyCell(ws, value)
        if bold:
            item.font = Font(bold=True)
        if is_formula_like(value):
            item.data_type = "s"
            item.quotePrefix = True
        return item

    ws.append([cell(contents.title, bold=True)])
    ws.append([cell(h, bold=True) for h in OUTSTANDING_HEADERS])
    for o in C.outstanding(contents, viewer=viewer, reasons=reasons):
        row = [o.unit_name, o.name, o.employee_no, o.campaign, o.missing, o.absence]
        ws.append([cell(v) if is_formula_like(v) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build_pack(
    *, contents: C.PackContents, viewer, requester_label: str, out, progress: Progress | None = None
) -> list[Entry]:
    """Write the pack for `contents` into the binary file `out` (seekable), as `viewer` sees it. Raises
    sealing.TimestampUnavailable when the TSA gives no timestamp."""
    report = progress or (lambda done, total, stage: None)
    reasons = C.absence_reasons(contents)
    first_outstanding = list(
        itertools.islice(C.outstanding(contents, viewer=viewer, reasons=reasons), OUTSTANDING_ROWS_MAX)
    )
    labels = contents.labels
    tables = [f"{labels[f.campaign.pk]}-完成情况.xlsx" for f in contents.figures]
    tables += [
        f"{labels[f.campaign.pk]}-承诺书签订情况.xlsx" for f in contents.figures if f.campaign.requires_pledge
    ]
    tables += ["学习开展情况.xlsx", "未完成人员及原因.xlsx"]
    inventory = Inventory(
        documents=len(contents.documents),
        sessions=len(contents.sessions),
        photos=sum(s.photos for s in contents.sessions),
        pledges=C.pledge_count(contents),
        tables=tables,
    )
    total = 2 + inventory.documents + inventory.sessions + inventory.pledges + len(tables)
    done = 0

    def step(stage: str) -> None:
        nonlocal done
        done += 1
        report(done, total, stage)

    report(0, total, "汇总说明")
    generated_at = timezone.now()
    summary = render_summary(
        contents,
        outstanding=first_outstanding,
        inventory=inventory,
        requester=requester_label,
        generated_at=generated_at,
    )
    sealed = signing.seal_summary(summary, location=contents.unit.name)
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        writer = PackWriter(archive)
        writer.add_bytes(SUMMARY, sealed)
        step(gettext_noop("文件"))

        for index, document in enumerate(contents.documents, start=1):
            writer.add_bytes(
                zip_entry_name("01-文件", f"{index:02d}-{document.title}.pdf"), document_pdf(document)
            )
            step(gettext_noop("文件"))

        for session in C.session_records(contents):
            start = _local(session.starts_at)
            base = f"{start:%Y%m%d-%H%M}-{session.topic}"[:80]
            writer.add_bytes(
                zip_entry_name("02-学习记录", session.unit.name, f"{base}.pdf"),
                render_record_pdf(record_for(session)),
            )
            for item in session.evidence.all():
                try:
                    with item.file.open("rb") as handle:
                        writer.add_stream(
                            zip_entry_name("02-学习记录", session.unit.name, f"{base}-照片", item.name),
                            handle,
                        )
                except FileNotFoundError:
                    continue  # the record lists it; the file itself is gone from storage
            step(gettext_noop("学习记录"))

        missing: list[dict] = []
        for campaign_title, unit_name, name, code, pdf_name, recorded in C.archived_pledges(contents):
            path = zip_entry_name("03-承诺书", campaign_title, unit_name, f"{name}-{code}.pdf")
            try:
                with default_storage.open(pdf_name, "rb") as handle:
                    entry = writer.add_stream(path, handle)
            except FileNotFoundError:
                missing.append({"path": path, "code": code, "note": "存档文件缺失"})
                step(gettext_noop("承诺书"))
                continue
            if entry.sha256 != recorded:
                entry.note = f"与签章时记录的 SHA-256 不符（{recorded}）"
            step(gettext_noop("承诺书"))

        for figure in contents.figures:
            c = figure.campaign
            writer.add_bytes(
                zip_entry_name("04-完成情况", f"{labels[c.pk]}-完成情况.xlsx"),
                rollup_xlsx(viewer=viewer, campaign=c, focus=figure.focus),
            )
            step(gettext_noop("完成情况"))
        for figure in contents.figures:
            c = figure.campaign
            if c.requires_pledge:
                writer.add_bytes(
                    zip_entry_name("04-完成情况", f"{labels[c.pk]}-承诺书签订情况.xlsx"),
                    pledges_xlsx(viewer=viewer, campaign=c, focus=figure.focus),
                )
                step(gettext_noop("完成情况"))
        writer.add_bytes(zip_entry_name("04-完成情况", "学习开展情况.xlsx"), _study_book(contents))
        step(gettext_noop("完成情况"))
        writer.add_bytes(
            zip_entry_name("04-完成情况", "未完成人员及原因.xlsx"),
            _outstanding_book(contents, viewer=viewer, reasons=reasons),
        )
        step(gettext_noop("完成情况"))

        unit = contents.unit
        manifest = {
            "format": FORMAT,
            "title": contents.title,
            "unit": {"id": unit.pk, "name": unit.name, "code": unit.code or ""},
            "year": contents.year,
            "campaign": None
            if contents.campaign is None
            else {"id": contents.campaign.pk, "title": contents.campaign.title},
            "generated_at": timezone.localtime(generated_at).isoformat(timespec="seconds"),
            "generated_by": requester_label,
            "summary": SUMMARY,
            "files": [e.as_json() for e in writer.entries],
            "missing": missing,
        }
        data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        archive.writestr(writer._info(MANIFEST), data)
        archive.writestr(writer._info(SIGNATURE), signing.sign_manifest(data))
        step(gettext_noop("签名"))
    return writer.entries


def copy_file(source, target) -> tuple[int, str]:
    """Copy a binary file in chunks; (size, SHA-256)."""
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
        target.write(chunk)
    return size, digest.hexdigest()


class Throttle:
    """Calls `save` at most once a second (and always for the last step), so progress costs a few updates."""

    def __init__(self, save: Progress, every: float = 1.0) -> None:
        self.save, self.every, self.last = save, every, 0.0

    def __call__(self, done: int, total: int, stage: str) -> None:
        now = time.monotonic()
        if done in (0, total) or now - self.last >= self.every:
            self.last = now
            self.save(done, total, stage)
