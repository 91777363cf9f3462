"""Printing pre-filled paper pledges: two copies per person, each page with the pledge's code and QR code."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
import zxingcpp

from netconduct import testing
from netconduct.campaigns import services as campaign_services
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.pledges import paper, render
from netconduct.pledges.choices import PledgeStatus
from netconduct.pledges.models import Pledge

from . import factories


@pytest.fixture
def people(org, accounts):
    return [testing.make_person(org.branch1, name=n) for n in ("赵纸质", "钱纸质")]


@pytest.fixture
def campaign(org, accounts, people):
    return factories.pledge_campaign(org.committee, actor=accounts.unit_admin)


def read_pages(pdf: bytes) -> list[tuple[str, str]]:
    """(text, QR text) of every page."""
    document = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for i in range(len(document)):
            page = document[i]
            text = "".join(page.get_textpage().get_text_range().split())
            qr = zxingcpp.read_barcodes(page.render(scale=150 / 72).to_pil())
            pages.append((text, qr[0].text if qr else ""))
        return pages
    finally:
        document.close()


def test_a_branch_prints_two_prefilled_copies_per_person(campaign, accounts, people, org):
    forms = paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, unit=org.branch1)
    pledges = list(Pledge.objects.filter(campaign=campaign).select_related("person"))
    # 李书记, 王职工 and the two people without accounts: everyone of branch 1
    assert forms.count == len(pledges) == 4 and forms.skipped == 0 and forms.pages == 8
    assert forms.filename == "承诺书-甲醇厂第一党支部-4人.pdf"
    for pledge in pledges:
        assert pledge.status == PledgeStatus.PRINTED and not pledge.method
        assert pledge.printed_by == accounts.secretary and pledge.printed_at is not None
        assert pledge.unit == org.branch1 and pledge.unit_label == "西北能化公司 甲醇厂第一党支部"
        assert pledge.year == campaign.year and pledge.template.kind == "pledge" and pledge.norms is not None

    pages = read_pages(forms.pdf)
    assert len(pages) == 8
    by_code = {p.code: p for p in pledges}
    for k in range(0, 8, 2):
        (own_text, own_qr), (org_text, org_qr) = pages[k], pages[k + 1]
        code = own_qr.split("/v/")[1].split("/")[0]
        pledge = by_code[code]
        assert own_qr == render.verify_url(code) + "#A" and org_qr == render.verify_url(code) + "#B"
        for text in (own_text, org_text):
            assert pledge.person.name in text and "西北能化公司甲醇厂第一党支部" in text
            assert render.code_display(code) in text and "严守政治纪律和政治规矩" in text
        assert "本人留存" in own_text and "组织留存" in org_text
    # in pinyin order within the branch: 李, 钱, 王, 赵
    names = [by_code[q.split("/v/")[1].split("/")[0]].person.name for _t, q in pages[::2]]
    assert names == ["李书记", "钱纸质", "王职工", "赵纸质"]

    event = AuditEvent.objects.get(action="pledge.print")
    assert event.after["printed"] == 4 and event.after["new"] == 4 and event.unit_path == org.branch1.path


def test_a_reprint_keeps_the_codes_and_skips_who_has_signed(campaign, accounts, people, org):
    paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, unit=org.branch1)
    codes = dict(Pledge.objects.values_list("person_id", "code"))
    factories.sign(campaign, accounts.member)
    again = paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, unit=org.branch1)
    assert again.count == 3 and again.skipped == 1 and again.pages == 6
    assert dict(Pledge.objects.values_list("person_id", "code")) == codes  # signing online kept its code too
    assert Pledge.objects.count() == 4
    last = AuditEvent.objects.filter(action="pledge.print").order_by("-seq").first()
    assert last.after["reprinted"] == 3 and last.after["new"] == 0 and last.after["skipped"] == 1


def test_printing_for_chosen_people(campaign, accounts, people, org):
    forms = paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, people=[people[1]])
    assert forms.count == 1 and forms.filename == "承诺书-所选人员-1人.pdf"
    assert list(Pledge.objects.values_list("person__name", flat=True)) == ["钱纸质"]


def test_everyone_signed_means_nothing_to_print(campaign, accounts):
    factories.sign(campaign, accounts.member)
    with pytest.raises(ApplicationError, match="所选的1人均已签订承诺书"):
        paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, people=[accounts.member.person])


@pytest.mark.parametrize(
    "case, error, message",
    [
        ("outside", PermissionRefused, "您无权为“外支部人员”打印承诺书"),
        ("outside_unit", PermissionRefused, "您无权为该单位打印承诺书"),
        ("not_target", ApplicationError, "“后来人员”不是本次活动签订对象"),
        ("no_people", ApplicationError, "请选择要打印承诺书的人员"),
        ("nothing", ApplicationError, "请选择要打印承诺书的单位或人员"),
        ("empty_unit", ApplicationError, "“空支部”没有需要签订本次承诺书的人员"),
        ("inspector", PermissionRefused, "您无权"),
        ("closed", ApplicationError, "活动已结束"),
        ("not_pledge", ApplicationError, "本次活动不要求签订承诺书"),
        ("too_many", ApplicationError, "“甲醇厂党总支”共4人，一次最多打印3人，请进入下级单位分别打印"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    campaign, accounts, org, case, error, message, monkeypatch
):
    from netconduct.campaigns.tests import factories as campaign_factories
    from netconduct.org import services as org_services
    from netconduct.org.choices import UnitKind

    actor, kwargs = accounts.secretary, {"unit": org.branch1}
    if case == "outside":
        kwargs = {"people": [testing.make_person(org.branch2, name="外支部人员")]}
        campaign_services.campaign_sync(campaign=campaign)
    elif case == "outside_unit":
        kwargs = {"unit": org.branch2}
    elif case == "not_target":
        late = testing.make_person(org.branch1, name="后来人员", categories=["employee"])
        from netconduct.campaigns.models import Target

        Target.objects.filter(person=late).delete()
        kwargs = {"people": [late]}
    elif case == "no_people":
        kwargs = {"people": []}
    elif case == "nothing":
        kwargs = {}
    elif case == "empty_unit":
        empty = org_services.unit_create(
            actor=org.root_user, parent=org.plant, name="空支部", kind=UnitKind.BRANCH
        )
        actor, kwargs = accounts.unit_admin, {"unit": empty}
    elif case == "inspector":
        actor = accounts.inspector
    elif case == "closed":
        campaign_services.campaign_close(actor=accounts.unit_admin, campaign=campaign)
    elif case == "too_many":
        monkeypatch.setattr(paper, "PRINT_MAX_PEOPLE", 3)
        actor, kwargs = accounts.unit_admin, {"unit": org.plant}
    elif case == "not_pledge":
        campaign = campaign_factories.campaign(
            org.committee, actor=accounts.unit_admin, issuer_code="另一党发"
        )
    with pytest.raises(error) as exc:
        paper.paper_forms_print(actor=actor, campaign=campaign, **kwargs)
    assert message in exc.value.message
    assert not Pledge.objects.exists()
    assert not AuditEvent.objects.filter(action="pledge.print").exists()


def test_the_qr_code_is_drawn_as_runs_covering_exactly_its_dark_modules():
    data = render.verify_url("ABCD2345EFGH")
    matrix = render.qr_matrix(data)
    n, runs = render.qr_runs(data)
    drawn = [[0] * n for _ in range(n)]
    for r, c, length in runs:
        for k in range(c, c + length):
            drawn[r][k] += 1
    assert n == len(matrix) and [tuple(row) for row in drawn] == [
        tuple(int(bool(m)) for m in row) for row in matrix
    ]
