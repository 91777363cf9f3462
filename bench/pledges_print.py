"""Printing 1,000 pre-filled paper pledges (2,000 pages) for one branch, and matching scanned pages back.

    .venv/bin/python bench/pledges_print.py                 # 1,000 people, 50 scanned pages
    .venv/bin/python bench/pledges_print.py --people 200    # a quicker look
    .venv/bin/python bench/pledges_print.py --check         # exit 1 if a floor is missed

Builds its own throwaway installation (embedded settings: SQLite and a data folder in a temporary directory,
`netconduct migrate`, `netconduct seal-init` as quickstart runs it), then in a child process:
- the organisation of the tests (集团 → 公司 → 党委 → 党总支 → 支部) and N people in one branch, in bulk through
  `person_bulk_apply` (as the roster import does), the seed's norms and pledge, a campaign asking for the pledge;
- print: `paper_forms_print` for the whole branch — wall time, pages, PDF size, queries; then a reprint (the rows
  exist: codes reused);
- scan: the 组织留存 pages of the first M people rendered to images at 150 dpi (what a scanner gives), made into one
  multi-page PDF, uploaded with `scan_upload` — wall time for reading, matching, recording and sealing M pledges;
  and M/5 of them as phone photos (JPEG, turned sideways, shaded) for the slower path.

Floor: printing 1,000 people (2,000 pages) under 60 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PRINT_FLOOR_S = 60.0
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌林海波宁春晓雪梅"


def env_for(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="netconduct.settings.embedded",
        NETCONDUCT_DATA_DIR=str(data_dir),
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def names(n: int) -> list[str]:
    out = []
    for k in range(n):
        surname = SURNAMES[k % len(SURNAMES)]
        given = GIVEN[(k // len(SURNAMES)) % len(GIVEN)]
        third = (
            GIVEN[(k // (len(SURNAMES) * len(GIVEN))) % len(GIVEN)] if k >= len(SURNAMES) * len(GIVEN) else ""
        )
        out.append(surname + given + third)
    return out


def child(people: int, scanned: int) -> None:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from PIL import Image

    from netconduct import testing
    from netconduct.campaigns import services as campaign_services
    from netconduct.documents.demo import seed_documents_load
    from netconduct.org import services as org_services
    from netconduct.pledges import paper, render, scans
    from netconduct.pledges.models import Pledge, ScanPage

    started = time.perf_counter()
    org = testing.build_standard_org()
    actor = org.root_user
    with transaction.atomic():
        creates = [
            (
                org.branch1,
                {
                    "name": name,
                    "id_number": testing.make_id_number(k + 1),
                    "categories": ["employee", "party_member"] if k % 3 == 0 else ["employee"],
                },
            )
            for k, name in enumerate(names(people))
        ]
        org_services.person_bulk_apply(actor=actor, creates=creates, updates=[])
    docs = seed_documents_load(actor=actor, group=org.group, committee=org.committee)
    campaign = campaign_services.campaign_create(
        actor=actor,
        unit=org.committee,
        title="网络行为规范承诺书签订",
        deadline=timezone.localdate() + timezone.timedelta(days=30),
        documents=[docs.norms, docs.pledge],
        requires_read=False,
        requires_pledge=True,
    )
    campaign_services.campaign_launch(actor=actor, campaign=campaign)
    setup_s = time.perf_counter() - started
    render.warm_fonts()  # quickstart/seal-init do this once per installation

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        forms = paper.paper_forms_print(actor=actor, campaign=campaign, unit=org.branch1)
        print_s = time.perf_counter() - started
    started = time.perf_counter()
    again = paper.paper_forms_print(actor=actor, campaign=campaign, unit=org.branch1)
    reprint_s = time.perf_counter() - started
    assert again.count == forms.count and Pledge.objects.count() == forms.count

    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(forms.pdf)
    pages_in_pdf = len(document)
    wanted = min(scanned, forms.count)
    images = [
        document[2 * k + 1].render(scale=150 / 72).to_pil().convert("RGB") for k in range(wanted)
    ]  # the 组织留存 copies
    photos = [
        document[2 * k].render(scale=200 / 72).to_pil().convert("RGB").rotate(90, expand=True)
        for k in range(wanted, wanted + max(1, wanted // 5))
    ]
    document.close()
    scan_pdf = io.BytesIO()
    images[0].save(scan_pdf, format="PDF", save_all=True, append_images=images[1:], resolution=150)

    from django.core.files.uploadedfile import SimpleUploadedFile

    started = time.perf_counter()
    upload = scans.scan_upload(
        actor=actor,
        campaign=campaign,
        unit=org.branch1,
        files=[SimpleUploadedFile("扫描.pdf", scan_pdf.getvalue())],
        signed_on=timezone.localdate(),
    )
    scan_s = time.perf_counter() - started
    matched = ScanPage.objects.filter(upload=upload, status="matched").count()

    def jpeg(image: Image.Image) -> bytes:
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
        return out.getvalue()

    files = [SimpleUploadedFile(f"IMG_{k:04d}.jpg", jpeg(p)) for k, p in enumerate(photos)]
    started = time.perf_counter()
    photo_upload = scans.scan_upload(
        actor=actor, campaign=campaign, unit=org.branch1, files=files, signed_on=timezone.localdate()
    )
    photo_s = time.perf_counter() - started
    photo_matched = ScanPage.objects.filter(upload=photo_upload, status="matched").count()

    print(
        json.dumps(
            {
                "people": forms.count,
                "setup_s": setup_s,
                "print_s": print_s,
                "print_pages": forms.pages,
                "pages_in_pdf": pages_in_pdf,
                "print_pdf_mb": len(forms.pdf) / 1024 / 1024,
                "print_queries": len(queries),
                "reprint_s": reprint_s,
                "scan_pages": wanted,
                "scan_pdf_mb": len(scan_pdf.getvalue()) / 1024 / 1024,
                "scan_s": scan_s,
                "scan_matched": matched,
                "scan_ms_per_page": 1000 * scan_s / wanted,
                "photo_pages": len(photos),
                "photo_s": photo_s,
                "photo_matched": photo_matched,
                "photo_ms_per_page": 1000 * photo_s / len(photos),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--scanned", type=int, default=50)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--child", nargs=2, type=int)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="bench-pledges-print-") as tmp:
        env = env_for(Path(tmp))
        netconduct = str(VENV_BIN / "netconduct")
        subprocess.run([netconduct, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run([netconduct, "seal-init"], env=env, check=True, cwd=ROOT, capture_output=True)
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(args.people), str(args.scanned)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"打印：{figures['people']} 人、{figures['print_pages']} 页，用时 {figures['print_s']:.1f} s，"
        f"PDF {figures['print_pdf_mb']:.1f} MB，{figures['print_queries']} 次查询；重新打印 {figures['reprint_s']:.1f} s"
    )
    print(
        f"扫描件：{figures['scan_pages']} 页 PDF（{figures['scan_pdf_mb']:.1f} MB）用时 {figures['scan_s']:.1f} s"
        f"（每页 {figures['scan_ms_per_page']:.0f} ms），自动识别 {figures['scan_matched']} 页；"
        f"手机照片 {figures['photo_pages']} 张用时 {figures['photo_s']:.1f} s"
        f"（每张 {figures['photo_ms_per_page']:.0f} ms），识别 {figures['photo_matched']} 张"
    )
    out = ROOT / "bench" / "out" / f"pledges_print-{args.people}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    misses = []
    if args.people >= 1000 and figures["print_s"] > PRINT_FLOOR_S:
        misses.append(f"打印 {figures['print_s']:.1f} s > {PRINT_FLOOR_S} s")
    if figures["scan_matched"] != figures["scan_pages"] or figures["photo_matched"] != figures["photo_pages"]:
        misses.append("有扫描页未能自动识别")
    print("未达标：" + "；".join(misses) if misses else "全部达标。")
    if args.check and misses:
        sys.exit(1)


if __name__ == "__main__":
    main()
