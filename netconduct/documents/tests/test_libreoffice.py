"""The DOCX of the notice, the norms and the pledge as LibreOffice lays them out (`soffice --headless --convert-to
pdf`), measured against GB/T 9704-2012 and against the product's own PDF: 28 characters a full line, 22 lines a full
page, the 版心 in place (top 37 mm, left 28 mm, 156 × 225 mm) within 1 mm, the same number of pages as the PDF, the
版记 at the foot of the last, even page, page numbers on the outer side.

LibreOffice is the one word processor on this machine; Word and WPS read the same explicit measures (see
`rendering.word`). CI installs it (`libreoffice-writer-nogui` in .ci/run); elsewhere a missing soffice skips these
checks, in CI it fails them.
"""

from __future__ import annotations

import ctypes
import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from netconduct.documents import output
from netconduct.documents.demo import seed_documents_load
from netconduct.documents.rendering import layout, render_docx, render_pdf

from .test_rendering import one_line_paragraphs, seed_notice, short_notice

pytestmark = [pytest.mark.once, pytest.mark.django_db]

MM = 72 / 25.4
TOP, LEFT = 37.0, 28.0
RIGHT, BOTTOM = LEFT + 156.0, TOP + 225.0
PITCH = 225.0 / 22  # mm
TOLERANCE = 1.0  # mm


def soffice() -> str:
    path = shutil.which("soffice")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("soffice is missing: CI installs libreoffice-writer-nogui (.ci/run)")
        pytest.skip("soffice (LibreOffice) is not installed: apt-get install libreoffice-writer-nogui")
    return path


