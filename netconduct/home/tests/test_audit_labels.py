"""The audit trail reads as Chinese: every action the services can record has a label, and typical events of the
registry, campaigns and study sessions show no field names, codes or internal ids."""

from __future__ import annotations

import ast
import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

import netconduct
from netconduct import testing
from netconduct.campaigns import services as campaign_services
from netconduct.campaigns.models import Target
from netconduct.campaigns.tests import factories as campaigns
from netconduct.core.templatetags.netconduct import ACTIONS, OBJECT_VALUE_LABELS, VALUE_LABELS
from netconduct.registry.tests import factories as registry
from netconduct.reports.choices import CaseStep, MessageKind
from netconduct.studies import services as study_services
from netconduct.studies.services import Decision, Mark

CODE = re.compile(r"^[a-z]+(\.[a-z_]+)+$")
COMPOSED_CODE = re.compile(r"^f'(\{[a-z_]+\}|[a-z]+)(\.(\{[a-z_]+\}|[a-z_]+))+'$")
# Actions composed at run time: the f-string's source and the values it takes.
COMPOSED = {
    # a case is opened by case_open ("violation.open"); every later step is moved to
    "f'violation.{to}'": [f"violation.{step}" for step in CaseStep.values if step != CaseStep.OPENED],
    "f'report.{kind}'": [f"report.{kind}" for kind in (MessageKind.REPLY, MessageKind.NOTE)],
    "f'{action_prefix}.create'": ["person.create"],
    "f'{action_prefix}.update'": ["person.update"],
}


def _is_audit_call(node: ast.Call) -> bool:
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name == "Change" or name.endswith("_change")


def _codes_in(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _codes_in(node.body) + _codes_in(node.orelse)
    return []


def emitted_actions() -> tuple[set[str], list[str]]:
    """Action codes in the product's source: arguments of Change(...) and of the apps' `*_change` helpers, and
    values given to a variable named `action`; composed codes through COMPOSED (an unknown one is reported)."""
    found: set[str] = set()
    unknown: list[str] = []
    root = Path(netconduct.__file__).parent
    for path in root.rglob("*.py"):
        if {"tests", "migrations"} & set(path.relative_to(root).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _is_audit_call(node):
                if getattr(node.func, "id", "") == "Change":  # Change(action, object_type, ...)
                    args = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "action")]
                else:  # the apps' helpers take the action among other arguments
                    args = [*node.args, *(k.value for k in node.keywords)]
                for arg in args:
                    found.update(_codes_in(arg))
                    if isinstance(arg, ast.JoinedStr):
                        source = ast.unparse(arg)
                        if source in COMPOSED:
                            found.update(COMPOSED[source])
                        elif COMPOSED_CODE.match(source):
                            unknown.append(f"{path.relative_to(root)}:{node.lineno}: {source}")
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "action" for t in node.targets
            ):
                found.update(_codes_in(node.value))
    object_types = {model._meta.label_lower for model in apps.get_models()}
    return found - object_types, unknown


def test_every_action_the_services_can_record_has_a_label():
    found, unknown = emitted_actions()
    assert not unknown, f"actions composed at run time: add their values to COMPOSED: {unknown}"
    assert {
        "registry.decide",
        "campaign.launch",
        "session.sign_in",
        "violation.closed",
        "report.reply",
    } <= found
    assert len(found) > 80  # the walk reaches every app
    missing = sorted(code for code in found if code not in ACTIONS)
    assert not missing, f"audit actions without a label in core/templatetags/netconduct.py ACTIONS: {missing}"


def test_the_walk_sees_an_unlabelled_action():
    source = (
        'def f(x):\n    audit_record(actor=x, change=Change("widget.explode", "t", 1, "", "", None, {}))\n'
    )
    tree = ast.parse(source)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_audit_call(n)]
    assert [c for call in calls for a in call.args for c in _codes_in(a)] == ["widget.explode"]
    assert "widget.explode" not in ACTIONS


class _Cells(HTMLParser):
    """The text of the audit table's cells, by column label (data-label), and the field labels of changes."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str]] = []
        self.field_labels: list[str] = []
        self._column: str | None = None
        self._in_label = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "td":
            self._column, self._text = attrs.get("data-label", ""), []
        if tag == "span" and attrs.get("class") == "text-secondary":
            self._in_label = True
            self.field_labels.append("")

    def handle_endtag(self, tag):
        if tag == "td" and self._column is not None:
            self.cells.append((self._column, "".join(self._text).strip()))
            self._column = None
        if tag == "span":
            self._in_label = False

    def handle_data(self, data):
        if self._column is not None:
            self._text.append(data)
        if self._in_label:
            self.field_labels[-1] += data


def _raw_codes() -> set[str]:
    """Every coded value an app registers, plus the decisions: shown as-is, any of them is a code left unlabelled."""
    codes = {code for labels in VALUE_LABELS.values() for code in labels}
    codes |= {code for labels in OBJECT_VALUE_LABELS.values() for code in labels}
    return codes | {"approve", "reject", "return", "accept", "read", "study", "pledge", "draft", "submitted"}


@pytest.mark.django_db
def test_typical_registry_campaign_and_session_events_read_without_codes(client, org, accounts):
    registry.filed(accounts.member)
    rejected = registry.submitted(accounts.member, name="另一个号")
    from netconduct.registry.choices import Decision as RegistryDecision
    from netconduct.registry.services import application_decide

    application_decide(
        actor=testing.superuser(),
        application=rejected,
        decision=RegistryDecision.REJECT,
        comment="用途与工作无关",
        version=rejected.version,
    )
    campaign = campaigns.campaign(org.committee, actor=accounts.unit_admin)
    target = Target.objects.get(campaign=campaign, person=accounts.member.person)
    for document in campaign.documents.all():
        campaign_services.read_confirm(actor=accounts.member, target=target, document=document)
    session = study_services.session_create(
        actor=accounts.secretary,
        unit=org.branch1,
        form="theme_day",
        topic="学习网络行为规范",
        starts_at=timezone.now() - dt.timedelta(hours=2),
    )
    study_services.attendance_set(
        actor=accounts.secretary, session=session, marks=[Mark(accounts.member.person.pk, "present")]
    )
    study_services.session_update(actor=accounts.secretary, session=session, minutes="逐条学习讨论。")
    study_services.session_submit(actor=accounts.secretary, session=session)
    study_services.session_review(
        actor=accounts.unit_admin, session=session, decision=Decision.RETURN, opinion="请补充照片"
    )

    testing.login(client, accounts.sysadmin)
    page = client.get(reverse("audit:list")).content.decode()
    cells = _Cells()
    cells.feed(page)
    raw = _raw_codes()
    problems = []
    for column, text in cells.cells:
        if column == "操作" and not re.search(r"[\u4e00-\u9fff]", text):
            problems.append(f"action shown as a code: {text}")
        if column == "变更":
            problems += [f"internal id: {m}" for m in re.findall(r"[^\s：]+#\d+", text)]
            # An account's username is data typed by people (the fixtures' are role names), not a code.
            for part in re.split(r"[：；，、→\s]+", re.sub(r"账号：[^\s：；，、→]+", "", text)):
                if part in raw:
                    problems.append(f"coded value {part!r} in “{text}”")
    for label in cells.field_labels:
        if re.fullmatch(r"[a-z_]+", label.strip()):
            problems.append(f"field shown by its name: {label}")
    assert any(text == "备案审批" for _, text in cells.cells)  # the events are on the page
    assert not problems, "\n".join(problems)
    assert 'data-label="操作人" class="text-nowrap"' in page  # a name does not wrap one character a line
