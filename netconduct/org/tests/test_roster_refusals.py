"""Files refused as a whole: a clear Chinese message, and nothing in the database changes."""

from __future__ import annotations

import datetime as dt
import struct
import zipfile

import pytest

from netconduct.core.exceptions import ApplicationError
from netconduct.core.models import AuditEvent
from netconduct.org.models import OrgUnit, Person
from netconduct.org.roster import importer, reader
from netconduct.org.roster.importer import roster_import
from netconduct.org.roster.testing import HEADER, office_rows, write_csv, write_xlsx
from netconduct.testing import make_id_number

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def rows(n: int = 3):
    people = [
        [f"张{chr(0x4E00 + i)}", "", make_id_number(i, birth=dt.date(1993, 3, 3)), "", "机关党支部"]
        for i in range(1, n + 1)
    ]
    return office_rows(people, header=HEADER[:6])


def state():
    return Person.objects.count(), OrgUnit.objects.count(), AuditEvent.objects.count()


@pytest.fixture
def refused(org, accounts):
    """Import a file for real and expect the whole file refused with a message containing `expected`."""

    def check(path, expected: str, *, filename: str | None = None):
        before = state()
        with pytest.raises(ApplicationError) as caught:
            roster_import(
                actor=accounts.unit_admin,
                path=path,
                filename=filename or path.name,
                dry_run=False,
                create_units=True,
            )
        assert expected in caught.value.message
        assert state() == before
        return caught.value.message

    return check


def test_png_renamed_to_xlsx(tmp_path, refused):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(PNG)
    refused(path, "不是有效的电子表格")


def test_other_zip_files_and_unknown_types(tmp_path, refused):
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    refused(path, "不是有效的电子表格")
    text = tmp_path / "roster.txt"
    text.write_text("姓名,身份证号\n", encoding="utf-8")
    refused(text, "不支持“.txt”类型的文件")
    binary = tmp_path / "roster.csv"
    binary.write_bytes(PNG)
    refused(binary, "不是有效的电子表格")


def test_macro_workbooks(tmp_path, refused):
    refused(write_xlsx(tmp_path / "roster.xlsm", rows()), "含有宏")
    path = write_xlsx(tmp_path / "roster.xlsx", rows())
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00" * 32)
    refused(path, "含有宏")


def test_password_protected_workbook(tmp_path, refused):
    # Office saves an encrypted .xlsx as an OLE container holding EncryptionInfo and EncryptedPackage streams.
    path = tmp_path / "roster.xlsx"
    path.write_bytes(
        reader.OLE_MAGIC + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512
    )
    message = refused(path, "密码")
    assert "去掉密码" in message
    bare = tmp_path / "bare.xlsx"
    bare.write_bytes(reader.OLE_MAGIC + b"\x00" * 1024)
    refused(bare, "密码")


def test_zip_bomb_by_ratio(tmp_path, refused):
    path = write_xlsx(tmp_path / "roster.xlsx", rows())
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/image1.bin", b"\x00" * (4 << 20))
    refused(path, "压缩炸弹")


def test_zip_bomb_by_declared_size(tmp_path, refused):
    """A member whose central directory entry declares 4 GB: refused before anything is decompressed."""
    path = write_xlsx(tmp_path / "roster.xlsx", rows())
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")  # the first central directory entry
    struct.pack_into("<I", data, central + 24, 0xFFFFFFF0)  # its uncompressed size
    path.write_bytes(bytes(data))
    refused(path, "压缩炸弹")


def test_over_the_size_limit(tmp_path, refused, settings):
    settings.NETCONDUCT_ROSTER_MAX_BYTES = 2000
    message = refused(write_xlsx(tmp_path / "roster.xlsx", rows()), "超过")
    assert "MB" in message
    refused(write_csv(tmp_path / "roster.csv", rows(40)), "超过")


def test_over_the_row_limit_after_rows_were_written(tmp_path, refused, settings, monkeypatch):
    settings.NETCONDUCT_ROSTER_MAX_ROWS = 5
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)  # the first chunks are applied before the limit is met
    refused(write_xlsx(tmp_path / "roster.xlsx", rows(6)), "超过5行")
    # At the limit the file is fine.
    before = Person.objects.count()
    from netconduct.testing import superuser

    result = roster_import(actor=superuser(), path=write_xlsx(tmp_path / "ok.xlsx", rows(5)), dry_run=False)
    assert (result.created, Person.objects.count()) == (5, before + 5)


def test_no_header(tmp_path, refused):
    refused(write_csv(tmp_path / "roster.csv", [["名单"], ["张三", "13900000000"]]), "没有找到表头")


def test_empty_file(tmp_path, refused):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"")
    refused(path, "文件是空的")
