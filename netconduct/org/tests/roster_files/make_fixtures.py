"""Regenerates the tiny .xls and .ods fixtures (python-calamine reads them but cannot write them).

Run once with xlwt and odfpy importable (neither is a dependency of the project):
    PYTHONPATH=/path/to/xlwt .venv/bin/python netconduct/org/tests/roster_files/make_fixtures.py
Both files hold the same sheet: a title row, a 填报单位 line, the header, two people and a signature line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from stdnum.cn import ric

HERE = Path(__file__).resolve().parent


def id_number(seq: int, *, female: bool = False) -> str:
    body = f"610102{dt.date(1990, 1, 1):%Y%m%d}{seq * 2 + (0 if female else 1):03d}"
    return body + ric.calc_check_digit(body + "0")


# Numbers in the phone column are numeric cells, as Excel keeps them when nobody formats the column as text.
ROWS: list[list[object]] = [
    ["西北能化公司党员花名册"],
    ["填报单位：甲醇厂党总支"],
    ["序号", "姓名", "工号", "身份证号码", "手机号码", "所在支部", "政治面貌", "职务"],
    [1, "赵一", "X001", id_number(1), 13800000001, "甲醇厂第一党支部", "中共党员", "班长"],
    [2, "钱二", "X002", id_number(2, female=True), 13800000002, "甲醇厂第二党支部", "群众", ""],
    [],
    ["填表人：孙三", "", "", "审核人：李四", "", "日期：2024年5月6日"],
]


def write_xls(path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    sheet.write_merge(0, 0, 0, 7, ROWS[0][0])
    for r, row in enumerate(ROWS[1:], start=1):
        for c, value in enumerate(row):
            if value != "":
                sheet.write(r, c, value)
    book.save(str(path))


def write_ods(path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="花名册")
    for r, row in enumerate(ROWS):
        tr = TableRow()
        for value in row:
            if isinstance(value, int):
                cell = TableCell(valuetype="float", value=str(value))
            else:
                cell = TableCell(valuetype="string")
            if value != "":
                cell.addElement(P(text=str(value)))
            if r == 0:
                cell.setAttribute("numbercolumnsspanned", "8")
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))


if __name__ == "__main__":
    write_xls(HERE / "roster.xls")
    write_ods(HERE / "roster.ods")
    print("written", HERE / "roster.xls", HERE / "roster.ods")
