"""The campaign's .xlsx and PDF: the same subtree counts as the page, formulas defused, only required columns."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from netconduct import testing
from netconduct.campaigns import selectors
from netconduct.campaigns.tests import factories as f
from netconduct.org import services as org_services

pytestmark = pytest.mark.django_db
EVIL = '=HYPERLINK("evil.example","点我")'


def _rows(client, campaign, focus):
    response = client.get(reverse("campaigns:export", args=[campaign.pk]) + f"?unit={focus.pk}")
    return load_workbook(io.BytesIO(response.content))


def test_export_counts_each_unit_over_its_subtree_like_the_page(client, org, accounts):
    testing.make_person(org.branch2, name="二支部甲")
    testing.make_person(org.plant, name="总支本级")
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    testing.login(client, accounts.unit_admin)
    page = selectors.completion_rollup(campaign=campaign, focus=org.committee)
    on_page = {r.unit.name: r.tally.total for r in page.rows}
    assert on_page["甲醇厂党总支"] == 4  # its own person and both branches' people

    sheet = _rows(client, campaign, org.committee)["按单位"]
    header = [c.value for c in sheet[2]]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=3)}
    total = header.index("应完成人数")
    assert rows["甲醇厂党总支"][total].value == on_page["甲醇厂党总支"]
    assert rows["西北能化公司党委"][total].value == page.total.total
    assert rows["甲醇厂第一党支部"][0].alignment.indent == 2 and rows["甲醇厂党总支"][0].alignment.indent == 1
    assert sheet.freeze_panes == "A3" and sheet.column_dimensions["A"].width > 10

    text = "".join(
        p.extract_text()
        for p in PdfReader(
            io.BytesIO(client.get(reverse("campaigns:summary_pdf", args=[campaign.pk])).content)
        ).pages
    )
    assert f"应完成{page.total.total}人" in text
    lines = text.splitlines()
    plant = lines.index("\u3000甲醇厂党总支")  # indented one level, then its figures cell by cell
    assert lines[plant + 1] == "4" and lines[lines.index("\u3000\u3000甲醇厂第一党支部") + 1] == "2"


def test_columns_only_for_required_actions(client, org, accounts):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)  # reading only
    testing.login(client, accounts.unit_admin)
    book = _rows(client, campaign, org.committee)
    header = [c.value for c in book["按单位"][2]]
    assert "已阅读确认" in header and "已参加学习" not in header and "已签承诺书" not in header
    people = [c.value for c in book["未完成人员"][1]]
    assert people == ["单位", "姓名", "工号", "已阅读确认"]
    pdf = client.get(reverse("campaigns:summary_pdf", args=[campaign.pk]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "承诺书" not in text and "学习" not in text


def test_a_unit_named_like_a_formula_comes_out_as_text(client, org, accounts):
    org_services.unit_update(actor=org.root_user, unit=org.branch1, name=EVIL)
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    testing.login(client, accounts.unit_admin)
    book = _rows(client, campaign, org.committee)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == EVIL]
    assert len(cells) >= 2  # the unit's row and its people's rows
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert not [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_export_and_summary_statements_do_not_grow_with_the_organisation(
    org, accounts, django_assert_num_queries
):
    """The per-level sums are one statement whatever the depth or breadth of the tree: subtree_rollup is two, and
    the .xlsx and the PDF add the same few at any size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from netconduct.campaigns import exports, services

    campaign = f.campaign(org.committee, actor=accounts.unit_admin, requires_study=True)

    def counts():
        with django_assert_num_queries(2):
            rows = selectors.subtree_rollup(campaign=campaign, focus=org.committee)
        with CaptureQueriesContext(connection) as xlsx:
            exports.rollup_xlsx(viewer=accounts.unit_admin, campaign=campaign, focus=org.committee)
        with CaptureQueriesContext(connection) as pdf:
            exports.rollup_pdf(campaign=campaign, focus=org.committee)
        return rows, len(xlsx), len(pdf)

    small, small_xlsx, small_pdf = counts()
    for i in "一二三":
        branch = org_services.unit_create(
            actor=org.root_user, parent=org.plant, name=f"新支部{i}", kind="branch"
        )
        group = org_services.unit_create(
            actor=org.root_user, parent=branch, name=f"新支部{i}小组", kind="party_group"
        )
        for j in "甲乙丙":
            testing.make_person(branch, name=f"新人{i}{j}")
            testing.make_person(group, name=f"组员{i}{j}")
    services.campaign_sync(campaign=campaign)
    big, big_xlsx, big_pdf = counts()
    assert (big_xlsx, big_pdf) == (small_xlsx, small_pdf)
    assert len(big) == len(small) + 3 and big[0].tally.total == small[0].tally.total + 18
    assert {r.unit.name: r.tally.total for r in big if r.unit.name.startswith("新支部")} == {
        "新支部一": 6,
        "新支部二": 6,
        "新支部三": 6,
    }
