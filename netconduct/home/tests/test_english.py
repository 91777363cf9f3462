"""Every page of the URL matrix in English: no Chinese left in the interface, only in the data.

Each role's account is set to English (the account's language, as the switch keeps it) and requests every GET page
of the URL matrix it may open; anonymous visitors ask for English by cookie on the public pages. The visible text
of a page (and its title, aria-label, placeholder, alt, value and data-* attributes) may hold a run of Chinese
characters only where that run is part of a string stored in the database for the test world — a unit's name, a
person's name, a document's text. Anything else is interface left untranslated, and the failure names the page,
the role and the run. Elements marked `lang="zh…"` (the switch back to Chinese) are Chinese on purpose.
"""

from __future__ import annotations

import contextlib
import json
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse

from netconduct import testing
from netconduct.core import crypto
from netconduct.core.url_matrix import ROLES, UrlCase
from netconduct.home.tests.test_url_matrix import CASES, World, _in_rollback, world  # noqa: F401 (a fixture)

# Ideographs and the full-width punctuation that only Chinese text uses.
CJK = re.compile(r"[\u3001-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60]+")
IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "value", "hx-confirm"}
SKIPPED = {"script", "style", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
GET_CASES = [c for c in CASES if c.method == "get"]
# Chinese that an English page must show as it is, with the reason.
LITERALS = {
    "宣贯提醒": "the keyword of the messages sent to group robots, which a robot's keyword filter must be set to",
}
# Characters that belong to data formats rather than to Chinese prose: the brackets of official document numbers
# (GB/T 9704: 西北能化党〔2026〕3号), assembled from stored parts on the page.
FORMAT_CHARACTERS = str.maketrans("〔〕", "  ")


class _VisibleText(HTMLParser):
    """The texts a reader meets: text nodes and the attributes read out or shown, outside lang="zh…" elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden from the check)

    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = self._hidden() or tag in SKIPPED or (attrs.get("lang") or "").lower().startswith("zh")
        if not hidden:
            for name, value in attrs.items():
                if value and (name in ATTRIBUTES or name.startswith("data-")):
                    if name == "value" and not (tag == "button" or attrs.get("type") in ("submit", "button")):
                        continue  # a field's value is what was typed or stored: data
                    self.texts.append(value)
        if tag not in VOID:
            self._stack.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self._stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.texts.append(data)


def stored_strings() -> str:
    """Every string stored in the database (text columns and the strings inside JSON), one per line."""
    values: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            if IDEOGRAPH.search(value):
                values.append(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields or model._meta.proxy:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if (
                    isinstance(value, str)
                    and value[:1] in "[{"
                    and model._meta.label_lower != "accounts.user"
                ):
                    with contextlib.suppress(ValueError):
                        value = json.loads(value)
                walk(value)
        encrypted = [f for f in model._meta.concrete_fields if f.attname.endswith("_enc")]
        if encrypted:
            for obj in model._default_manager.all():
                for f in encrypted:
                    walk(_decrypted(obj, f.attname))
    return "\n".join(values)


def _decrypted(obj, attname: str):
    """A sealed column's text (reports keep their contents encrypted), tried with the contexts the apps seal with:
    `<object context>:<field>` or the object's context, or those of the objects it points to; None if none opens."""
    token = getattr(obj, attname)
    if not token:
        return None
    owners = [obj] + [getattr(obj, f.name, None) for f in obj._meta.concrete_fields if f.is_relation]
    stem = attname.removesuffix("_enc")
    for owner in owners:
        context = getattr(owner, "context", None)
        if not isinstance(context, str):
            continue
        for candidate in (f"{context}:{stem}", context, f"{context}:body", f"{context}:content"):
            try:
                text = crypto.decrypt(token, context=candidate)
            except Exception:  # noqa: BLE001, S112 (the wrong context: try the next)
                continue
            with contextlib.suppress(ValueError):
                return json.loads(text)
            return text
    return None


def untranslated(html: str, data: str) -> list[str]:
    """The runs of Chinese in the page's visible text that are not part of any stored string."""
    parser = _VisibleText()
    parser.feed(html)
    found = []
    for text in parser.texts:
        for run in CJK.findall(text.translate(FORMAT_CHARACTERS)):
            if IDEOGRAPH.search(run):
                if run in data or run in LITERALS:
                    continue
            elif text.strip() in data and IDEOGRAPH.search(text):
                continue  # punctuation inside a stored string shown on its own
            found.append(run)
    return found


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _get(client: Client, case: UrlCase, objects: World) -> tuple[int, str, str]:
    """Status, page and the stored strings, read inside the request's own rolled-back transaction."""

    def run():
        response = client.get(reverse(case.name, kwargs=case.inside(objects) or None) + case.query)
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or "text/html" not in content_type or response.streaming:
            return response.status_code, "", ""
        html = response.content.decode()
        return response.status_code, html, stored_strings() if CJK.search(html) else ""

    return _in_rollback(run)


@pytest.mark.django_db
@pytest.mark.parametrize("case", GET_CASES, ids=[c.name for c in GET_CASES])
def test_every_page_in_english_shows_no_chinese_but_data(case: UrlCase, world: World):  # noqa: F811
    visitors: list[tuple[str, Client]] = []
    for role in ROLES:
        if role in case.allowed:
            user = getattr(world.accounts, role)
            type(user).objects.filter(pk=user.pk).update(language="en")
            client = Client()
            testing.login(client, user)
            visitors.append((role, _english(client)))
    if case.public:
        visitors.append(("anonymous", _english(Client())))
    failures = []
    for who, client in visitors:
        status, html, data = _get(client, case, world)
        if not html:
            continue
        if "<html" in html:  # not on htmx fragments
            assert '<html lang="en">' in html, f"{case.name} as {who}: the page is not in English"
        runs = untranslated(html, data)
        if runs:
            failures.append(f"{who}: " + " | ".join(dict.fromkeys(runs)))
    assert not failures, f"{case.name}: Chinese interface text in English:\n" + "\n".join(failures)


@pytest.mark.django_db
def test_the_error_pages_are_in_english():
    client = _english(Client())
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not untranslated(response.content.decode(), "")


def test_the_check_tells_interface_from_data():
    page = (
        '<html lang="en"><head><title>Campaigns · 网络行为规范管理平台</title></head><body>'
        '<p>第一党支部</p><input placeholder="搜索" value="张三"><button value="提交">Go</button>'
        '<span lang="zh-CN">简体中文</span><p>Unit: 第一党支部（</p><div data-label="完成率">x</div>'
        "<script>var s = '脚本';</script></body></html>"
    )
    assert untranslated(page, "第一党支部\n张三") == [
        "网络行为规范管理平台",
        "搜索",
        "提交",
        "第一党支部（",
        "完成率",
    ]
