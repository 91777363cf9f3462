"""The fast paths of validation give what the libraries they replace give."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError
from pypinyin import Style, lazy_pinyin
from stdnum.cn import ric

from netconduct.org import validation

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何曾单解区朴乐尉长覃欧阳司马诸葛上官"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉文斌海燕行重长乐都和发中天大小春秋子"


def pypinyin_reference(name: str) -> tuple[str, str]:
    """What name_pinyin gave before its fast path: two whole-name pypinyin conversions."""
    letters = name.replace("·", "")
    initials = "".join(lazy_pinyin(letters, style=Style.FIRST_LETTER, errors="ignore")).lower()
    full = "".join(lazy_pinyin(letters, errors="ignore")).lower()
    return initials[:50], full[:200]


def test_name_pinyin_equals_pypinyin_on_the_whole_name():
    rng = random.Random(16)
    names = [
        "阿不都·热合曼",
        "Tom李",
        "李A明",
        "长孙无忌",
        "欧阳修",
        "重庆",
        "曾国藩",
        "单田芳",
        "乐嘉",
        "𠀀林",
        "王建国",
    ]
    names += [
        rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 3))))
        for _ in range(50_000)
    ]
    validation.name_pinyin.cache_clear()
    assert [n for n in names if validation.name_pinyin(n) != pypinyin_reference(n)] == []
    assert validation.name_pinyin("张三") == ("zs", "zhangsan")
    assert validation.name_pinyin("重庆") == pypinyin_reference("重庆") == ("cq", "chongqing")  # a phrase


def test_id_check_char_is_iso_7064():
    rng = random.Random(7064)
    for _ in range(20_000):
        body = "".join(rng.choice("0123456789") for _ in range(17))
        assert validation.id_check_char(body) == ric.calc_check_digit(body + "0")


def _whole(body: str) -> str:
    return body + validation.id_check_char(body)


def _wrong(body: str) -> str:
    return body + next(c for c in "0123456789X" if c != validation.id_check_char(body))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (_whole("11010519900230123"), "出生日期无效"),
        (_whole("11010519900101123")[:16] + "٣" + _whole("11010519900101123")[17], "只能由数字"),
        (_wrong("11010519900101123"), "校验位不正确"),
        (_whole("11010518990101123"), "出生日期无效"),
        (_whole("99010519900101123"), "省级行政区"),
    ],
)
def test_id_number_refusals(value, message):
    assert validation.clean_id_number(_whole("11010519900101123")) == _whole("11010519900101123")
    with pytest.raises(ValidationError, match=message):
        validation.clean_id_number(value)