def libreoffice_pdfs(documents: dict[str, bytes], workdir: Path) -> dict[str, Path]:
    """Convert DOCX files with one headless LibreOffice run, in a profile of its own (parallel runs don't clash)."""
    sources = []
    for name, data in documents.items():
        source = workdir / f"{name}.docx"
        source.write_bytes(data)
        sources.append(str(source))
    profile = (workdir / "profile").as_uri()
    subprocess.run(
        [soffice(), f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
        + ["--outdir", str(workdir / "out"), *sources],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {name: workdir / "out" / f"{name}.pdf" for name in documents}


# --- measuring a PDF -----------------------------------------------------------------------------------------------


@dataclass
class Line:
    """A line of text by the em boxes of its characters (the font's box, not the ink), in mm from the top left."""

    top: float
    bottom: float
    left: float
    right: float
    text: str

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def full_width_only(self) -> bool:
        return all(ord(ch) >= 0x2E80 for ch in self.text)

    @property
    def body_size(self) -> bool:
        """3号 text: a 16 pt em box (5.6 mm) or LibreOffice's 5.2 mm line of it, not the 22 pt title's."""
        return self.bottom - self.top < 6.5


@dataclass
class Page:
    lines: list[Line]
    rules: list[tuple[float, float, float]]  # (top, left, right) of horizontal rules wider than 100 mm, mm

    @property
    def text_lines(self) -> list[Line]:
        """Lines inside the 版心 (the page number is below it)."""
        return [line for line in self.lines if line.middle < BOTTOM]

    @property
    def page_number(self) -> Line | None:
        below = [line for line in self.lines if line.middle > BOTTOM]
        return below[0] if below else None


def measure(path: Path) -> list[Page]:
    pages = []
    pdf = pdfium.PdfDocument(str(path))
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            height = page.get_height()
            text = page.get_textpage()
            boxes = []
            x, y = ctypes.c_double(), ctypes.c_double()
            for k in range(text.count_chars()):
                ch = text.get_text_range(k, 1)
                if ch.strip():
                    left, bottom, right, top = text.get_charbox(k, loose=True)
                    pdfium.raw.FPDFText_GetCharOrigin(text.raw, k, ctypes.byref(x), ctypes.byref(y))
                    baseline = (height - y.value) / MM
                    boxes.append(
                        (ch, (height - top) / MM, (height - bottom) / MM, left / MM, right / MM, baseline)
                    )
            rows: list[list] = []
            for box in sorted(boxes, key=lambda b: (b[5], b[3])):
                if rows and abs(rows[-1][0][5] - box[5]) < 1:  # one baseline, whatever font a mark came from
                    rows[-1].append(box)
                else:
                    rows.append([box])
            lines = []
            for row in rows:
                row.sort(key=lambda b: b[3])
                top = sorted(b[1] for b in row)[len(row) // 2]  # the em box of most of the line's characters
                bottom = sorted(b[2] for b in row)[len(row) // 2]
                lines.append(Line(top, bottom, row[0][3], row[-1][4], "".join(b[0] for b in row)))
            rules = []
            for obj in page.get_objects(max_depth=4):
                if obj.type == pdfium.raw.FPDF_PAGEOBJ_PATH:
                    left, bottom, right, top = obj.get_bounds()
                    if (right - left) / MM > 100 and (top - bottom) / MM < 2:
                        rules.append(((height - top) / MM, left / MM, right / MM))
            pages.append(Page(sorted(lines, key=lambda line: line.top), sorted(rules)))
    finally:
        pdf.close()
    return pages


# --- the documents -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory):
    """notice, norms and pledge as the product renders them (DOCX and PDF), and the DOCX laid out by LibreOffice."""
    from netconduct import testing
    from netconduct.org.choices import Role

    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            org = testing.build_standard_org()
            actor = testing.make_account("lo_sysadmin")
            testing.grant(actor, Role.SYSADMIN, org.group)
            seed = seed_documents_load(actor=actor, group=org.group, committee=org.committee)
            docx = {name: output.document_docx(d) for name, d in vars(seed).items() if name != "created"}
            pdf = {name: output.document_pdf(d) for name, d in vars(seed).items() if name != "created"}
            transaction.set_rollback(True)
    docx["short"] = render_docx(short_notice())
    pdf["short"] = render_pdf(short_notice())
    for paragraphs in PAGINATIONS:  # the 版记 below the text, on the next page, after a blank page
        doc = seed_notice(body=one_line_paragraphs(paragraphs), attachments=[], attachments_list=[])
        docx[f"lines{paragraphs}"], pdf[f"lines{paragraphs}"] = render_docx(doc), render_pdf(doc)
    workdir = tmp_path_factory.mktemp("libreoffice")
    converted = libreoffice_pdfs(docx, workdir)
    ours = {}
    for name, data in pdf.items():
        (workdir / f"{name}-ours.pdf").write_bytes(data)
        ours[name] = measure(workdir / f"{name}-ours.pdf")
    return {name: measure(path) for name, path in converted.items()}, ours


PAGINATIONS = (20, 35, 28, 29, 10)  # 版记 below / next page / after a blank page; text pulled over
TEXTS = ["notice", "norms", "pledge", "short"]
NAMES = [*TEXTS, *(f"lines{n}" for n in PAGINATIONS)]


def body_pages(pages: list[Page]) -> list[Page]:
    """Pages after the first (the first carries the masthead) that have text in the 版心."""
    return [page for page in pages[1:] if page.text_lines]


def full_lines(page: Page) -> list[Line]:
    """Lines of 3号 text from the left to the right edge of the 版心."""
    return [
        line
        for line in page.text_lines
        if line.body_size and abs(line.left - LEFT) < TOLERANCE and abs(line.right - RIGHT) < TOLERANCE
    ]


@pytest.mark.parametrize("name", TEXTS)
def test_libreoffice_sets_28_characters_on_every_full_line(rendered, name):
    """28 to a line; 27 where the 28th moved down with a closing mark that may not start a line (推出)."""
    checked = 0
    for page in rendered[0][name]:
        lines = page.text_lines
        for line in full_lines(page):
            if not line.full_width_only:  # digits and Latin letters are narrower
                continue
            following = lines[lines.index(line) + 1].text if line is not lines[-1] else ""
            if len(line.text) == 27:
                assert following[1:2] in layout.CANNOT_START or line.text[-1] in layout.CANNOT_END, line
            else:
                assert len(line.text) == 28, line
            checked += 1
    assert checked


@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_keeps_text_inside_the_text_block(rendered, name):
    """No punctuation hangs into the margin; full lines run from 28 mm to 184 mm (left margin, 156 mm wide)."""
    for number, page in enumerate(rendered[0][name], start=1):
        for line in page.text_lines:
            assert line.left > LEFT - TOLERANCE and line.right < RIGHT + TOLERANCE, (number, line)
    if name in TEXTS:
        assert any(full_lines(page) for page in rendered[0][name])


@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_sets_lines_on_the_22_line_grid(rendered, name):
    """After the first page, every line sits in its line of the grid: 22 lines of 225 / 22 mm from 37 mm down."""
    pages = body_pages(rendered[0][name])
    counts = []
    for page in pages:
        slots = set()
        for line in page.text_lines:
            slot = int((line.middle - TOP) // PITCH)
            assert 0 <= slot < 22, line
            assert line.top > TOP + slot * PITCH - 0.5 and line.bottom < TOP + (slot + 1) * PITCH + 0.5, line
            slots.add(slot)
        counts.append(len(slots))
    if name == "norms":  # long enough to fill pages, every line of them
        assert 22 in counts, counts


@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_page_count_is_the_pdfs(rendered, name):
    theirs, ours = rendered
    assert len(theirs[name]) == len(ours[name])


@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_breaks_pages_where_the_pdf_does(rendered, name):
    """Every page starts with the same text as the PDF's: the keep rules (a heading with its lines, two lines of
    text with the signature) come out the same."""
    theirs, ours = rendered

    def starts(pages: list[Page]) -> list[str]:
        return [page.text_lines[0].text[:6] if page.text_lines else "" for page in pages]

    assert starts(theirs[name]) == starts(ours[name])


@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_puts_the_colophon_at_the_foot_of_the_last_even_page(rendered, name):
    pages, ours = rendered[0][name], rendered[1][name]
    if not ours[-1].rules:
        pytest.skip(f"{name} has no 版记")
    assert len(pages) % 2 == 0
    last_rule = max(top for top, _, _ in pages[-1].rules)
    assert abs(last_rule - BOTTOM) < TOLERANCE
    assert abs(last_rule - max(top for top, _, _ in ours[-1].rules)) < TOLERANCE
    assert "印发" in "".join(line.text for line in pages[-1].text_lines)


@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_numbers_pages_on_the_outer_side(rendered, name):
    """7.5: "— n —" 7 mm below the 版心, odd pages on the right, even pages on the left, one 4号 character in."""
    one = 14 / MM
    numbered = 0
    theirs, ours = rendered[0][name], rendered[1][name]
    # 7.5: a blank page before the 版记 page leaves both unnumbered, in the PDF and the DOCX alike.
    assert [page.page_number is None for page in theirs] == [page.page_number is None for page in ours]
    for number, page in enumerate(rendered[0][name], start=1):
        mark = page.page_number
        if mark is None:
            continue
        assert mark.text == f"—{number}—"
        assert BOTTOM + 7 - TOLERANCE < mark.middle < BOTTOM + 7 + 14 / MM
        if number % 2:
            assert abs(mark.right - (RIGHT - one)) < TOLERANCE, mark
        else:
            assert abs(mark.left - (LEFT + one)) < TOLERANCE, mark
        numbered += 1
    assert numbered


def test_libreoffice_measures_fail_on_the_old_character_grid(tmp_path):
    """The checks can fail: the old DOCX grid (15.79 pt pitch under 16 pt type) gave 14 characters a line."""
    from docx import Document
    from docx.oxml.ns import qn

    data = render_docx(seed_notice(attachments=[], attachments_list=[]))
    document = Document(io.BytesIO(data))
    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:charSpace"), str(round((layout.CHAR_PITCH - 16) * 4096)))
    normal = document.styles["Normal"].element.rPr
    normal.remove(normal.find(qn("w:spacing")))
    out = io.BytesIO()
    document.save(out)
    pages = measure(libreoffice_pdfs({"old": out.getvalue()}, tmp_path)["old"])
    lengths = [
        len(line.text)
        for page in pages
        for line in page.text_lines
        if line.body_size and line.full_width_only and line.right - line.left > 140
    ]
    assert lengths and max(lengths) < 20
