"""The seed notice (西北能化党发〔2023〕36号) read into its parts: the notice, the norms of attachment 1 and the
pledge letter of attachment 2.

The file is text taken from the printed notice, so it keeps the page breaks that fall inside sentences; every
part is joined back with the same rule as the norms (norms_parser.join_broken_lines). The product ships a byte
for byte copy in data/seed_notice.txt; NETCONDUCT_SEED_NOTICE points elsewhere when set.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from netconduct.settings import env

from .norms_parser import (
    NormsStructure,
    Paragraph,
    join_broken_lines,
    parse_norms,
)

__all__ = [
    "CitedDocument",
    "DocumentNumber",
    "NoticeSection",
    "Pledge",
    "PledgePoint",
    "SeedNotice",
    "SeedParseError",
    "find_cited_documents",
    "load_seed_notice",
    "parse_document_number",
    "seed_path",
]

DATE_FIELD = "date"

_NUMBER_RE = re.compile(
    r"(?P<code>[^\s〔〕\[\]［］【】（）()《》、，。]+?)\s*[〔\[［【]\s*(?P<year>\d{4})\s*[〕\]］】]\s*(?P<seq>\d+)\s*号"
)
_CITED_RE = re.compile(r"《(?P<title>[^《》]+)》\s*[（(]\s*(?P<number>[^（）()]+?号)\s*[）)]")
_ATTACHMENT_MARK_RE = re.compile(r"^附\s*件\s*(?P<n>\d+)$")
_SECTION_RE = re.compile(r"^(?P<n>[一二三四五六七八九十]+)、\s*(?P<heading>.+)$")
_ATTACHMENT_LIST_RE = re.compile(r"^(?:[-*•·]\s*)?附\s*件\s*[:：]\s*(?P<rest>.*)$")
_LIST_ENTRY_RE = re.compile(r"^(?P<n>\d+)\s*[.．、]\s*(?P<text>.+)$")
_PRINTED_RE = re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*印\s*发$")
_DEADLINE_RE = re.compile(r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:前|之前|以前)")
_POINT_RE = re.compile(r"^(?P<n>\d+)\s*[.．、]\s*(?P<text>.*)$")
_FIELD_RE = re.compile(r"^(?P<label>[^\s：:，。；]{2,12})\s*[:：]\s*_*$")
_DATE_FIELD_RE = re.compile(r"^[_\s]*年[_\s]*月[_\s]*日[_\s]*$")
_SPACES = " \t\u3000\xa0\ufeff"


class SeedParseError(ValueError):
    """The seed file does not have the parts of a notice with two attachments."""


@dataclass(frozen=True)
class DocumentNumber:
    """发文字号: 西北能化党发〔2023〕36号 is issuer code 西北能化党发, year 2023, sequence 36."""

    issuer_code: str
    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{self.issuer_code}〔{self.year}〕{self.sequence}号"


def parse_document_number(s: str) -> DocumentNumber:
    """Read 西北能化党发〔2023〕36号 into its parts; [] ［］ 【】 may stand for 〔〕. ValueError otherwise."""
    m = _NUMBER_RE.fullmatch(s.strip())
    if not m:
        raise ValueError(f"不是发文字号（应形如“西北能化党发〔2023〕36号”）：{s!r}")
    return DocumentNumber(m["code"], int(m["year"]), int(m["seq"]))


@dataclass(frozen=True)
class CitedDocument:
    """A document cited in the text as 《title》（number）."""

    title: str
    number: str

    @property
    def document_number(self) -> DocumentNumber:
        return parse_document_number(self.number)


def find_cited_documents(text: str) -> list[CitedDocument]:
    """Every 《title》（number） in the text, in order of first appearance, each once. A title cited without a
    number is not a citation of a document by number and is left out."""
    found: list[CitedDocument] = []
    for m in _CITED_RE.finditer(text):
        if not _NUMBER_RE.fullmatch(m["number"].strip()):
            continue
        cited = CitedDocument(m["title"].strip(), m["number"].strip())
        if cited not in found:
            found.append(cited)
    return found


@dataclass(frozen=True)
class NoticeSection:
    number: int
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class PledgePoint:
    number: int
    text: str


@dataclass(frozen=True)
class Pledge:
    title: str
    preamble: str
    points: tuple[PledgePoint, ...]
    closing: tuple[str, ...]
    fields: tuple[str, ...]  # labels to fill in ("承诺人单位", "承诺人签名"); DATE_FIELD for "年 月 日"


@dataclass(frozen=True)
class SeedNotice:
    issuer_mark: str
    number: DocumentNumber
    title: str
    addressees: tuple[str, ...]
    body: tuple[str, ...]  # paragraphs in order, section headings ("一、…") as paragraphs of their own
    sections: tuple[NoticeSection, ...]  # the body after its opening paragraphs, grouped under the headings
    cited_documents: tuple[CitedDocument, ...]
    deadline_text: str
    deadline: datetime.date | None
    attachments: tuple[str, ...]
    printing_unit: str
    printed_on: datetime.date
    norms: NormsStructure
    pledge: Pledge


def seed_path() -> Path:
    """The seed file: NETCONDUCT_SEED_NOTICE when set, else the copy shipped with the package."""
    configured = env.get("NETCONDUCT_SEED_NOTICE")
    if configured:
        return Path(configured).expanduser()
    return Path(__file__).resolve().parent / "data" / "seed_notice.txt"


def load_seed_notice(text: str) -> SeedNotice:
    """Split the whole seed file into the notice, the norms (attachment 1) and the pledge (attachment 2)."""
    text = text.lstrip("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    marks: dict[int, int] = {}  # attachment number → index of its mark line
    for index, line in enumerate(lines):
        m = _ATTACHMENT_MARK_RE.match(line.strip(_SPACES))
        if m:
            marks.setdefault(int(m["n"]), index)
    if 1 not in marks or 2 not in marks or marks[2] < marks[1]:
        raise SeedParseError("种子文件应依次包含“附件1”和“附件2”两个附件标记。")
    notice_part = _parse_notice(lines[: marks[1]])
    norms = parse_norms("\n".join(lines[marks[1] : marks[2]]), first_line=marks[1] + 1)
    pledge = _parse_pledge(lines[marks[2] + 1 :], first_line=marks[2] + 2)
    return SeedNotice(norms=norms, pledge=pledge, **notice_part)


def _nonblank(lines: list[str]) -> list[tuple[int, str]]:
    return [(i, line.strip(_SPACES)) for i, line in enumerate(lines) if line.strip(_SPACES)]


def _parse_notice(lines: list[str]) -> dict:
    rows = _nonblank(lines)
    number_at = next((k for k, (_, line) in enumerate(rows) if _NUMBER_RE.fullmatch(line)), None)
    if number_at is None:
        raise SeedParseError("通知中没有找到发文字号（如“西北能化党发〔2023〕36号”）。")
    issuer_mark = "".join(line for _, line in rows[:number_at])
    number = parse_document_number(rows[number_at][1])

    # The title runs from the number to the addressee line ("各党支部："); a long title may take two lines.
    addressee_at = next(
        (k for k in range(number_at + 1, len(rows)) if re.fullmatch(r"[^。，；]{2,60}[:：]", rows[k][1])),
        None,
    )
    if addressee_at is None:
        raise SeedParseError("通知中没有找到主送机关（如“各党支部：”）。")
    title = "".join(line for _, line in rows[number_at + 1 : addressee_at])
    addressees = tuple(a for a in re.split(r"[、，,]", rows[addressee_at][1].rstrip(":：")) if a)

    # After the body: the attachment list, then the printing unit and the date of printing.
    printed_at = next(
        (k for k in range(len(rows) - 1, addressee_at, -1) if _PRINTED_RE.match(rows[k][1])), None
    )
    if printed_at is None:
        raise SeedParseError("通知末尾没有找到印发日期（如“2023年6月8日印发”）。")
    m = _PRINTED_RE.match(rows[printed_at][1])
    assert m is not None
    printed_on = datetime.date(int(m["y"]), int(m["m"]), int(m["d"]))
    printing_unit = rows[printed_at - 1][1]
    list_at = next(
        (k for k in range(addressee_at + 1, printed_at) if _ATTACHMENT_LIST_RE.match(rows[k][1])),
        printed_at - 1,
    )
    attachments = _attachment_list([line for _, line in rows[list_at : printed_at - 1]])

    body_start, body_end = rows[addressee_at][0] + 1, rows[list_at][0]
    body = join_broken_lines(
        "\n".join(lines[body_start:body_end]),
        stands_alone=lambda line: bool(_SECTION_RE.match(line)),
        first_line=body_start + 1,
    )
    body_text = "\n".join(p.text for p in body)
    deadline_text, deadline = _deadline(body_text, printed_on)
    return {
        "issuer_mark": issuer_mark,
        "number": number,
        "title": title,
        "addressees": addressees,
        "body": tuple(p.text for p in body),
        "sections": _sections(body),
        "cited_documents": tuple(find_cited_documents(body_text)),
        "deadline_text": deadline_text,
        "deadline": deadline,
        "attachments": attachments,
        "printing_unit": printing_unit,
        "printed_on": printed_on,
    }


def _attachment_list(rows: list[str]) -> tuple[str, ...]:
    titles: list[str] = []
    for k, row in enumerate(rows):
        if k == 0:
            m = _ATTACHMENT_LIST_RE.match(row)
            row = m["rest"] if m else row
            if not row:
                continue
        entry = _LIST_ENTRY_RE.match(row)
        titles.append((entry["text"] if entry else row).strip(_SPACES))
    return tuple(titles)


def _sections(body: list[Paragraph]) -> tuple[NoticeSection, ...]:
    sections: list[NoticeSection] = []
    for paragraph in body:
        m = _SECTION_RE.match(paragraph.text)
        if m:
            sections.append(NoticeSection(len(sections) + 1, m["heading"], ()))
        elif sections:
            last = sections[-1]
            sections[-1] = NoticeSection(last.number, last.heading, (*last.paragraphs, paragraph.text))
    return tuple(sections)


def _deadline(body: str, printed_on: datetime.date) -> tuple[str, datetime.date | None]:
    """The first deadline of the body: 应于6月9日前完成 → ("6月9日", 2023-06-09). A deadline without a year is in the year
    of printing, or the next one if that date had already passed when the notice was printed."""
    m = _DEADLINE_RE.search(body)
    if not m:
        return "", None
    text = f"{m['y'] + '年' if m['y'] else ''}{m['m']}月{m['d']}日"
    year = int(m["y"]) if m["y"] else printed_on.year
    try:
        day = datetime.date(year, int(m["m"]), int(m["d"]))
    except ValueError:
        return text, None
    if not m["y"] and day < printed_on:
        day = day.replace(year=year + 1)
    return text, day


def _parse_pledge(lines: list[str], *, first_line: int) -> Pledge:
    rows = _nonblank(lines)
    if not rows:
        raise SeedParseError("附件2（承诺书）为空。")
    title_index, title = rows[0]
    rest = "\n".join(lines[title_index + 1 :])

    def is_field(line: str) -> bool:
        return bool(_FIELD_RE.match(line) or _DATE_FIELD_RE.match(line))

    paragraphs = join_broken_lines(
        rest,
        starts_paragraph=lambda line: bool(_POINT_RE.match(line)),
        stands_alone=is_field,
        first_line=first_line + title_index + 1,
    )
    point_at = [k for k, p in enumerate(paragraphs) if _POINT_RE.match(p.text) and not is_field(p.text)]
    if not point_at:
        raise SeedParseError("附件2（承诺书）中没有编号的承诺条目（如“1. …”）。")
    preamble = [p.text for p in paragraphs[: point_at[0]] if not is_field(p.text)]
    points: list[PledgePoint] = []
    closing: list[str] = []
    fields: list[str] = []
    for k, paragraph in enumerate(paragraphs[point_at[0] :], start=point_at[0]):
        if is_field(paragraph.text):
            label = _FIELD_RE.match(paragraph.text)
            fields.append(label["label"] if label else DATE_FIELD)
        elif k in point_at:
            point = _POINT_RE.match(paragraph.text)
            assert point is not None
            expected = len(points) + 1
            if int(point["n"]) != expected:
                raise SeedParseError(
                    f"第{paragraph.line}行：承诺书第{point['n']}点出现在第{expected}点之前。"
                )
            points.append(PledgePoint(expected, point["text"]))
        elif k < point_at[-1]:  # a second paragraph of a point
            points[-1] = PledgePoint(points[-1].number, f"{points[-1].text}\n{paragraph.text}")
        else:
            closing.append(paragraph.text)
    return Pledge(title, "\n".join(preamble), tuple(points), tuple(closing), tuple(fields))
