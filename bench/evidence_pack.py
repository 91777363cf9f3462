"""Building the inspection evidence pack of a large committee: time, size, peak memory and queries.

    .venv/bin/python bench/evidence_pack.py                       # 20,000 people (400 branches)
    .venv/bin/python bench/evidence_pack.py --people 100000       # the 2,000-branch committee
    .venv/bin/python bench/evidence_pack.py --pledged 0.1         # fewer sealed pledges in the pack

Uses the demo data folder that bench/people_pages.py builds and caches in bench/out/ (`netconduct demo --people N
--with-accounts`), copied to a throwaway folder. A first child process adds a year's work (not measured): the seed's
notice, norms and pledge form in a campaign to everyone under 西北能化公司党委 asking to read, study and sign; one
accepted special study session per branch with everyone marked (one in ten on leave, with a reason) and a phone
photo on every fifth; read receipts for 80 %; and a sealed pledge for a `--pledged` share of the people (one real
sealed PDF, its bytes archived for each, as sealing thousands would take the bench hours). A second child process
then builds the pack as `zhb_admin` (单位管理员 over the committee) through `evidence_pack_request` +
`evidence_pack_build`, as the task does, and verifies it with `verify_pack`. It prints wall time, pack size and files,
the child's peak memory (max RSS) before and after, the number of queries, and keeps the summary PDF in bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from people_pages import OUT, built_data, embedded_env  # noqa: E402

COMMITTEE = "西北能化公司党委"
REQUESTER = "zhb_admin"


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _photo() -> bytes:
    """A phone-sized JPEG (1600 × 1200, noisy, so it compresses as a real photo does: some 600 KB)."""
    import io
    import random

    from PIL import Image

    rng = random.Random(7)
    image = Image.effect_noise((400, 300), 60).convert("RGB").resize((1600, 1200))
    image = Image.blend(image, Image.new("RGB", image.size, (rng.randrange(256), 90, 60)), 0.4)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def child_setup(pledged: float) -> None:
    import django

    django.setup()
    import datetime as dt
    import hashlib

    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from netconduct.campaigns import services as campaign_services
    from netconduct.campaigns.models import Target
    from netconduct.documents.demo import seed_documents_load
    from netconduct.documents.output import document_pdf
    from netconduct.org.choices import UnitKind
    from netconduct.org.models import OrgUnit, Person
    from netconduct.org.scoping import subtree_q
    from netconduct.pledges import sealing
    from netconduct.pledges.choices import PledgeMethod, PledgeStatus
    from netconduct.pledges.models import Pledge
    from netconduct.studies.models import Attendance, SessionEvidence, StudySession

    actor = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    committee = OrgUnit.objects.get(name=COMMITTEE)
    group = OrgUnit.objects.filter(depth=1).order_by("path").first()
    docs = seed_documents_load(actor=actor, group=group, committee=committee)
    now = timezone.now()
    campaign = campaign_services.campaign_create(
        actor=actor,
        unit=committee,
        title=f"{now.year}年网络行为规范宣贯",
        year=now.year,
        deadline=timezone.localdate() + dt.timedelta(days=30),
        documents=[docs.notice, docs.norms, docs.pledge],
        requires_read=True,
        requires_study=True,
        requires_pledge=True,
    )
    campaign_services.campaign_launch(actor=actor, campaign=campaign)

    photo = _photo()
    photo_name = default_storage.save("sessions/bench/photo.jpg", ContentFile(photo))
    sealed = sealing.seal_pdf(document_pdf(docs.pledge), reason="bench")
    pledge_name = default_storage.save("pledges/bench/sample.pdf", ContentFile(sealed))
    pledge_sha = hashlib.sha256(sealed).hexdigest()

    branches = list(
        OrgUnit.objects.filter(subtree_q("path", committee.path), kind=UnitKind.BRANCH).order_by("path")
    )
    people_by_branch: dict[str, list[int]] = {}
    rows = Person.objects.filter(subtree_q("unit__path", committee.path)).values_list("pk", "unit__path")
    paths = sorted(b.path for b in branches)
    import bisect

    for pk, path in rows.iterator(chunk_size=10000):
        i = bisect.bisect_right(paths, path) - 1
        if i >= 0 and path.startswith(paths[i]):
            people_by_branch.setdefault(paths[i], []).append(pk)
    with transaction.atomic():
        when = now - dt.timedelta(days=3)
        sessions = StudySession.objects.bulk_create(
            [
                StudySession(
                    unit=b,
                    campaign=campaign,
                    form="theme_day",
                    is_special=True,
                    topic="学习《员工网络行为规范》专题党日",
                    starts_at=when,
                    place="党员活动室",
                    minutes="支部书记传达了《员工网络行为规范》全文。\n党员逐条学习，结合岗位谈体会。\n"
                    "会议要求全体党员在规定时间内签订承诺书。",
                    status="accepted",
                    submitted_at=when,
                    reviewed_at=when,
                )
                for b in branches
            ],
            batch_size=2000,
        )
        marks = []
        for session in sessions:
            for k, pk in enumerate(people_by_branch.get(session.unit.path, [])):
                leave = k % 10 == 9
                marks.append(
                    Attendance(
                        session=session,
                        person_id=pk,
                        status="leave" if leave else "present",
                        reason="外出培训" if leave else "",
                        recorded_at=when,
                    )
                )
        Attendance.objects.bulk_create(marks, batch_size=5000)
        SessionEvidence.objects.bulk_create(
            [
                SessionEvidence(
                    session=s,
                    file=photo_name,
                    name="会场.jpg",
                    content_type="image/jpeg",
                    size=len(photo),
                    sha256=hashlib.sha256(photo).hexdigest(),
                )
                for i, s in enumerate(sessions)
                if i % 5 == 0
            ]
        )
        targets = Target.objects.filter(campaign=campaign)
        targets.filter(pk__in=[pk for pk in targets.values_list("pk", flat=True) if pk % 5]).update(
            read_at=when
        )
        present = Attendance.objects.filter(session__campaign=campaign, status="present").values("person_id")
        targets.filter(person_id__in=present).update(studied_at=when)
        chosen = list(
            targets.filter(
                pk__in=[
                    pk for pk in targets.values_list("pk", flat=True) if (pk * 7919) % 1000 < pledged * 1000
                ]
            ).values_list("pk", "person_id", "unit_id")
        )
        Pledge.objects.bulk_create(
            [
                Pledge(
                    campaign=campaign,
                    person_id=person_id,
                    unit_id=unit_id,
                    template=docs.pledge,
                    norms=docs.norms,
                    year=campaign.year,
                    code=f"B{pk:015d}",
                    status=PledgeStatus.SIGNED,
                    method=PledgeMethod.ONLINE,
                    unit_label="bench",
                    signed_at=when,
                    pdf_name=pledge_name,
                    pdf_sha256=pledge_sha,
                    sealed_at=when,
                )
                for pk, person_id, unit_id in chosen
            ],
            batch_size=5000,
        )
        targets.filter(pk__in=[pk for pk, _p, _u in chosen]).update(pledged_at=when)
        targets.exclude(read_at=None).exclude(studied_at=None).exclude(pledged_at=None).update(
            done_at=F("pledged_at")
        )
    print(
        json.dumps(
            {
                "branches": len(branches),
                "people": sum(len(v) for v in people_by_branch.values()),
                "sessions": len(sessions),
                "marks": len(marks),
                "pledges": len(chosen),
                "pledge_pdf_bytes": len(sealed),
                "photo_bytes": len(photo),
            }
        )
    )


def child_measure(summary_out: str) -> None:
    import django

    django.setup()
    import io
    import time
    import zipfile

    from django.contrib.auth import get_user_model
    from django.core.files.storage import default_storage
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from netconduct.evidence import services
    from netconduct.evidence.verification import verify_pack
    from netconduct.org.models import OrgUnit
    from netconduct.pledges import render

    render.warm_fonts()
    requester = get_user_model().objects.get(username=REQUESTER)
    committee = OrgUnit.objects.get(name=COMMITTEE)
    from netconduct.campaigns.models import Campaign

    year = Campaign.objects.order_by("-pk").first().year
    stages: dict[str, float] = {}
    from netconduct.evidence import builder

    original = builder.Throttle.__call__

    def watched(self, done: int, total: int, stage: str) -> None:
        if stage not in stages:  # the resident size when each stage starts (the peak is the max over the run)
            with open("/proc/self/statm") as statm:
                stages[stage] = round(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
        original(self, done, total, stage)

    builder.Throttle.__call__ = watched
    before = peak_mb()
    started = time.perf_counter()
    profile = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    with CaptureQueriesContext(connection) as queries:
        pack = services.evidence_pack_request(actor=requester, unit=committee, year=year, enqueue=False)
        pack = services.evidence_pack_build(pack_id=pack.pk)
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    build_s = time.perf_counter() - started
    after = peak_mb()
    assert pack.status == "done", pack.error
    started = time.perf_counter()
    with default_storage.open(pack.file_name, "rb") as handle:
        check = verify_pack(handle)
    verify_s = time.perf_counter() - started
    with default_storage.open(pack.file_name, "rb") as handle, zipfile.ZipFile(handle) as archive:
        summary = archive.read("00-汇总说明.pdf")
    Path(summary_out).write_bytes(summary)
    import pypdfium2 as pdfium

    pages = len(pdfium.PdfDocument(io.BytesIO(summary)))
    print(
        json.dumps(
            {
                "build_s": round(build_s, 1),
                "verify_s": round(verify_s, 1),
                "verify_ok": check.ok,
                "size_mb": round(pack.size / 1024 / 1024, 1),
                "files": pack.files,
                "queries": len(queries),
                "rss_before_mb": round(before, 1),
                "rss_peak_mb": round(after, 1),
                "summary_pages": pages,
                "summary_kb": round(len(summary) / 1024),
                "rss_at_stage_mb": stages,
            }
        )
    )


def run(args: list[str], env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *args], env=env, check=False, capture_output=True, text=True, cwd=ROOT
    )
    if os.environ.get("BENCH_PROFILE"):
        sys.stderr.write(done.stderr[-20000:])
    if done.returncode:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-5000:])
        raise SystemExit(f"child failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pledged", type=float, default=0.3, help="share of people with a sealed pledge")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--child-setup", type=float)
    parser.add_argument("--child-measure")
    options = parser.parse_args()
    if options.child_setup is not None:
        child_setup(options.child_setup)
        return
    if options.child_measure:
        child_measure(options.child_measure)
        return
    source = built_data(options.people, options.seed, rebuild=options.rebuild)
    with tempfile.TemporaryDirectory(prefix="bench-evidence-", dir=OUT) as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(source, data)
        env = embedded_env(data)
        env["PYTHONPATH"] = str(ROOT)
        print(f"· 准备一年的数据（{options.people} 人，承诺书 {options.pledged:.0%}）……", flush=True)
        setup = run(["--child-setup", str(options.pledged)], env)
        print("  " + json.dumps(setup, ensure_ascii=False), flush=True)
        summary = OUT / f"evidence_summary-{options.people}.pdf"
        print("· 生成材料包……", flush=True)
        figures = run(["--child-measure", str(summary)], env)
    report = {"people": options.people, "pledged": options.pledged, **setup, **figures}
    (OUT / f"evidence_pack-{options.people}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1)
    )
    print(
        f"\n{setup['people']} 人，{setup['branches']} 个支部，{setup['sessions']} 次学习，{setup['pledges']} 份承诺书：\n"
        f"  生成 {figures['build_s']} 秒，{figures['size_mb']} MB，{figures['files']} 个文件，"
        f"{figures['queries']} 次查询\n"
        f"  内存峰值 {figures['rss_peak_mb']} MB（开始时 {figures['rss_before_mb']} MB；各步骤开始时 "
        f"{json.dumps(figures['rss_at_stage_mb'], ensure_ascii=False)}）\n"
        f"  汇总说明 {figures['summary_pages']} 页，{figures['summary_kb']} KB（{summary.relative_to(ROOT)}）\n"
        f"  核验 {figures['verify_s']} 秒：{'完好' if figures['verify_ok'] else '失败'}"
    )


if __name__ == "__main__":
    main()
