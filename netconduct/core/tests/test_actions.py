"""run_action: the one way a page carries out an action."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from netconduct.core.actions import run_action
from netconduct.core.exceptions import ApplicationError, PermissionRefused


def _request():
    request = RequestFactory().post("/x/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _shown(request) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(request)]


def test_success_shows_the_message_made_from_the_result_and_goes_there():
    request = _request()
    response = run_action(
        request,
        lambda *, n: {"pk": n * 2},
        n=21,
        success=lambda result: f"第{result['pk']}号已保存。",
        to=lambda result: f"/things/{result['pk']}/",
        on_error="/things/",
    )
    assert response.status_code == 302 and response["Location"] == "/things/42/"
    assert _shown(request) == [("success", "第42号已保存。")]


def test_a_refusal_shows_the_reason_and_goes_to_on_error():
    def refuse():
        raise ApplicationError("活动已结束，不能再修改。")

    request = _request()
    response = run_action(
        request, refuse, success="不会显示", to="/a/", on_error="/b/", error_prefix="未保存："
    )
    assert response["Location"] == "/b/"
    assert _shown(request) == [("error", "未保存：活动已结束，不能再修改。")]


def test_a_refusal_goes_where_success_would_when_no_on_error_is_given():
    def refuse():
        raise PermissionRefused("您无权在该组织范围内执行此操作。")

    request = _request()
    assert run_action(request, refuse, success="—", to="/a/")["Location"] == "/a/"


def test_no_message_when_success_is_none():
    request = _request()
    run_action(request, lambda: None, success=None, to="/a/")
    assert _shown(request) == []


def test_a_bug_is_not_a_refusal_and_a_callable_target_needs_on_error():
    def broken():
        raise KeyError("boom")

    with pytest.raises(KeyError):
        run_action(_request(), broken, success="—", to="/a/")
    with pytest.raises(TypeError):
        run_action(_request(), lambda: None, success="—", to=lambda result: "/a/")
