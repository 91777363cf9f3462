"""Each kind of finding, and the hard negatives the issue names: no Django, no database."""

from __future__ import annotations

import dataclasses

import pytest

from netconduct.selfcheck.citations import CITATIONS, chinese_number, cite
from netconduct.selfcheck.engine import Engine, Finding, redact

from .files import card, id18

ENGINE = Engine(
    keywords=["天骄一号工程", "XBNH-ERP", "乌审智慧矿山平台"],
    roster_names=["王建国", "李娜", "高峰", "阿不都·热合曼"],
    issuer_codes=["西北能化党", "皖北煤电"],
)


def found(text: str, engine: Engine = ENGINE) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in engine.check(text)]


def kinds(text: str) -> list[str]:
    return [k for k, _ in found(text)]


# ---------------------------------------------------------------------------------------------------- ID numbers

ID = id18()  # 150602198503141234-ish with its real check digit
ID_X = next(id18(f"1506021985031412{i}") for i in range(10) if id18(f"1506021985031412{i}").endswith("X"))


def test_id_card_18_digits_with_checksum_and_birth_date():
    assert found(f"身份证号{ID}，请核对") == [("id_card", ID)]
    assert found(f"身份证{ID_X}") == [("id_card", ID_X)]
    assert found(f"身份证{ID_X.lower()}") == [("id_card", ID_X.lower())]


def test_id_card_grouped_and_full_width_keep_code_point_offsets():
    grouped = f"{ID[:6]} {ID[6:14]} {ID[14:]}"
    assert found(f"证件：{grouped}") == [("id_card", grouped)]
    full = ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    text = f"号码{full}。"
    [f] = ENGINE.check(text)
    assert (f.kind, f.start, f.end) == ("id_card", 2, 20)
    assert f.masked == full[:4] + "*" * 10 + full[-4:]


def test_old_15_digit_id_card():
    assert found("老身份证150602850314123还能用吗") == [("id_card", "150602850314123")]


def test_id_card_hard_negatives():
    wrong = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    assert kinds(f"身份证{wrong}校验不通过") == []
    assert kinds("订单号202306081234567890已发货") == []  # 18 digits, no province 20
    feb30 = "150602" + "19850230" + "123"
    assert kinds(f"编码{feb30}{id18(feb30)[-1]}") == []  # 30 February
    future = "150602" + "20991231" + "123"
    assert kinds(f"{future}{id18(future)[-1]}") == []
    assert kinds(f"{ID}1") == []  # 19 digits: not an ID (nor a card: no Luhn)


# ---------------------------------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "written",
    [
        "13912345678",
        "139 1234 5678",
        "139-1234-5678",
        "+8613912345678",
        "+86 139 1234 5678",
        "+86-139-1234-5678",
        "(+86)13912345678",
        "（+86）13912345678",
        "１３９１２３４５６７８",
        "19912345678",
    ],
)
def test_mobile_forms(written):
    assert found(f"电话{written}谢谢") == [("mobile", written)]


def test_mobile_glued_to_chinese_characters():
    text = "电话13912345678谢谢"
    [f] = ENGINE.check(text)
    assert (f.start, f.end, f.masked) == (2, 13, "139****5678")


def test_mobile_hard_negatives():
    assert kinds("编号12345678901") == []  # no such prefix
    assert kinds("号码10012345678") == []
    assert kinds("金额13912345678元") == []  # an amount
    assert kinds("共计13912345678.50") == []  # a decimal
    assert kinds("流水号139123456789012") == []  # part of a longer number
    assert kinds("订单号13912345678") == []  # an order number by its label
    assert kinds("时间戳1686200000000") == []


def test_landline_with_area_code():
    for written in ("0477-8561234", "(0477)8561234", "（010）62345678", "010-62345678", "0554 6661234"):
        assert found(f"办公室{written}。") == [("landline", written)], written
    assert found("座机04778561234") == [("landline", "04778561234")]


def test_landline_hard_negatives():
    assert kinds("日期2023-06-08") == []
    assert kinds("编号0477-123") == []
    assert kinds("区号0477，号码另告") == []
    assert kinds("本地号码8561234") == []  # no area code: not reported


# ---------------------------------------------------------------------------------------------------- cards


def test_bank_card_19_digit_unionpay_without_context():
    number = card("622202", 19)
    assert found(f"{number}，请尽快转") == [("bank_card", number)]


def test_bank_card_16_digits_needs_unionpay_prefix_context_or_grouping():
    visa = card("436742", 16)
    assert kinds(f"号码{visa}") == []
    assert found(f"卡号{visa}") == [("bank_card", visa)]
    grouped = " ".join(visa[i : i + 4] for i in range(0, 16, 4))
    assert found(f"{grouped}，麻烦了") == [("bank_card", grouped)]


