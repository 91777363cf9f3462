"""`netconduct import-roster`: output shapes, dry run, exit codes, the acting account."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from netconduct.core.models import AuditEvent
from netconduct.org.models import Person
from netconduct.org.roster.testing import HEADER, office_rows, write_xlsx
from netconduct.testing import make_id_number


def ids(n: int) -> str:
    return make_id_number(n, birth=dt.date(1994, 4, 4))


@pytest.fixture
def roster(tmp_path, org):
    people = [
        ["张伟", "C001", ids(1), "13800000001", "机关党支部"],
        ["李娜", "C002", ids(2), "13800000002", "没有这个支部"],
        ["王五", "C003", ids(1), "", "机关党支部"],
    ]
    return write_xlsx(tmp_path / "花名册.xlsx", office_rows(people, header=HEADER[:6]))


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import-roster", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_output_shape(roster, accounts):
    out, _err = run(roster, "--json")
    data = json.loads(out)
    assert list(data) == ["created", "updated", "unchanged", "errors"]
    assert (data["created"], data["updated"], data["unchanged"]) == (1, 0, 0)
    assert data["errors"] == [
        {"row": 5, "column": "所在党组织", "message": data["errors"][0]["message"]},
        {"row": 6, "column": "身份证号码", "message": "身份证号与第4行重复，已保留第4行。"},
    ]
    assert "找不到组织“没有这个支部”" in data["errors"][0]["message"]
    assert "\\u" not in out  # ensure_ascii=False: Chinese as it is
    assert out.count("{") == 1 + len(data["errors"])  # exactly one object, nothing else printed


def test_dry_run_changes_nothing(roster, accounts):
    before = (Person.objects.count(), AuditEvent.objects.count())
    out, _err = run(roster, "--dry-run", "--json")
    assert json.loads(out)["created"] == 1
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


def test_readable_summary(roster, accounts):
    out, _err = run(roster, "--dry-run")
    assert "试运行，未写入数据库" in out
    assert "新增 1 人，更新 0 人，未变 0 人，被拒绝 2 行" in out
    assert "第5行［所在党组织］找不到组织" in out


def test_runs_as_the_first_superuser_or_the_named_account(roster, accounts):
    run(roster)
    assert Person.objects.filter(name="张伟").exists()
    event = AuditEvent.objects.filter(action="roster.import").get()
    assert event.actor.is_superuser
    with pytest.raises(CommandError, match="无权导入花名册") as caught:
        run(roster, "--as", "secretary")
    assert caught.value.returncode == 2
    with pytest.raises(CommandError, match="没有名为“nobody”"):
        run(roster, "--as", "nobody")


def test_as_unit_admin(roster, accounts):
    out, _err = run(roster, "--as", "unitadmin", "--json")
    assert json.loads(out)["created"] == 1
    assert AuditEvent.objects.get(action="roster.import").actor == accounts.unit_admin


def test_no_superuser_is_refused_clearly(tmp_path, db):
    path = write_xlsx(tmp_path / "r.xlsx", office_rows([["张伟", "", ids(1)]], header=HEADER[:4]))
    get_user_model().objects.filter(is_superuser=True).delete()
    with pytest.raises(CommandError, match="还没有超级用户") as caught:
        run(path)
    assert caught.value.returncode == 2


def test_refused_file_exits_2_and_changes_nothing(tmp_path, accounts):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    before = (Person.objects.count(), AuditEvent.objects.count())
    with pytest.raises(CommandError, match="文件被拒绝，未做任何改动") as caught:
        run(path, "--json")
    assert caught.value.returncode == 2
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


def test_help_documents_exit_codes(capsys):
    with pytest.raises(SystemExit):
        call_command("import-roster", "--help")
    assert "退出码" in capsys.readouterr().out
