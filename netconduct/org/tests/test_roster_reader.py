"""Reading rosters as offices keep them: header finding, variants, trailers, cell quirks, encodings, formats."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from netconduct.core.exceptions import ApplicationError
from netconduct.org.roster import reader
from netconduct.org.roster.importer import PRECISION_LOST, RosterImporter
from netconduct.org.roster.testing import HEADER, office_rows, write_csv, write_xlsx
from netconduct.testing import make_id_number

FILES = Path(__file__).parent / "roster_files"


def ids(n: int, *, female: bool = False) -> str:
    """ID numbers apart from those the shared fixtures make (born 1991, not 1985)."""
    return make_id_number(n, birth=dt.date(1991, 6, 1), female=female)


def read_all(path: Path) -> tuple[reader.RosterSheet, list[tuple[int, list]]]:
    with reader.read_roster(path) as sheet:
        return sheet, [(n, list(cells)) for n, cells in sheet.rows()]


def parse_rows(path: Path, org, accounts) -> tuple[list, list]:
    """(parsed rows, row errors) through the importer's row cleaning, as the unit admin."""
    with reader.read_roster(path) as sheet:
        importer = RosterImporter(actor=accounts.unit_admin, sheet=sheet, create_units=False, dry_run=True)
        parsed = [importer.parse(n, cells) for n, cells in sheet.rows()]
    return [p for p in parsed if p is not None], importer.result.errors


def test_header_found_below_merged_title_and_filed_by_line(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", office_rows([["张三", "A1", ids(1), "13900000001", "机关党支部"]]))
    book = openpyxl.load_workbook(path)
    assert book.active.merged_cells.ranges  # the title really is merged
    sheet, rows = read_all(path)
    assert sheet.header_row == 3
    assert sheet.columns[reader.ID_NUMBER].header == "身份证号码"
    assert sheet.columns[reader.UNIT].header == "所在党组织"
    assert [n for n, _ in rows] == [4]  # the blank row and the signature line are not data


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("员工编号", reader.EMPLOYEE_NO),
        ("职工编号", reader.EMPLOYEE_NO),
        ("身份证号", reader.ID_NUMBER),
        ("公民身份号码", reader.ID_NUMBER),
        ("证件号码", reader.ID_NUMBER),
        ("手机", reader.MOBILE),
        ("联系电话", reader.MOBILE),
        ("联系方式", reader.MOBILE),
        ("所属组织", reader.UNIT),
        ("所在支部", reader.UNIT),
        ("部门", reader.UNIT),
        ("所在单位", reader.UNIT),
        ("人员类别", reader.CATEGORY),
        ("岗位", reader.POSITION),
        ("职务岗位", reader.POSITION),
        ("人员状态", reader.STATUS),
        ("状态", reader.STATUS),
        ("性别", reader.GENDER),
    ],
)
def test_header_variants(header, field):
    other = "身份证号码" if field != reader.ID_NUMBER else "工号"
    columns = reader.match_header(["姓名", other, header])
    assert columns[field].header == header
    assert columns[field].index == 2


def test_header_notes_spaces_and_stars_are_ignored():
    columns = reader.match_header(["*姓 名", "身份证号码\n（必填）", "手机号码(选填)"])
    assert set(columns) == {reader.NAME, reader.ID_NUMBER, reader.MOBILE}
    assert columns[reader.ID_NUMBER].header == "身份证号码（必填）"


