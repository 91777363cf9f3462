"""The pages: ask for a pack, watch its progress (htmx), download it; the list's queries do not grow with packs."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from netconduct import testing
from netconduct.core.models import AuditEvent
from netconduct.evidence import services
from netconduct.evidence.choices import PackStatus
from netconduct.evidence.models import EvidencePack

pytestmark = pytest.mark.django_db


def test_asking_for_a_pack_builds_it_and_the_page_offers_the_download(
    client, org, accounts, year, django_capture_on_commit_callbacks
):
    testing.login(client, accounts.inspector)
    page = client.get(reverse("evidence:pack_list"))
    assert page.status_code == 200 and "生成材料包" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evidence:pack_list"), {"unit": org.committee.pk, "year": year.year, "campaign": ""}
        )
    pack = EvidencePack.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "evidence:pack_detail", args=[pack.pk]
    )
    assert pack.status == PackStatus.DONE and pack.requester == accounts.inspector
    status = client.get(reverse("evidence:pack_status", args=[pack.pk])).content.decode()
    assert reverse("evidence:pack_download", args=[pack.pk]) in status and "hx-trigger" not in status
    download = client.get(reverse("evidence:pack_download", args=[pack.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    data = b"".join(download.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(data)).namelist()[0] == "00-汇总说明.pdf"
    assert AuditEvent.objects.filter(action="evidence.download", actor_ref=accounts.inspector.pk).count() == 1


def test_a_queued_pack_polls_and_shows_progress(client, org, accounts):
    pack = services.evidence_pack_request(
        actor=accounts.unit_admin, unit=org.committee, year=2026, enqueue=False
    )
    testing.login(client, accounts.unit_admin)
    html = client.get(reverse("evidence:pack_detail", args=[pack.pk])).content.decode()
    assert "排队中" in html and 'hx-trigger="every 2s"' in html
    EvidencePack.objects.filter(pk=pack.pk).update(
        status=PackStatus.RUNNING, done=3, total=12, stage="承诺书"
    )
    html = client.get(reverse("evidence:pack_status", args=[pack.pk])).content.decode()
    assert "第 3 / 12 项（承诺书）" in html and "25%" in html and 'hx-trigger="every 2s"' in html
    assert client.get(reverse("evidence:pack_download", args=[pack.pk])).status_code == 404


def test_a_bad_year_is_shown_on_the_form_and_nothing_is_made(client, org, accounts):
    testing.login(client, accounts.unit_admin)
    response = client.post(
        reverse("evidence:pack_list"), {"unit": org.committee.pk, "year": "", "campaign": ""}
    )
    assert response.status_code == 200 and "请填写年度，或选择一个宣贯活动。" in response.content.decode()
    assert not EvidencePack.objects.exists()


def test_a_failed_pack_says_why(client, org, accounts):
    pack = services.evidence_pack_request(
        actor=accounts.unit_admin, unit=org.committee, year=2026, enqueue=False
    )
    EvidencePack.objects.filter(pk=pack.pk).update(status=PackStatus.FAILED, error="汇总说明无法签章：测试。")
    testing.login(client, accounts.unit_admin)
    html = client.get(reverse("evidence:pack_detail", args=[pack.pk])).content.decode()
    assert "生成失败：" in html and "汇总说明无法签章：测试。" in html


@pytest.mark.parametrize("count", [2, 12])
def test_the_list_page_queries_do_not_grow_with_packs(
    client, org, accounts, count, django_assert_max_num_queries
):
    for _ in range(count):
        pack = services.evidence_pack_request(
            actor=org.root_user, unit=org.committee, year=2026, enqueue=False
        )
        EvidencePack.objects.filter(pk=pack.pk).update(status=PackStatus.FAILED)
    testing.login(client, accounts.unit_admin)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("evidence:pack_list"))
    assert response.content.decode().count(reverse("evidence:pack_detail", args=[pack.pk])) == 1