def test_bank_card_hard_negatives():
    number = card("622202", 19)
    bad = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert kinds(f"卡号{bad}") == []  # Luhn fails
    assert kinds(f"订单号{number}") == []  # an order number by its label
    gansu = "620102" + "19900307" + "123"  # an ID number with a wrong check digit is nobody's card
    wrong = next(gansu + c for c in "0123456789" if gansu + c != id18(gansu) and _luhn(gansu + c))
    assert kinds(f"卡号{wrong}") == []


def _luhn(digits: str) -> bool:
    from stdnum import luhn

    return luhn.is_valid(digits)


# ---------------------------------------------------------------------------------------------------- other PI


def test_email():
    assert found("邮箱zhangsan.1990@xbnh.com.cn，QQ邮箱123456@qq.com。") == [
        ("email", "zhangsan.1990@xbnh.com.cn"),
        ("email", "123456@qq.com"),
    ]
    assert kinds("@王建国 收到请回复") == [
        "person"
    ]  # a mention is not an address (the name is on the roster)


def test_ip_addresses():
    assert found("服务器IP 192.168.1.10:8080") == [("ip", "192.168.1.10")]
    assert found("网关10.0.0.1") == [("ip", "10.0.0.1")]
    assert found("IPv6地址2001:db8::1，完整的是2001:0db8:85a3:0000:0000:8a2e:0370:7334") == [
        ("ip", "2001:db8::1"),
        ("ip", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
    ]


def test_ip_hard_negatives():
    assert kinds("请升级到1.2.3.4版本") == []
    assert kinds("详见第3.1.2.1条") == []
    assert kinds("地址256.1.1.1不存在") == []
    assert kinds("会议12:30:45开始") == []


def test_plates_regular_and_new_energy():
    assert found("车牌蒙K·8E321停在门口") == [("plate", "蒙K·8E321")]
    assert found("新能源车皖AD12345、皖A12345D") == [("plate", "皖AD12345"), ("plate", "皖A12345D")]
    assert found("京A12345") == [("plate", "京A12345")]


def test_plate_hard_negatives():
    assert kinds("京A1234") == []  # too short
    assert kinds("苏ABCDE") == []  # letters only
    assert kinds("沪A股大涨") == []


def test_passport_and_permits():
    assert found("护照号E12345678") == [("passport", "E12345678")]
    assert found("护照EA1234567") == [("passport", "EA1234567")]
    assert found("港澳通行证C12345678") == [("passport", "C12345678")]
    assert found("回乡证H12345678") == [("passport", "H12345678")]
    assert kinds("零件C12345678") == []  # a permit-like code with no word about permits
    assert kinds("型号E12345678") == []


def test_addresses():
    full = "内蒙古自治区鄂尔多斯市东胜区天骄北路12号3号楼2单元501室"
    assert found(f"我家住在{full}，欢迎") == [("address", full)]
    estate = "鄂尔多斯市康巴什区阳光小区5号楼1单元302室"
    assert found(f"住址：{estate}") == [("address", estate)]
    rural = "达拉特旗树林召镇林原村3组15号"
    assert found(f"家在{rural}") == [("address", rural)]
    [f] = ENGINE.check(f"住{full}")
    assert (
        f.masked.startswith("内蒙古自治区鄂尔多斯市东胜区")
        and f.masked.endswith("*")
        and f.severity == "high"
    )


def test_address_hard_negatives():
    assert kinds("人民路上车很多") == []
    assert kinds("大家都知道3号要开会") == []
    assert kinds("地铁2号线") == []


# ---------------------------------------------------------------------------------------------------- people


def test_roster_names_and_word_like_names():
    assert found("今天王建国和李娜值班") == [("person", "王建国"), ("person", "李娜")]
    assert found("阿不都·热合曼已到岗") == [("person", "阿不都·热合曼")]
    assert kinds("早高峰期间道路拥堵") == []  # 高峰 is on the roster, 高峰期 is a word
    assert found("高峰同志辛苦了") == [("person", "高峰")]


def test_names_next_to_personal_information_labels_and_titles():
    assert found("张伟的手机号是13912345678") == [("person", "张伟"), ("mobile", "13912345678")]
    assert found(f"刘德明，身份证{ID}") == [("person", "刘德明"), ("id_card", ID)]
    assert found("联系人：赵丽，请回电") == [("person", "赵丽")]
    assert found("感谢孙晓峰同志") == [("person", "孙晓峰")]


def test_person_hard_negatives():
    assert kinds("习近平总书记强调") == []  # public names
    assert kinds("王某某的事情已处理") == []
    assert kinds("党支部书记主持会议") == []
    assert kinds("联系方式13912345678") == ["mobile"]  # 方式 is not a name


# ---------------------------------------------------------------------------------------------------- marks


def test_classification_marks():
    assert found("机密★1年\n关于…的通知") == [("classification_mark", "机密★1年")]
    assert found("绝密★长期") == [("classification_mark", "绝密★长期")]
    assert found("秘密★6个月") == [("classification_mark", "秘密★6个月")]
    assert found("密级：机密\n正文") == [("classification_mark", "机密")]
    assert found("标题\n  秘密  \n正文") == [("classification_mark", "秘密")]


def test_classification_hard_negatives():
    assert kinds("这就是成功的秘密") == []
    assert kinds("商业机密不能说") == []
    assert kinds("我的小秘密★") == []
    assert kinds("绝密配方") == []


def test_internal_marks():
    assert found("内部资料 注意保存") == [("internal_mark", "内部资料"), ("internal_mark", "注意保存")]
    assert found("此件不得外传") == [("internal_mark", "不得外传")]
    assert kinds("单位内部装修，走东门") == []
    assert kinds("内部管理很规范") == []


def test_document_numbers():
    text = "根据西北能化党发〔2023〕36号文件和国发〔2020〕5号，以及文号皖北煤电党宣字〔2023〕3号"
    assert found(text) == [
        ("doc_number", "西北能化党发〔2023〕36号"),
        ("doc_number", "国发〔2020〕5号"),
        ("doc_number", "皖北煤电党宣字〔2023〕3号"),
    ]
    own, general, _ = ENGINE.check(text)
    assert (own.severity, general.severity) == ("high", "low")
    assert kinds("（2023）蒙0602民初1234号判决") == []  # a court case number
    assert kinds("（2023）36号楼") == []


def test_keywords_case_insensitive_full_width_and_bounded():
    assert found("天骄一号工程进展") == [("keyword", "天骄一号工程")]
    assert found("登录xbnh-erp系统") == [("keyword", "xbnh-erp")]
    assert found("登录ＸＢＮＨ－ＥＲＰ系统") == [("keyword", "ＸＢＮＨ－ＥＲＰ")]
    assert kinds("XBNH-ERPS不是它") == []


def test_ten_thousand_keywords_cost_no_more_than_a_few():
    words = [f"项目代号{i:05d}号" for i in range(10_000)]
    engine = Engine(keywords=words)
    assert engine.keyword_count == 10_000
    assert [(f.kind, f.start) for f in engine.check("关于项目代号09999号的说明")] == [("keyword", 2)]


# ---------------------------------------------------------------------------------------------------- findings


def test_finding_is_a_frozen_dataclass_with_article_and_severity():
    assert [f.name for f in dataclasses.fields(Finding)] == [
        "kind",
        "start",
        "end",
        "masked",
        "reason",
        "article",
        "severity",
    ]
    [f] = ENGINE.check("电话13912345678")
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.kind = "email"  # type: ignore[misc]
    assert f.article == "第六条第（一）项" and f.severity == "medium" and "手机" in f.reason
    assert f.as_json() == {
        "kind": "mobile",
        "start": 2,
        "end": 13,
        "article": "第六条第（一）项",
        "severity": "medium",
    }


def test_redaction_keeps_length_and_offsets():
    text = f"王建国，电话13912345678，身份证{ID}，机密★1年"
    findings = ENGINE.check(text)
    out = redact(text, findings)
    assert len(out) == len(text)
    assert "13912345678" not in out and ID not in out and "机密" not in out and "王建国" not in out
    assert out.startswith("王**，电话139****5678")


def test_offsets_are_code_points_after_astral_characters():
    text = "👍😀电话13912345678"
    [f] = ENGINE.check(text)
    assert text[f.start : f.end] == "13912345678" and f.start == 4


def test_citations():
    assert cite(6, 1) == "第六条第（一）项"
    assert cite(5, 2) == "第五条第（二）项"
    assert cite(5) == "第五条"
    assert [chinese_number(n) for n in (1, 10, 11, 20, 21, 99)] == [
        "一",
        "十",
        "十一",
        "二十",
        "二十一",
        "九十九",
    ]
    assert CITATIONS["classification_mark"] == "第五条第（一）项"
    assert CITATIONS["doc_number"] == CITATIONS["internal_mark"] == CITATIONS["keyword"] == "第五条第（二）项"
    assert {CITATIONS[k] for k in ("id_card", "mobile", "address", "person")} == {"第六条第（一）项"}


def test_empty_and_clean_text():
    assert ENGINE.check("") == []
    assert ENGINE.check("各党支部要高度重视，认真组织学习，于2023年6月9日前完成，经费12345678元。") == []
