import csv
import datetime as dt
import io

from openpyxl import load_workbook

from netconduct.core.files import safe_name_part, zip_entry_name
from netconduct.core.xlsx import Styled, XlsxBook, csv_row, neutralise, text_width

EVIL = '=HYPERLINK("evil.example","点我")'
BEIJING = dt.timezone(dt.timedelta(hours=8))


def test_formula_like_text_is_stored_as_text_and_plain_text_untouched():
    book = XlsxBook()
    sheet = book.sheet("表", ["名称", "时间", "日期", "数"], caption="标题")
    when = dt.datetime(2026, 3, 1, 9, 30, tzinfo=BEIJING)
    sheet.append([EVIL, when, dt.date(2026, 3, 2), 3])
    for prefix in ["+1", "-1", "@SUM(A1)", "\tx", "\rx", "＝1"]:
        sheet.append([prefix, None, None, None])
    sheet.append([Styled("下级单位", indent=2, bold=True), None, None, None])
    ws = load_workbook(io.BytesIO(book.to_bytes()))["表"]
    assert ws.freeze_panes == "A3"  # the caption and the header stay in view
    a3 = ws["A3"]
    assert a3.value == EVIL and a3.data_type == "s" and a3.quotePrefix
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(3, 10))
    assert ws["B3"].is_date and ws["B3"].value == when.replace(tzinfo=None)  # Beijing time as shown
    assert ws["C3"].is_date and ws["D3"].value == 3
    assert ws["A10"].alignment.indent == 2 and ws["A10"].font.b
    assert not ws["A10"].quotePrefix  # plain text keeps no prefix
    assert ws.column_dimensions["A"].width >= text_width(EVIL)


def test_width_counts_cjk_double_and_plain_sheet_freezes_row_one():
    assert text_width("支部ab") == 6
    book = XlsxBook()
    sheet = book.sheet("表", ["a", "b"])
    sheet.append(["甲醇厂第一党支部", "x"])
    ws = load_workbook(io.BytesIO(book.to_bytes()))["表"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 18 and ws.column_dimensions["B"].width < 18


def test_csv_cells_get_an_apostrophe():
    out = io.StringIO()
    csv.writer(out).writerow(csv_row([EVIL, "-2", 5, "张三", dt.datetime(2026, 1, 2, 3, 4, tzinfo=BEIJING)]))
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [
        "'" + EVIL,
        "'-2",
        "5",
        "张三",
        "2026-01-02 03:04",
    ]
    assert neutralise("张三") == "张三" and neutralise(None) == ""


def test_zip_entry_names_cannot_leave_the_folder():
    for hostile in ["..", "../../etc/passwd", "..\\..\\x", "/abs", "C:\\x", ".", "", "\x00a"]:
        part = safe_name_part(hostile)
        assert part and "/" not in part and "\\" not in part and not part.startswith(".") and ":" not in part
    assert zip_entry_name("..", "../x.pdf") == "_/_x.pdf"
    assert zip_entry_name("甲醇厂第一党支部", "张三-1234.pdf") == "甲醇厂第一党支部/张三-1234.pdf"
