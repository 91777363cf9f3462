"""The committee's dashboard: its figures against what the services recorded, each staff member's subtree, the units
behind every figure, the spreadsheets, and a query count that does not grow with the organisation."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from netconduct import testing
from netconduct.campaigns import services as campaign_services
from netconduct.campaigns.models import Target
from netconduct.campaigns.tests import factories as campaign_factories
from netconduct.home import dashboard as board
from netconduct.org import services as org_services
from netconduct.org.choices import UnitKind
from netconduct.pledges.tests import factories as pledge_factories
from netconduct.registry.choices import Platform
from netconduct.registry.tests import factories as registry_factories
from netconduct.reports.tests import factories as report_factories
from netconduct.studies import services as study_services
from netconduct.studies.choices import AttendanceStatus, SessionForm

REPORT_TEXT = "看板绝不能显示的举报内容"


@pytest.fixture(autouse=True)
def cheap_argon2(settings):
    settings.NETCONDUCT_REPORT_ARGON2 = report_factories.CHEAP_ARGON2
    settings.NETCONDUCT_REPORT_CODE_ARGON2 = report_factories.CHEAP_ARGON2


@dataclass
class Scene:
    org: object
    accounts: object
    other_company: object
    other_branch: object
    campaign: object
    pledge_campaign: object
    year: int


def _session(unit, *, when: dt.datetime, people, special: bool = True, submit: bool = True):
    root = testing.superuser()
    session = study_services.session_create(
        actor=root,
        unit=unit,
        form=SessionForm.THEME_DAY,
        topic="网络行为规范专题学习",
        starts_at=when,
        minutes="学习了规范全文。",
        is_special_study=special,
    )
    study_services.attendance_set(
        actor=root,
        session=session,
        marks=[study_services.Mark(p.pk, AttendanceStatus.PRESENT) for p in people],
    )
    if submit:  # submitted and accepted: what the yearly rule counts, before and after issue 19's change
        study_services.session_submit(actor=root, session=session)
        study_services.session_review(actor=root, session=session, decision=study_services.Decision.ACCEPT)
    return session


def _past_this_year() -> dt.datetime:
    """A moment of this year already past (an hour ago, or 1 January's first minutes on New Year's night)."""
    now = timezone.localtime()
    earlier = now - dt.timedelta(hours=1)
    return earlier if earlier.year == now.year else now.replace(hour=0, minute=1, second=0)


@pytest.fixture
def scene(org, accounts) -> Scene:
    root = org.root_user
    year = timezone.localdate().year
    other_company = org_services.unit_create(
        actor=root, parent=org.group, name="其他公司", kind=UnitKind.COMPANY
    )
    other_branch = org_services.unit_create(
        actor=root, parent=other_company, name="其他公司党支部", kind=UnitKind.BRANCH
    )
    outsider = testing.make_person(other_branch, name="外单位人员", categories=["party_member"])
    secretary, member = accounts.secretary.person, accounts.member.person
    extra = testing.make_person(org.branch2, name="赵二支", categories=["employee"])
    clerk = testing.make_person(org.office, name="钱机关", categories=["cadre"])

    # This year's campaign under the committee: the member reads it (done), the others have not.
    campaign = campaign_factories.campaign(org.committee, actor=root, title="本年宣贯")
    target = Target.objects.get(campaign=campaign, person=member)
    campaign_services.read_confirm(actor=accounts.member, target=target, document=campaign.documents.get())
    # One in the other company: only the system administrator counts it.
    campaign_factories.campaign(other_company, actor=root, title="其他公司宣贯", issuer_code="其他党发")

    # Pledges: the secretary signs online; the member, the extra person and the clerk still owe theirs.
    pledge_campaign = pledge_factories.pledge_campaign(org.committee, actor=root, title="本年承诺书")
    pledge_factories.sign(pledge_campaign, accounts.secretary)

    # Special studies: branch1 this year, the office last year, branch2 only a session that is not special.
    _session(org.branch1, when=_past_this_year(), people=[secretary, member])
    tz = timezone.get_default_timezone()
    _session(org.office, when=dt.datetime(year - 1, 6, 1, 10, tzinfo=tz), people=[clerk])
    _session(org.branch2, when=_past_this_year(), people=[extra], special=False)
    _session(org.branch2, when=_past_this_year(), people=[extra], submit=False)  # special, but not handed in
    _session(other_branch, when=_past_this_year(), people=[outsider])

    # A filed account of branch1, a report and a case there, and a report in the other company.
    registry_factories.filed(
        accounts.secretary, unit=org.branch1, platform=Platform.WECHAT_GROUP, name="一支部群"
    )
    report_factories.norms(org.committee, actor=root)
    report_factories.file_report(accounts.member, description=REPORT_TEXT)
    report_factories.file_report(accounts.member, unit=other_branch, description=REPORT_TEXT)
    report_factories.violation(member, actor=accounts.inspector)
    return Scene(org, accounts, other_company, other_branch, campaign, pledge_campaign, year)


def _client(user) -> Client:
    client = Client()
    testing.login(client, user)
    return client


# ---------------------------------------------------------------------------------------------------- figures


@pytest.mark.django_db
def test_figures_of_a_unit_admin_are_those_of_their_committee(scene: Scene):
    d = board.dashboard(viewer=scene.accounts.unit_admin, year=scene.year)
    titles = [f.campaign.title for f in d.campaigns.rows]
    assert "本年宣贯" in titles and "其他公司宣贯" not in titles
    figures = next(f for f in d.campaigns.rows if f.campaign.title == "本年宣贯")
    assert (figures.total, figures.done) == (4, 1)  # secretary, member, extra, clerk; the member has read
    assert figures.units_overdue == 0  # the deadline is still ahead
    assert d.studies.branches == 3  # branch1, branch2, office
    assert d.studies.held.this == 1 and d.studies.held.last == 1
    assert d.studies.missing == 2
    month = _past_this_year().month
    assert d.studies.months[month - 1] == 1 and sum(d.studies.months) == 1
    assert d.studies.reached[-1] == 1
    assert (d.pledges.online.this, d.pledges.paper.this, d.pledges.outstanding.this) == (1, 0, 3)
    assert d.registry.active == 1 and d.registry.rows[0].platform == Platform.WECHAT_GROUP
    assert d.registry.rows[0].unreviewed == 1
    assert d.reports.reports.this == 1 and d.reports.reports.last == 0
    assert d.reports.cases.this == 1 and d.reports.cases_open == 1


@pytest.mark.django_db
def test_units_behind_after_the_deadline_are_overdue(scene: Scene):
    # The deadline moved into the past (a plain field: the services refuse a past deadline for a new campaign).
    type(scene.campaign).objects.filter(pk=scene.campaign.pk).update(
        deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    d = board.dashboard(viewer=scene.accounts.unit_admin, year=scene.year)
    figures = next(f for f in d.campaigns.rows if f.campaign.title == "本年宣贯")
    assert figures.units_overdue == 3  # branch1 (the secretary), branch2, the office
    assert d.campaigns.units_overdue.this == 3
    response = _client(scene.accounts.unit_admin).get(
        reverse("dashboard:drill", kwargs={"section": "campaigns"}) + "?overdue=1"
    )
    org = scene.org
    assert set(_units(response)) == {org.branch1.name, org.branch2.name, org.office.name}


@pytest.mark.django_db
def test_the_system_administrator_sees_every_company(scene: Scene):
    d = board.dashboard(viewer=scene.accounts.sysadmin, year=scene.year)
    assert {"本年宣贯", "其他公司宣贯"} <= {f.campaign.title for f in d.campaigns.rows}
    assert d.studies.branches == 4 and d.studies.held.this == 2
    assert d.reports.reports.this == 2


@pytest.mark.django_db
def test_last_year_is_a_year_of_its_own(scene: Scene):
    d = board.dashboard(viewer=scene.accounts.unit_admin, year=scene.year - 1)
    assert d.studies.held.this == 1  # the office's study of last year
    assert d.campaigns.rows == [] and d.reports.reports.this == 0


@pytest.mark.django_db
def test_a_year_out_of_range_falls_back_to_this_year(scene: Scene):
    assert board.parse_year("99999999999999999999") == scene.year
    assert board.parse_year("1900") == scene.year
    assert board.parse_year("x") == scene.year
    assert board.parse_year(str(scene.year - 1)) == scene.year - 1


# ---------------------------------------------------------------------------------------------------- the page


@pytest.mark.django_db
def test_page_shows_figures_charts_and_no_report_content(scene: Scene):
    response = _client(scene.accounts.unit_admin).get(reverse("dashboard:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for chart in ("chart-campaigns", "chart-studies", "chart-pledges", "chart-registry", "chart-reports"):
        assert f'data-nc-chart="{chart}"' in html and f'id="{chart}"' in html
    assert "本年宣贯" in html and "其他公司宣贯" not in html
    assert REPORT_TEXT not in html and "王职工" not in html  # no content, no reporter
    assert (
        reverse("dashboard:drill", kwargs={"section": "studies"}) + f"?year={scene.year}&amp;held=0" in html
    )
    assert "<script>" not in html  # the charts' options are JSON data (json_script), not an inline script


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["secretary", "inspector", "member"])
def test_others_find_no_dashboard(scene: Scene, role):
    client = _client(getattr(scene.accounts, role))
    assert client.get(reverse("dashboard:index")).status_code == 404
    assert client.get(reverse("dashboard:drill", kwargs={"section": "reports"})).status_code == 404
    assert client.get(reverse("dashboard:export")).status_code == 404
    assert "dashboard" not in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_staff_find_it_in_the_menu_and_on_their_home_page(scene: Scene):
    html = _client(scene.accounts.unit_admin).get(reverse("home")).content.decode()
    assert html.count(f'href="{reverse("dashboard:index")}"') == 2


# ---------------------------------------------------------------------------------------------------- drill-down


def _drill(client, section, query="", pk=None):
    if pk is None:
        url = reverse("dashboard:drill", kwargs={"section": section})
    else:
        url = reverse("dashboard:drill_unit", kwargs={"section": section, "pk": pk})
    return client.get(url + query)


def _units(response) -> list[str]:
    return [r["unit"].name for r in response.context["rows"]]


@pytest.mark.django_db
def test_drill_down_lists_the_units_behind_each_figure(scene: Scene):
    client = _client(scene.accounts.unit_admin)
    org = scene.org
    assert set(_units(_drill(client, "studies", "?held=0"))) == {org.branch2.name, org.office.name}
    month = _past_this_year().month
    assert _units(_drill(client, "studies", f"?month={month}")) == [org.branch1.name]
    assert _units(_drill(client, "pledges", "?method=online")) == [org.branch1.name]
    assert set(_units(_drill(client, "pledges", "?method=outstanding"))) == {
        org.branch1.name,
        org.branch2.name,
        org.office.name,
    }
    response = _drill(client, "campaigns", f"?campaign={scene.campaign.pk}")
    rows = {r["unit"].name: r["values"] for r in response.context["rows"]}
    assert rows[org.branch1.name][:3] == [2, 1, 1]  # total, done, pending
    assert _units(_drill(client, "registry", f"?platform={Platform.WECHAT_GROUP}")) == [org.branch1.name]
    assert _units(_drill(client, "registry", f"?platform={Platform.WEIBO}")) == []
    response = _drill(client, "reports")
    assert _units(response) == [org.branch1.name]
    assert REPORT_TEXT not in response.content.decode()


@pytest.mark.django_db
def test_drill_down_offers_its_filters_and_the_year(scene: Scene):
    client = _client(scene.accounts.unit_admin)
    response = _drill(client, "studies", f"?year={scene.year - 1}&held=0")
    choices = {label: (url, active) for label, url, active in response.context["choices"]}
    assert choices["尚未开展"][1] and not choices["全部"][1]
    assert choices["已开展"][0] == f"/dashboard/studies/?year={scene.year - 1}&held=1"
    html = response.content.decode()
    assert 'name="held" value="0"' in html  # the year selector keeps the filter
    assert set(_units(response)) == {
        scene.org.branch1.name,
        scene.org.branch2.name,
    }  # last year: only the office


@pytest.mark.django_db
def test_drill_down_under_a_unit_and_outside_the_scope(scene: Scene):
    client = _client(scene.accounts.unit_admin)
    response = _drill(client, "studies", pk=scene.org.plant.pk)
    assert set(_units(response)) == {scene.org.branch1.name, scene.org.branch2.name}
    assert _drill(client, "studies", pk=scene.other_branch.pk).status_code == 404
    assert _drill(client, "nonsense").status_code == 404
    sysadmin = _client(scene.accounts.sysadmin)
    assert _units(_drill(sysadmin, "studies", pk=scene.other_branch.pk)) == [scene.other_branch.name]


@pytest.mark.django_db
def test_a_campaign_outside_the_scope_is_ignored_in_the_drill_down(scene: Scene):
    client = _client(scene.accounts.unit_admin)
    other = scene.campaign.__class__.objects.get(title="其他公司宣贯")
    response = _drill(client, "campaigns", f"?campaign={other.pk}")
    assert response.status_code == 200 and "其他公司宣贯" not in response.content.decode()
    assert scene.other_branch.name not in _units(response)


# ---------------------------------------------------------------------------------------------------- exports


@pytest.mark.django_db
def test_the_dashboard_exports_to_xlsx(scene: Scene):
    response = _client(scene.accounts.unit_admin).get(reverse("dashboard:export") + f"?year={scene.year}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["概览", "宣贯活动", "专题学习", "备案账号", "举报状态"]
    overview = {row[0]: row[1:] for row in book["概览"].iter_rows(min_row=3, values_only=True)}
    assert overview["已开展专题学习的支部"] == (1, 1, 0)
    assert overview["尚未签订承诺书"][0] == 3
    titles = [row[0] for row in book["宣贯活动"].iter_rows(min_row=2, values_only=True)]
    assert "本年宣贯" in titles and "其他公司宣贯" not in titles
    text = " ".join(str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row)
    assert REPORT_TEXT not in text and "王职工" not in text


@pytest.mark.django_db
def test_a_drill_down_exports_to_xlsx_and_csv(scene: Scene):
    client = _client(scene.accounts.unit_admin)
    response = _drill(client, "studies", "?held=0&format=xlsx")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[2]]
    assert header[:3] == ["组织", "上级组织", "专题学习次数"]
    names = {row[0] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert names == {scene.org.branch2.name, scene.org.office.name}
    response = _drill(client, "pledges", "?format=csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["组织", "上级组织", "线上签订", "纸质签订", "尚未签订"]
    assert [scene.org.branch1.name, scene.org.plant.name, "1", "0", "1"] in rows


# ---------------------------------------------------------------------------------------------------- query counts


def _grow(scene: Scene, n: int) -> None:
    """`n` more branches under the committee, each with a person, a special study, a target, a pledge owed, a filed
    account and a report: every section has more rows to count."""
    root = testing.superuser()
    campaign = scene.campaign
    numerals = "甲乙丙丁戊己庚辛壬癸"
    for i in range(n):
        branch = org_services.unit_create(
            actor=root, parent=scene.org.committee, name=f"增补第{i}党支部", kind=UnitKind.BRANCH
        )
        person = testing.make_person(branch, name=f"增补{numerals[i]}", categories=["party_member"])
        _session(branch, when=_past_this_year(), people=[person])
        Target.objects.create(campaign=campaign, person=person, unit=branch)
        Target.objects.create(campaign=scene.pledge_campaign, person=person, unit=branch)
        registry_factories.filed(
            scene.accounts.unit_admin,
            owner_kind="unit",
            unit=branch,
            platform=Platform.DOUYIN,
            name=f"增补{i}号",
        )
        report_factories.file_report(scene.accounts.member, unit=branch)


# Each page and its most queries (measured: the session, the account and its grants, the menu, then the figures).
PAGES = [
    ("dashboard:index", {}, "", 16),
    ("dashboard:export", {}, "", 14),
    ("dashboard:drill", {"section": "campaigns"}, "", 9),
    ("dashboard:drill", {"section": "studies"}, "", 9),
    ("dashboard:drill", {"section": "pledges"}, "?method=outstanding", 9),
    ("dashboard:drill", {"section": "registry"}, "", 9),
    ("dashboard:drill", {"section": "reports"}, "?format=xlsx", 6),
]


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_organisation(scene: Scene, django_assert_max_num_queries):
    client = _client(scene.accounts.unit_admin)
    small = {}
    for name, kwargs, query, most in PAGES:
        url = reverse(name, kwargs=kwargs or None) + query
        with django_assert_max_num_queries(most) as captured:
            assert client.get(url).status_code == 200
        small[url] = len(captured)
    _grow(scene, 6)
    for url, count in small.items():
        with django_assert_max_num_queries(count):
            response = client.get(url)
        assert response.status_code == 200
    assert board.dashboard(viewer=scene.accounts.unit_admin, year=scene.year).studies.branches == 9
