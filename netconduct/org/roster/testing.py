"""Roster files for tests and the benchmark, laid out as offices lay them out."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

TITLE = "西北能化公司党员职工花名册"
FILED_BY = "填报单位：西北能化公司党委　　　　填报日期：2024年5月6日"
HEADER = ["序号", "姓名", "工号", "身份证号码", "手机号码", "所在党组织", "政治面貌", "人员类别", "职务"]
SIGNATURE = ["填表人：孙三", None, None, "审核人：李四", None, "负责人：王五", None, "日期：2024年5月6日"]


def office_rows(
    people: Iterable[Sequence[Any]], *, header: Sequence[str] = HEADER, numbered: bool = True
) -> list[list[Any]]:
    """Title, 填报单位 line, header, the people (with a 序号 in front when `numbered`), a blank and signatures."""
    rows: list[list[Any]] = [[TITLE], [FILED_BY], list(header)]
    for n, person in enumerate(people, start=1):
        rows.append([n, *person] if numbered else list(person))
    rows.append([])
    rows.append(list(SIGNATURE))
    return rows


def write_xlsx(path: Path, rows: Iterable[Sequence[Any]], *, merge_title: bool = True) -> Path:
    """A normal workbook (not write-only) so that the title can be merged across the header's width."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "花名册"
    width = 1
    for row in rows:
        sheet.append(list(row))
        width = max(width, len(row))
    if merge_title and sheet.max_row >= 1 and width > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    book.save(path)
    return path


def write_csv(path: Path, rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path
