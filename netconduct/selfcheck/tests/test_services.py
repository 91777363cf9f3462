"""Keyword edits: permission, validation, one audit event; the configured engine follows them; tallies."""

from __future__ import annotations

import pytest

from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.selfcheck import api, selectors, services
from netconduct.selfcheck.engine import Finding
from netconduct.selfcheck.models import SelfcheckKeyword, SelfcheckTally
from netconduct.testing import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_configuration():
    selectors.forget_configuration()
    yield
    selectors.forget_configuration()


def test_add_writes_one_audit_event_with_the_terms(org, accounts):
    before = AuditEvent.objects.count()
    created = services.keyword_add(
        actor=accounts.unit_admin,
        unit=org.committee,
        terms="天骄一号工程\n XBNH-ERP \n\n天骄一号工程",
        note="项目名称",
    )
    assert [k.term for k in created] == ["天骄一号工程", "XBNH-ERP"]
    assert [k.key for k in created] == ["天骄一号工程", "xbnh-erp"]
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("seq")
    assert event.action == "selfcheck.keyword.add" and event.actor_id == accounts.unit_admin.pk
    assert event.after["terms"] == ["天骄一号工程", "XBNH-ERP"] and event.unit_path == org.committee.path


def test_member_and_secretary_may_not_edit_keywords(org, accounts):
    for actor in (accounts.member, accounts.secretary, accounts.inspector):
        with pytest.raises(PermissionRefused):
            services.keyword_add(actor=actor, unit=org.branch1, terms="天骄一号工程")
    assert not SelfcheckKeyword.objects.exists()


def test_unit_admin_may_not_edit_outside_the_committee(org, accounts):
    with pytest.raises(PermissionRefused):
        services.keyword_add(actor=accounts.unit_admin, unit=org.company, terms="天骄一号工程")


def test_validation(org, accounts):
    with pytest.raises(ApplicationError, match="太短"):
        services.keyword_add(actor=accounts.unit_admin, unit=org.committee, terms="密")
    with pytest.raises(ApplicationError, match="至少填写一个"):
        services.keyword_add(actor=accounts.unit_admin, unit=org.committee, terms="\n \n")
    services.keyword_add(actor=accounts.unit_admin, unit=org.committee, terms="天骄一号工程\nXBNH-ERP")
    with pytest.raises(ApplicationError, match="都已在"):
        services.keyword_add(actor=accounts.unit_admin, unit=org.committee, terms="天骄一号工程")
    with pytest.raises(ApplicationError, match="都已在"):  # full-width and case fold to the same key
        services.keyword_add(actor=accounts.unit_admin, unit=org.committee, terms="ｘｂｎｈ－ｅｒｐ")


def test_delete_writes_one_event_and_needs_scope(org, accounts):
    [keyword] = services.keyword_add(actor=accounts.unit_admin, unit=org.branch1, terms="天骄一号工程")
    with pytest.raises(PermissionRefused):
        services.keyword_delete(actor=accounts.secretary, keyword=keyword)
    before = AuditEvent.objects.count()
    services.keyword_delete(actor=accounts.unit_admin, keyword=keyword)
    assert not SelfcheckKeyword.objects.exists()
    event = AuditEvent.objects.latest("seq")
    assert AuditEvent.objects.count() == before + 1
    assert (event.action, event.before["term"], event.after) == (
        "selfcheck.keyword.delete",
        "天骄一号工程",
        None,
    )


def test_configured_engine_follows_keywords_roster_and_issuer_codes(org, accounts):
    text = "天骄一号工程由赵铁柱负责，依据西北能化党发〔2023〕36号"
    assert [f.kind for f in api.check_text_configured(text)] == ["doc_number"]
    assert api.check_text_configured(text)[0].severity == "high"  # 西北能化党 is the committee's code
    services.keyword_add(actor=accounts.unit_admin, unit=org.committee, terms="天骄一号工程")
    assert [f.kind for f in api.check_text_configured(text)] == ["keyword", "doc_number"]
    make_person(org.branch1, name="赵铁柱")
    selectors.forget_configuration()  # the roster is re-read once a minute; a test does not wait
    assert [f.kind for f in api.check_text_configured(text)] == ["keyword", "person", "doc_number"]
    assert [f.kind for f in api.check_text_configured("代号青龙", extra_keywords=("青龙",))] == ["keyword"]


def test_the_keyword_list_is_scoped(org, accounts):
    services.keyword_add(actor=org.root_user, unit=org.company, terms="公司级项目")
    services.keyword_add(actor=accounts.unit_admin, unit=org.branch1, terms="支部级项目")
    assert [k.term for k in selectors.keyword_list(viewer=accounts.unit_admin)] == ["支部级项目"]
    assert selectors.keyword_list(viewer=accounts.member).count() == 0
    assert selectors.keyword_list(viewer=accounts.sysadmin).count() == 2


def test_tallies_count_checks_and_kinds_and_nothing_else():
    finding = Finding("mobile", 0, 11, "139****5678", "手机号码", "第六条第（一）项", "medium")
    services.tally_record(findings=[finding, finding])
    services.tally_record(findings=[])
    counts = dict(SelfcheckTally.objects.values_list("kind", "count"))
    assert counts == {"check": 2, "mobile": 2}
    assert {f.name for f in SelfcheckTally._meta.get_fields()} == {"id", "day", "kind", "count"}
    rows = selectors.tally_summary()
    assert [(r.kind, r.count) for r in rows] == [("check", 2), ("mobile", 2)]
