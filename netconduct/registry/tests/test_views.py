"""Registry pages through Django's test client: the main flow, a stale decision, query counts that do not grow with
the register, exports, and the import's preview and refusals."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from netconduct import testing
from netconduct.registry import services
from netconduct.registry.choices import AccountStatus, ApplicationStatus
from netconduct.registry.models import Account, Application
from netconduct.registry.tests import factories as f

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    testing.login(client, user)
    return client


def _form(**extra):
    data = {
        "owner_kind": "person",
        "platform": "wechat_channels",
        "account_kind": "account",
        "name": "王职工安全视频",
        "platform_ref": "sphWang",
        "purpose": "班组安全生产短视频",
        "official_capacity": "on",
        "leader": "",
        "admins": "王职工 13912345678 A1001\n外聘剪辑 137 0000 3333",
        "audience": "2000",
        "content_review": "班长审核后发布",
        "planned_open_on": "2026-09-01",
        "then": "submit",
    }
    data.update(extra)
    return data


def test_apply_approve_twice_and_find_it_in_the_registry(org, accounts):
    member = _client(accounts.member)
    response = member.post(reverse("registry:apply"), _form())
    application = Application.objects.get()
    assert response.status_code == 302 and application.status == ApplicationStatus.SUBMITTED
    page = member.get(reverse("registry:application", args=[application.pk])).content.decode()
    assert "党支部书记审核" in page and "撤回" in page
    assert "13912345678" in page  # the applicant sees the numbers they typed

    secretary = _client(accounts.secretary)
    assert "王职工安全视频" in secretary.get(reverse("registry:applications") + "?tab=queue").content.decode()
    secretary.post(
        reverse("registry:application_decide", args=[application.pk]), {"decision": "approve", "version": 1}
    )
    admin = _client(accounts.unit_admin)
    response = admin.post(
        reverse("registry:application_decide", args=[application.pk]),
        {"decision": "approve", "version": 2},
        follow=True,
    )
    account = Account.objects.get()
    assert account.filing_number in response.content.decode()
    listing = admin.get(reverse("registry:list"), {"q": "sphWang"}).content.decode()
    assert "王职工安全视频" in listing and account.filing_number in listing
    detail = admin.get(reverse("registry:account", args=[account.pk])).content.decode()
    assert "13912345678" in detail  # staff see the phone numbers
    assert "提交审批" in detail and "党委办公室审批：同意" in detail  # the whole history
    inspector = (
        _client(accounts.inspector).get(reverse("registry:account", args=[account.pk])).content.decode()
    )
    assert "13912345678" not in inspector and "139****5678" in inspector


def test_a_bad_administrator_line_is_named_and_nothing_is_saved(org, accounts):
    response = _client(accounts.member).post(
        reverse("registry:apply"), _form(admins="王职工 13912345678\n李四")
    )
    assert response.status_code == 200
    assert "第2行“李四”：请写成“姓名 手机号码”。" in response.content.decode()
    assert not Application.objects.exists()


def test_a_stale_decision_says_what_happened(org, accounts):
    application = f.submitted(accounts.member)
    _client(accounts.secretary).post(
        reverse("registry:application_decide", args=[application.pk]), {"decision": "approve", "version": 1}
    )
    response = _client(accounts.sysadmin).post(
        reverse("registry:application_decide", args=[application.pk]),
        {"decision": "reject", "comment": "不行", "version": 1},
        follow=True,
    )
    text = response.content.decode()
    assert "您的决定没有保存" in text and "李书记" not in text or "作出“同意”的决定" in text
    assert application.decisions.count() == 1


def _fill(n: int, applicant, start: int = 0):
    root = testing.superuser()
    for i in range(start, start + n):
        f.filed(applicant, root, name=f"账号{i:03d}", platform_ref=f"ref{i:03d}")


@pytest.mark.parametrize("url_name", ["registry:list", "registry:export"])
def test_list_queries_do_not_grow_with_the_register(org, accounts, django_assert_max_num_queries, url_name):
    client = _client(accounts.unit_admin)
    _fill(3, accounts.member)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(url_name), {"q": "账号"}).status_code == 200
    _fill(25, accounts.member, start=3)
    with django_assert_max_num_queries(len(small)):
        assert client.get(reverse(url_name), {"q": "账号"}).status_code == 200


def test_exports_hold_what_the_viewer_sees(org, accounts):
    f.filed(accounts.member, admins=[services.AdminInput("赵管理", "13700001111")], name="导出的号")
    response = _client(accounts.inspector).get(reverse("registry:export"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[1]
    assert header[0] == "备案编号"
    data = dict(zip(header, rows[2], strict=True))
    assert data["名称"] == "导出的号" and data["管理员电话"] == "137****1111"  # inspectors see masked numbers
    pdf = _client(accounts.unit_admin).get(reverse("registry:export_pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def _workbook(rows, *, title=True) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append(["西北能化公司网络账号备案台账"])
    sheet.append(
        ["序号", "平台", "名称", "平台ID", "主管单位", "管理员", "管理员电话", "备案编号", "备案日期", "状态"]
    )
    for row in rows:
        sheet.append(row)
    sheet.append(["填表人：张三"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, content: bytes, name: str = "台账.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("registry:import"), {"file": SimpleUploadedFile(name, content)})


def test_import_previews_then_writes_keeping_given_numbers(org, accounts):
    client = _client(accounts.unit_admin)
    content = _workbook(
        [
            [
                1,
                "微信公众号",
                "西北能化党建",
                "gh_dj",
                "西北能化公司党委",
                "赵管理、钱管理",
                "13700001111、13700002222",
                "西北能化网备〔2025〕7号",
                "2025年3月1日",
                "正常",
            ],
            [2, "微信群", "一支部工作群", "", "甲醇厂第一党支部", "李书记", "+86 139 0000 1111", "", "", ""],
            [
                3,
                "境外平台：LinkedIn",
                "西北能化海外",
                "xbnh",
                "西北能化公司党委",
                "孙管理",
                "13700003333",
                "",
                "",
                "注销",
            ],
        ]
    )
    response = _upload(client, content)
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "全部通过检查" in preview and "西北能化网备〔2025〕7号" in preview
    assert not Account.objects.exists()
    done = client.post(response["Location"], follow=True)
    assert "已导入3个账号" in done.content.decode()
    kept = Account.objects.get(name="西北能化党建")
    assert kept.filing_number == "西北能化网备〔2025〕7号" and kept.imported
    assert [a.name for a in kept.admins.all()] == ["赵管理", "钱管理"]
    group = Account.objects.get(name="一支部工作群")
    assert group.account_kind == "group" and group.unit == org.branch1
    overseas = Account.objects.get(name="西北能化海外")
    assert overseas.platform_label == "境外平台（LinkedIn）" and overseas.status == AccountStatus.CLOSED
    # The given number is never handed out again; this year's numbers continue from the counter.
    assert f.filed(accounts.member, name="新号").filing_seq >= 1
    again = _upload(client, content)
    assert again.status_code == 302
    assert "已在台账中" in client.get(again["Location"]).content.decode()


def test_import_refuses_bad_rows_by_row_and_column_and_writes_nothing(org, accounts):
    client = _client(accounts.unit_admin)
    content = _workbook(
        [
            [1, "微信公众号", "好的一行", "", "西北能化公司党委", "赵管理", "13700001111", "", "", ""],
            [2, "推特吧", "坏平台", "", "西北能化公司党委", "赵管理", "13700001111", "", "", ""],
            [3, "微博", "坏电话", "", "西北能化公司党委", "赵管理、钱管理", "13700001111", "", "", ""],
            [4, "微博", "坏单位", "", "不存在的单位", "赵管理", "13700001111", "", "", ""],
            [5, "微博", "坏编号", "", "西北能化公司党委", "赵管理", "13700001111", "网备2025-7", "", ""],
        ]
    )
    response = _upload(client, content)
    preview = client.get(response["Location"]).content.decode()
    assert "其中 4 行未通过检查" in preview
    assert "第4行" in preview and "平台“推特吧”无法识别" in preview  # row numbers as the sheet shows them
    assert "管理员2人，电话却有1个" in preview
    assert "找不到组织“不存在的单位”" in preview
    assert "备案编号“网备2025-7”格式不正确" in preview
    assert "确认导入" not in preview
    client.post(response["Location"])
    assert not Account.objects.exists()


def test_import_refuses_what_is_not_an_xlsx(org, accounts):
    client = _client(accounts.unit_admin)
    response = _upload(client, b"name,platform\n", name="台账.csv")
    assert "请上传 .xlsx 格式" in response.content.decode()
    response = _upload(client, b"PK\x03\x04broken", name="台账.xlsx")
    assert response.status_code == 200 and not Account.objects.exists()


def test_export_writes_formula_like_text_as_text(org, accounts):
    evil = '=HYPERLINK("evil.example","点我")'
    f.filed(accounts.member, name=evil, purpose="-1+1")
    response = _client(accounts.unit_admin).get(reverse("registry:export"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    header = [c.value for c in sheet[2]]
    row = next(r for r in sheet.iter_rows(min_row=3) if r[header.index("名称")].value == evil)
    name, purpose = row[header.index("名称")], row[header.index("用途")]
    assert name.data_type == "s" and name.quotePrefix and purpose.value == "-1+1" and purpose.quotePrefix
    assert row[header.index("备案日期")].is_date
    assert sheet.freeze_panes == "A3" and sheet.column_dimensions["E"].width >= 30
