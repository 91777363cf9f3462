"""Pledge pages as the signer, the staff and an anonymous verifier use them."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django.urls import reverse

from netconduct import testing
from netconduct.campaigns.models import Target
from netconduct.pledges import services
from netconduct.pledges.models import Pledge, QuizQuestion

from . import factories

WECHAT_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.50 NetType/WIFI"


@pytest.fixture
def campaign(org, accounts):
    return factories.pledge_campaign(org.committee, actor=accounts.unit_admin)


@pytest.fixture
def member(accounts) -> Client:
    client = Client(HTTP_USER_AGENT=WECHAT_UA, REMOTE_ADDR="10.9.8.7")
    testing.login(client, accounts.member)
    return client


def _target(campaign, user) -> Target:
    return Target.objects.get(campaign=campaign, person=user.person)


def _form(campaign, user, **overrides) -> dict:
    data = {
        "text_sha256": factories.shown_sha256(campaign, user.person),
        "read_to_end": "1",
        "acknowledged": "on",
        "signature_kind": "drawn",
        "signature": "data:image/png;base64," + base64.b64encode(factories.signature_png()).decode(),
    }
    data.update(overrides)
    return data


def test_sign_page_shows_the_whole_text_and_the_filled_fields(campaign, accounts, member):
    response = member.get(reverse("pledges:sign", args=[_target(campaign, accounts.member).pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "严守政治纪律和政治规矩" in body and "本承诺书一式二份" in body
    assert "王职工" in body and factories.shown_sha256(campaign, accounts.member.person) in body


def test_signing_through_the_page_records_the_request_and_a_double_post_signs_once(
    campaign, accounts, member, django_capture_on_commit_callbacks
):
    url = reverse("pledges:sign", args=[_target(campaign, accounts.member).pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = member.post(url, _form(campaign, accounts.member))
        second = member.post(url, _form(campaign, accounts.member))
    pledge = Pledge.objects.get()
    assert first.status_code == 302 and first["Location"] == reverse("pledges:detail", args=[pledge.pk])
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert pledge.ip == "10.9.8.7" and pledge.user_agent == WECHAT_UA and "密码" in pledge.auth_method
    download = member.get(reverse("pledges:pdf", args=[pledge.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == services.pledge_pdf_bytes(
        pledge
    )


@pytest.mark.parametrize(
    "method, words",
    [
        ("ldap", "单位目录账号（LDAP）登录"),
        ("password", "账号密码登录（手机号、工号或用户名）"),
        ("activation", "凭激活凭条设置密码后登录"),
    ],
)
def test_the_evidence_names_the_method_that_authenticated_the_signer(
    campaign, accounts, member, method, words
):
    session = member.session
    session["nc_login_method"] = method  # what accounts.signin stores at login
    session.save()
    member.post(
        reverse("pledges:sign", args=[_target(campaign, accounts.member).pk]),
        _form(campaign, accounts.member),
    )
    pledge = Pledge.objects.get()
    assert pledge.auth_method == words
    assert ("认证方式", words) in services.evidence_rows(pledge)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"acknowledged": ""}, "请勾选"),
        ({"read_to_end": ""}, "请先阅读承诺书全文"),
        ({"signature": "data:image/png;base64,@@@"}, "请在签名框内手写签名"),
        ({"signature_kind": "typed", "typed_name": "李四"}, "请输入您本人的姓名"),
    ],
)
def test_bad_signing_forms_show_the_reason_and_write_nothing(campaign, accounts, member, overrides, message):
    url = reverse("pledges:sign", args=[_target(campaign, accounts.member).pk])
    response = member.post(url, _form(campaign, accounts.member, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Pledge.objects.exists()


def test_the_quiz_is_asked_on_the_page(campaign, accounts, member):
    questions = services.quiz_set(
        actor=accounts.unit_admin,
        campaign=campaign,
        questions=[services.QuestionInput("发现网上违法信息，应当？", ["主动报告", "转发扩散"], 0, "第八条")],
    )
    url = reverse("pledges:sign", args=[_target(campaign, accounts.member).pk])
    assert "发现网上违法信息" in member.get(url).content.decode()
    wrong = member.post(url, _form(campaign, accounts.member, **{f"q{questions[0].pk}": "1"}))
    assert wrong.status_code == 400 and "第1题回答不正确，请重读规范第八条" in wrong.content.decode()
    right = member.post(url, _form(campaign, accounts.member, **{f"q{questions[0].pk}": "0"}))
    assert right.status_code == 302 and Pledge.objects.get().quiz_passed_at is not None


def test_staff_set_the_quiz_on_a_page(campaign, accounts):
    client = Client()
    testing.login(client, accounts.unit_admin)
    url = reverse("pledges:quiz", args=[campaign.pk])
    bad = client.post(url, {"count": "1", "text0": "题目", "option0_0": "甲", "correct0": "0"}, follow=True)
    assert "第1题：至少需要两个选项" in bad.content.decode() and not QuizQuestion.objects.exists()
    client.post(
        url,
        {
            "count": "1",
            "text0": "题目",
            "option0_0": "甲",
            "option0_1": "乙",
            "correct0": "1",
            "citation0": "第七条",
        },
    )
    question = QuizQuestion.objects.get()
    assert question.options == ["甲", "乙"] and question.correct == 1 and question.citation == "第七条"


def test_my_pledges_lists_what_is_owed_and_what_was_signed(
    campaign, accounts, member, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    page = member.get(reverse("pledges:mine")).content.decode()
    assert campaign.title in page and "去签订" in page
    with django_capture_on_commit_callbacks(execute=True):
        factories.sign(campaign, accounts.member)
    with django_assert_max_num_queries(12):
        page = member.get(reverse("pledges:mine")).content.decode()
    assert "已签订" in page and "去签订" not in page


# ---------------------------------------------------------------------------------------------------- public


@pytest.fixture
def pledge(campaign, accounts, django_capture_on_commit_callbacks) -> Pledge:
    with django_capture_on_commit_callbacks(execute=True):
        made, _ = factories.sign(campaign, accounts.member)
    made.refresh_from_db()
    return made


def test_verification_by_code_masks_the_name_and_needs_no_login(pledge):
    client = Client()
    response = client.post(reverse("pledges:verify"), {"code": pledge.code_display.lower()}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200 and "验证码有效" in body
    assert "王*工" in body and "王职工" not in body
    missing = client.get(reverse("pledges:verify_code", args=["ABCD" * 4]))
    assert missing.status_code == 404 and "没有找到" in missing.content.decode()


def test_verification_by_upload_accepts_the_original_and_refuses_a_changed_copy(pledge):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = services.pledge_pdf_bytes(pledge)
    client = Client()
    good = client.post(reverse("pledges:verify"), {"file": SimpleUploadedFile("p.pdf", data)})
    assert 'data-verdict="valid"' in good.content.decode() and "王*工" in good.content.decode()
    bad = client.post(
        reverse("pledges:verify"), {"file": SimpleUploadedFile("p.pdf", data + b"\n% appended\n")}
    )
    assert "不是存档文件" in bad.content.decode() and "王*工" not in bad.content.decode()
    empty = client.post(reverse("pledges:verify"), {})
    assert empty.status_code == 400 and "请输入验证码" in empty.content.decode()


def test_a_signing_post_takes_a_fixed_number_of_statements_with_or_without_a_quiz(
    campaign, org, accounts, member, django_capture_on_commit_callbacks
):
    """The deadline-morning request (bench/pledges_sign.py): pinned, so that a statement added to it is a decision.
    A quiz adds nothing per question; a second signer costs the same as the first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(client, in_campaign, user, **answers) -> int:
        url = reverse("pledges:sign", args=[_target(in_campaign, user).pk])
        form = _form(in_campaign, user, **answers)
        with django_capture_on_commit_callbacks(execute=False), CaptureQueriesContext(connection) as done:
            assert client.post(url, form).status_code == 302
        return len(done.captured_queries)

    # in production too (BEGIN and COMMIT for the test's savepoints); 26 before 2026-12-05, then 22 with the
    # campaign target marked in three UPDATEs
    expected = 20
    assert statements(member, campaign, accounts.member) == expected
    quizzed = factories.pledge_campaign(
        org.committee, actor=accounts.unit_admin, title="带测试题的承诺书签订"
    )
    questions = services.quiz_set(
        actor=accounts.unit_admin,
        campaign=quizzed,
        questions=[
            services.QuestionInput(text=f"第{k}题", options=["对", "错"], correct=0) for k in range(3)
        ],
    )
    answers = {f"q{q.pk}": "0" for q in questions}
    assert statements(member, quizzed, accounts.member, **answers) == expected
    secretary = Client(HTTP_USER_AGENT=WECHAT_UA)
    testing.login(secretary, accounts.secretary)
    assert statements(secretary, quizzed, accounts.secretary, **answers) == expected
    assert Pledge.objects.filter(campaign=quizzed, quiz_passed_at__isnull=False).count() == 2