def test_no_header_refuses_the_file(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", [["名单"], ["甲", "乙"], ["张三", "110"]])
    with pytest.raises(ApplicationError, match="没有找到表头"):
        read_all(path)


def test_trailing_signature_lines_blank_rows_and_repeated_headers_are_skipped(tmp_path):
    rows = office_rows([["张三", "", ids(2), "", "机关党支部"]])
    rows.insert(4, [])
    rows.insert(5, HEADER)
    rows.insert(6, [2, "李四", "", ids(3), "", "机关党支部"])
    rows.append(["说明：本表由人事部门填报"])
    rows.append([None, "合计：2人"])
    _sheet, data = read_all(write_xlsx(tmp_path / "r.xlsx", rows))
    assert [cells[1] for _, cells in data] == ["张三", "李四"]
    assert [n for n, _ in data] == [4, 7]


def test_cell_quirks_are_cleaned(tmp_path, org, accounts):
    id_x = next(ids(n) for n in range(10, 400) if ids(n).endswith("X"))
    people = [
        ["阿不都·热合曼", "Ａ１２３", ids(4).replace("1991", "１９９１"), "+86 139-0000-0001", "机关党支部"],
        ["古丽•买买提", "B 12 3", id_x.lower(), "139 0000 0002", "机关党支部"],
        ["玛丽・居里", "", ids(5), 13900000003, "机关党支部"],
    ]
    path = write_xlsx(tmp_path / "r.xlsx", office_rows(people, header=HEADER[:6]))
    parsed, errors = parse_rows(path, org, accounts)
    assert errors == []
    assert [p.name for p in parsed] == ["阿不都·热合曼", "古丽·买买提", "玛丽·居里"]
    assert [p.employee_no for p in parsed] == ["A123", "B123", None]
    assert [p.mobile for p in parsed] == ["13900000001", "13900000002", "13900000003"]
    assert parsed[0].id_number == ids(4)
    assert parsed[1].id_number == id_x.upper()


def test_id_number_stored_as_number_is_refused_with_precision_message(tmp_path, org, accounts):
    people = [
        ["张三", "", int(ids(6)[:17] + "0"), "", "机关党支部"],
        ["李四", "", 1.50602198503141e17, "", "机关党支部"],
        ["王五", "", "1.50602E+17", "", "机关党支部"],
    ]
    path = write_xlsx(tmp_path / "r.xlsx", office_rows(people, header=HEADER[:6]))
    parsed, errors = parse_rows(path, org, accounts)
    assert parsed == []
    assert [(e.row, e.column, e.message) for e in errors] == [
        (4, "身份证号码", PRECISION_LOST),
        (5, "身份证号码", PRECISION_LOST),
        (6, "身份证号码", PRECISION_LOST),
    ]
    assert "丢失精度" in PRECISION_LOST


def test_formulas_are_read_as_cached_values_not_evaluated(tmp_path):
    # openpyxl writes no cached value, so a formula cell reads as empty: it is never evaluated.
    path = write_xlsx(tmp_path / "r.xlsx", office_rows([["张三", "", ids(7), "=1+1", "机关党支部"]]))
    _sheet, data = read_all(path)
    assert data[0][1][4] in (None, "")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(tmp_path, encoding, org, accounts):
    rows = office_rows([["阿不都·热合曼", "A1", ids(8), "13900000001", "机关党支部", "中共党员"]])
    path = write_csv(tmp_path / "r.csv", rows, encoding=encoding)
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    parsed, errors = parse_rows(path, org, accounts)
    assert errors == []
    assert parsed[0].name == "阿不都·热合曼"
    assert parsed[0].unit == org.office


def test_csv_in_gbk_is_detected_as_gb18030(tmp_path):
    path = write_csv(tmp_path / "r.csv", office_rows([["张三", "", ids(9)]]), encoding="gbk")
    assert reader.detect_encoding(path) == "gb18030"
    assert reader.detect_encoding(write_csv(tmp_path / "u.csv", [["张三"]], encoding="utf-8")) == "utf-8-sig"


@pytest.mark.parametrize("name", ["roster.xls", "roster.ods"])
def test_xls_and_ods_through_calamine(name, org, accounts):
    sheet, rows = read_all(FILES / name)
    assert sheet.header_row == 3
    assert [n for n, _ in rows] == [4, 5]
    parsed, errors = parse_rows(FILES / name, org, accounts)
    assert errors == []
    assert [(p.name, p.employee_no, p.mobile, p.unit) for p in parsed] == [
        ("赵一", "X001", "13800000001", org.branch1),
        ("钱二", "X002", "13800000002", org.branch2),
    ]


def test_cell_text():
    assert reader.cell_text(13900000001.0) == "13900000001"
    assert reader.cell_text("  A1 ") == "A1"
    assert reader.cell_text(None) == ""
    assert reader.id_cell_text(110101190001011) == "110101190001011"  # 15 digits survive as a number
    with pytest.raises(reader.PrecisionLost):
        reader.id_cell_text(150602198503141234)


def test_tab_separated_csv(tmp_path):
    rows = office_rows([["张三", "A1", ids(11)]], header=HEADER[:4])
    path = tmp_path / "r.csv"
    path.write_text(
        "\n".join("\t".join("" if v is None else str(v) for v in row) for row in rows), encoding="utf-8"
    )
    sheet, data = read_all(path)
    assert sheet.header_row == 3
    assert data == [(4, ["1", "张三", "A1", ids(11)])]


def test_old_xls_renamed_to_xlsx_is_read(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes((FILES / "roster.xls").read_bytes())
    sheet, rows = read_all(path)
    assert [n for n, _ in rows] == [4, 5]


def _with_order(prefix: str, order: str, day: int) -> str:
    from stdnum.cn import ric

    body = f"{prefix[:12]}{day:02d}{order}"
    return body + ric.calc_check_digit(body + "0")


def _zeroed_id() -> str:
    """A valid ID number (checksum and all) ending in 000, as Excel's 15 digits and a CSV "as shown" leave one."""
    candidates = (
        _with_order("610102199001", f"{first}00", day) for day in range(1, 29) for first in range(10)
    )
    return next(i for i in candidates if i.endswith("000"))


def test_csv_id_number_saved_as_shown_with_000_is_refused(tmp_path, org, accounts):
    from netconduct.org.models import Person
    from netconduct.org.roster.importer import roster_import

    zeroed = _zeroed_id()
    from netconduct.org import validation

    assert validation.clean_id_number(zeroed) == zeroed  # it passes the checksum: only the 000 gives it away
    ends_x = next(ids(n) for n in range(10, 400) if ids(n).endswith("X"))
    ends_00 = next(i for i in (_with_order("61010219900102", "100", d) for d in range(1, 29)) if i[-1] != "0")
    people = [
        ["张三", "", zeroed, "", "机关党支部"],
        ["李四", "", "１" + zeroed[1:], "", "机关党支部"],  # full-width digits do not hide it
        ["王五", "", ends_x, "", "机关党支部"],
        ["赵六", "", ends_00, "", "机关党支部"],
    ]
    path = write_csv(tmp_path / "r.csv", office_rows(people, header=HEADER[:6]))
    before = Person.objects.count()
    result = roster_import(actor=accounts.unit_admin, path=path, filename="r.csv", dry_run=False)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (4, "身份证号码", PRECISION_LOST),
        (5, "身份证号码", PRECISION_LOST),
    ]
    assert result.created == 2 and Person.objects.count() == before + 2
    with pytest.raises(reader.PrecisionLost):
        reader.id_cell_text(zeroed)
    assert reader.id_cell_text(zeroed[:-1] + "X") == zeroed[:-1] + "X"
    assert reader.id_cell_text(zeroed[:-3] + "100") == zeroed[:-3] + "100"


def test_a_sheet_too_large_for_calamine_is_streamed_by_openpyxl(tmp_path, org, accounts, monkeypatch):
    people = [["张三", "", ids(11), "", "机关党支部"], ["李四", "", ids(12), "", "机关党支部"]]
    path = write_xlsx(tmp_path / "r.xlsx", office_rows(people, header=HEADER[:6]))
    assert reader.xlsx_largest_extent(path) == 7 * 8  # 7 rows; the signature line reaches column H
    fast, _ = parse_rows(path, org, accounts)
    monkeypatch.setattr(reader, "CALAMINE_MAX_CELLS", 55)
    streamed, errors = parse_rows(path, org, accounts)
    assert errors == [] and [p.id_number for p in streamed] == [p.id_number for p in fast] == [
        ids(11),
        ids(12),
    ]

    book = openpyxl.load_workbook(path)
    book.active["XFD1048576"] = "远处的一个值"  # one stray cell: calamine would allocate 17 billion
    book.save(path)
    assert reader.xlsx_largest_extent(path) == 1048576 * 16384
    monkeypatch.undo()
    streamed, errors = parse_rows(path, org, accounts)
    assert [p.id_number for p in streamed] == [ids(11), ids(12)]


def test_chart_sheets_and_hidden_sheets_are_passed_over(tmp_path, org, accounts):
    path = write_xlsx(
        tmp_path / "r.xlsx", office_rows([["张三", "", ids(13), "", "机关党支部"]], header=HEADER[:6])
    )
    book = openpyxl.load_workbook(path)
    hidden = book.create_sheet("隐藏", 0)
    for row in office_rows([["李四", "", ids(14), "", "机关党支部"]], header=HEADER[:6]):
        hidden.append(row)
    hidden.sheet_state = "hidden"
    book.create_chartsheet("图表", 0)
    book.save(path)
    sheet, data = read_all(path)
    assert sheet.sheet_name == "花名册"
    assert [row[1][3] for row in data if len(row[1]) > 3] == [ids(13)]
