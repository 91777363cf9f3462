"""The seed notice 西北能化党发〔2023〕36号 read into the notice, the norms (attachment 1) and the pledge (2)."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import pytest

from netconduct.documents import seed
from netconduct.documents.seed import (
    CitedDocument,
    DocumentNumber,
    SeedNotice,
    SeedParseError,
    find_cited_documents,
    load_seed_notice,
    parse_document_number,
    seed_path,
)

# The shipped copy must stay byte for byte the seed file it was taken from.
SEED_SHA256 = "3ace825e2d99ab34212dba557e9631b6ceb91aa0195594b5712668e87896fdd8"
SHIPPED = Path(seed.__file__).parent / "data" / "seed_notice.txt"


@pytest.fixture(scope="module")
def notice() -> SeedNotice:
    return load_seed_notice(SHIPPED.read_text("utf-8"))


def test_the_shipped_seed_is_the_original_file(monkeypatch):
    monkeypatch.delenv("NETCONDUCT_SEED_NOTICE", raising=False)
    path = seed_path()
    assert path == SHIPPED.resolve()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SEED_SHA256


def test_seed_path_follows_the_environment(monkeypatch, tmp_path):
    elsewhere = tmp_path / "notice.txt"
    monkeypatch.setenv("NETCONDUCT_SEED_NOTICE", str(elsewhere))
    assert seed_path() == elsewhere
    monkeypatch.setenv("NETCONDUCT_SEED_NOTICE", "")
    assert seed_path().name == "seed_notice.txt"


def test_notice_header(notice):
    assert notice.issuer_mark == "中共鄂尔多斯市西北能源化工有限责任公司委员会文件"
    assert notice.number == DocumentNumber("西北能化党发", 2023, 36)
    assert str(notice.number) == "西北能化党发〔2023〕36号"
    assert notice.title == "关于进一步规范党员干部职工网络行为的通知"
    assert notice.addressees == ("各党支部",)


def test_notice_body_keeps_section_headings_and_joins_broken_sentences(notice):
    assert len(notice.body) == 7
    assert notice.body[0].startswith(
        "根据《皖北煤电集团公司党员干部网络行为规范》（皖北煤电党发〔2022〕89号）"
    )
    assert notice.body[0].endswith("现就进一步规范公司党员干部职工网络行为通知如下：")
    assert notice.body[1] == "一、提高政治站位，深化思想认识"
    assert notice.body[2].startswith(
        "《皖北煤电集团公司党员干部网络行为规范》对全体党员干部职工在网络上要严守的"
    )
    assert notice.body[3] == "二、突出工作重点，狠抓任务落实"
    assert notice.body[4].endswith("本年度该项工作应于6月9日前完成。")
    assert notice.body[5] == "三、做好监督管理，强化执纪问责"
    assert "对坚持正确立场、传播正能量而遭到围攻的党员干部" in notice.body[6]
    assert notice.body[6].endswith("依据党纪和国家法规进行严肃查处。")
    assert [(s.number, s.heading, len(s.paragraphs)) for s in notice.sections] == [
        (1, "提高政治站位，深化思想认识", 1),
        (2, "突出工作重点，狠抓任务落实", 1),
        (3, "做好监督管理，强化执纪问责", 1),
    ]
    assert notice.sections[2].paragraphs[0] == notice.body[6]


def test_notice_citations_deadline_attachments_and_printing(notice):
    assert notice.cited_documents == (
        CitedDocument("皖北煤电集团公司党员干部网络行为规范", "皖北煤电党发〔2022〕89号"),
        CitedDocument("关于进一步规范集团公司党员干部职工网络行为的通知", "皖北煤电党宣字〔2023〕3号"),
    )
    assert notice.cited_documents[1].document_number == DocumentNumber("皖北煤电党宣字", 2023, 3)
    assert notice.deadline_text == "6月9日"
    assert notice.deadline == datetime.date(2023, 6, 9)
    assert notice.attachments == (
        "皖北煤电集团公司党员干部网络行为规范",
        "皖北煤电集团党员干部职工网络行为规范承诺书",
    )
    assert notice.printing_unit == "西北能化公司综合部"
    assert notice.printed_on == datetime.date(2023, 6, 8)


def test_attachment_1_is_the_norms(notice):
    norms = notice.norms
    assert norms.title == notice.attachments[0]
    assert len(norms.articles) == 9
    assert [len(a.items) for a in norms.articles] == [0, 0, 7, 7, 3, 4, 0, 0, 0]
    assert norms.article(2).heading == "严守政治纪律和政治规矩"
    assert norms.article(3).item(7).text == "制作、传播其他有严重问题的文章、言论、音视频等信息内容。"
    assert norms.article(3).item(7).line == 60  # counted in the whole file


def test_attachment_2_is_the_pledge(notice):
    pledge = notice.pledge
    assert pledge.title == notice.attachments[1]
    assert pledge.preamble == (
        "按照《皖北煤电集团公司党员干部网络行为规范》(皖北煤电党发〔2022〕89号)以及有关国家法律法规、党的政治纪律、"
        "宣传纪律要求，作为皖北煤电集团党员干部职工，本人就自己的网络行为作出以下承诺："
    )
    assert [p.number for p in pledge.points] == [1, 2, 3, 4, 5, 6]
    assert pledge.points[0].text.startswith("严守政治纪律和政治规矩。增强政治意识")
    assert "集会等网上非法组织、非法活动；参与网上宗教活动" in pledge.points[2].text
    assert pledge.points[2].text.endswith("索取或者接受可能影响公正开展工作的微信红包等电子红包。")
    assert pledge.points[5].text.endswith("积极提供线索，协助处置。")
    assert all("\n" not in p.text for p in pledge.points)
    assert pledge.closing == (
        "如违反上述承诺，造成不良影响，自愿接受组织处理。",
        "本承诺书一式二份，自执一份，本单位党组织留存一份。",
    )
    assert pledge.fields == ("承诺人单位", "承诺人签名", "date")


def test_line_endings_and_a_byte_order_mark_change_nothing(notice):
    text = SHIPPED.read_text("utf-8")
    assert load_seed_notice("\ufeff" + text.replace("\n", "\r\n")) == notice


def test_a_file_without_both_attachments_is_refused():
    with pytest.raises(SeedParseError, match="附件1"):
        load_seed_notice("西北能化党发〔2023〕36号\n关于某事的通知\n各党支部：\n正文。")


def test_document_numbers():
    assert parse_document_number("皖北煤电党发〔2022〕89号") == DocumentNumber("皖北煤电党发", 2022, 89)
    assert parse_document_number("西北能化党发[2023]36号") == DocumentNumber("西北能化党发", 2023, 36)
    for bad in ("西北能化党发2023年36号", "〔2023〕36号", "西北能化党发〔23〕36号"):
        with pytest.raises(ValueError):
            parse_document_number(bad)


def test_cited_documents_need_a_number_and_are_listed_once():
    text = (
        "认真落实《规范》要求。根据《甲规定》（甲发〔2021〕1号）和《乙办法》(乙字[2022]2号)，"
        "再次重申《甲规定》（甲发〔2021〕1号）以及《丙通知》（见附件）。"
    )
    assert find_cited_documents(text) == [
        CitedDocument("甲规定", "甲发〔2021〕1号"),
        CitedDocument("乙办法", "乙字[2022]2号"),
    ]


def test_a_deadline_already_past_at_printing_falls_in_the_next_year():
    text = SHIPPED.read_text("utf-8").replace("应于6月9日前完成", "应于1月9日前完成")
    notice = load_seed_notice(text)
    assert (notice.deadline_text, notice.deadline) == ("1月9日", datetime.date(2024, 1, 9))
