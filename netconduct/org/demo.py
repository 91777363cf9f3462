"""A realistic demo organisation: 皖北煤电集团 → 西北能化公司 → its party committee, a coal mine, a methanol plant and
the offices, with people whose names, ID numbers, mobiles and positions look like a real roster's.

Two steps: `demo_plan(people=, seed=)` decides everything (pure Python, deterministic for a seed, no database), and
`demo_build(...)` writes the plan through the services: `unit_create` per unit and `person_bulk_apply` for people,
all in one transaction, so every unit and every person has its audit event like any other write. People are marked
`is_demo`; ID numbers pass the checksum but are made up.

With `people` above the default the organisation grows with it, about one 党支部 per 50 people (`--people 100000`
gives some 2,000 branches), for benchmarks.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from stdnum.cn import ric

from netconduct.core.audit import Change, audit_record
from netconduct.core.db import refresh_planner_statistics
from netconduct.org.scoping import subtree_q

from . import services
from .choices import Category, PoliticalStatus, Role, UnitKind
from .models import OrgUnit, Person

DEFAULT_PEOPLE = 500
DEFAULT_SEED = 2023
PEOPLE_PER_BRANCH = 50
SYSTEM_USERNAME = "system"
USER_TYPE = "accounts.user"

GROUP_NAME = "皖北煤电集团"
COMPANY_NAME = "西北能化公司"
COMPANY_FULL_NAME = "鄂尔多斯市西北能源化工有限责任公司"
COMMITTEE_NAME = "西北能化公司党委"

K = UnitKind

# ---------------------------------------------------------------------------------------------------- numbers

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 105 → 一百零五, as unit names count; from 1000 on, Arabic digits."""
    if n <= 0 or n >= 1000:
        return str(n)
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    text = _DIGITS[hundreds] + "百" if hundreds else ""
    if tens:
        text += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    elif hundreds and units:
        text += "零"
    if units:
        text += _DIGITS[units]
    return text


# ---------------------------------------------------------------------------------------------------- the plan


@dataclass
class UnitSpec:
    """One unit to create; `key` is its path of names ("皖北煤电集团/西北能化公司/…"), unique in the plan."""

    key: str
    name: str
    kind: str
    parent: str | None
    short_name: str = ""
    code: str = ""


@dataclass
class PersonSpec:
    """One person: the unit's key and the clean data `person_bulk_apply` takes; `tag` marks a demo account's person."""

    unit: str
    data: dict[str, Any]
    tag: str = ""


@dataclass
class DemoPlan:
    seed: int
    units: list[UnitSpec] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)

    @property
    def branches(self) -> int:
        return sum(1 for u in self.units if u.kind == K.BRANCH)


# Surnames with rough weights (per mille) for northern China and Anhui; the long tail below shares what is left.
_SURNAMES = (
    ("王", 75),
    ("李", 74),
    ("张", 70),
    ("刘", 56),
    ("杨", 32),
    ("陈", 30),
    ("赵", 26),
    ("高", 20),
    ("郭", 19),
    ("孙", 18),
    ("马", 18),
    ("周", 16),
    ("吴", 15),
    ("徐", 14),
    ("胡", 13),
    ("朱", 13),
    ("何", 9),
    ("黄", 9),
    ("韩", 10),
    ("冯", 8),
    ("田", 8),
    ("董", 8),
    ("曹", 8),
    ("梁", 7),
    ("宋", 8),
    ("郑", 8),
    ("谢", 6),
    ("许", 7),
    ("于", 7),
    ("吕", 6),
    ("魏", 7),
    ("程", 6),
    ("苏", 6),
    ("丁", 6),
    ("任", 6),
    ("姜", 6),
    ("贾", 6),
    ("崔", 5),
    ("袁", 5),
    ("潘", 4),
    ("杜", 5),
    ("范", 5),
    ("石", 5),
    ("白", 6),
    ("孟", 5),
    ("秦", 4),
    ("阎", 4),
    ("薛", 4),
    ("侯", 4),
    ("郝", 5),
    ("武", 5),
    ("乔", 4),
    ("常", 4),
    ("牛", 4),
    ("康", 3),
    ("段", 3),
    ("雷", 3),
    ("汪", 3),
    ("史", 3),
    ("陶", 2),
    ("贺", 3),
)
_RARE_SURNAMES = (
    "罗林唐邓彭曾肖蒋蔡余叶沈姚卢钟谭陆金廖夏付方邹熊邱江尹黎顾毛龚邵万钱严戴孔汤温施文樊葛邢安齐易"
    "庞颜倪聂章鲁岳翟殷申耿关兰焦俞左柳祝包宁尚舒纪梅凌毕单季裴霍苗谷盛曲骆路辛靳管柴鲍祁房滕解艾"
    "尤穆司车连娄窦戚景党宫费冷卫米柏宗桂佟应闵苟边卞姬师仇栾隋商刁荣寇桑郎甄仲虞敖巩明苑迟鞠惠荆"
    "冀郁南燕楚皮蔺满门云"
)
_MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国峰亮成东海志文晨博力永庆福兵春"
    "雷江山德胜利宏振家兴荣泽瑞彬锋毅坤昊晓睿智轩天铭"
)
_FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲丹萍红婷雪琳慧莉倩颖洁佳欣悦月蕾瑶梅琴云英兰秀华凤荣桂玉珍琼婧璐晶怡雯"
_MONGOLIAN_MALE = (
    "巴特尔",
    "宝音",
    "额尔敦",
    "那日苏",
    "朝鲁",
    "苏和",
    "巴雅尔",
    "孟和",
    "阿拉坦仓",
    "布和",
    "哈斯巴根",
    "乌力吉",
    "敖特根",
    "达来",
    "毕力格",
    "特木尔",
    "吉日嘎拉",
    "额日德木图",
)
_MONGOLIAN_FEMALE = ("乌云其其格", "萨仁高娃", "斯琴", "图雅", "其木格", "乌兰", "娜仁花", "高娃", "托娅")
_DOTTED_MALE = (
    "阿不都·热合曼",
    "买买提·艾力",
    "艾力·吐尔逊",
    "努尔兰·哈山",
    "阿迪力·买买提",
    "额尔敦·巴雅尔",
)
_DOTTED_FEMALE = ("古丽·阿不都拉", "热依拉·吐尔逊", "迪丽努尔·艾山", "阿依古丽·买买提")

# Counties of Ordos (where the company is) and of 皖北 (where the group sends its people from), weighted.
_ORDOS = (
    ("150602", 30),
    ("150603", 5),
    ("150621", 12),
    ("150622", 12),
    ("150623", 4),
    ("150624", 6),
    ("150625", 5),
    ("150626", 6),
    ("150627", 14),
)
_ANHUI = (
    ("340602", 4),
    ("340603", 6),
    ("340604", 3),
    ("340621", 6),
    ("341302", 10),
    ("341321", 4),
    ("341322", 4),
    ("341323", 3),
    ("341324", 3),
    ("341602", 4),
    ("341621", 3),
    ("341622", 3),
    ("341623", 2),
    ("340404", 3),
    ("340421", 3),
)
_MOBILE_PREFIXES = tuple(
    str(n) for n in (*range(130, 140), 147, 150, 151, 152, 153, *range(155, 160), 166, 172, *range(175, 179),
                     *range(180, 190), 191, 198, 199)
)  # fmt: skip

# Work profiles: who works there (share of men, of people from Anhui, party members among the workers) and the
# positions of the rank and file, weighted; the first position of a party group or workshop is its 班长.
_PROFILES: dict[str, dict[str, Any]] = {
    "综采": {"men": 0.99, "anhui": 0.3, "party": 0.33, "jobs": (("采煤机司机", 3), ("支架工", 5), ("输送机司机", 2), ("端头维护工", 1), ("电工", 1), ("验收员", 1))},
    "掘进": {"men": 0.99, "anhui": 0.3, "party": 0.33, "jobs": (("掘进机司机", 3), ("锚杆支护工", 4), ("运料工", 1), ("电工", 1), ("测量工", 1))},
    "机电": {"men": 0.97, "anhui": 0.3, "party": 0.35, "jobs": (("维修电工", 4), ("电钳工", 3), ("泵工", 1), ("绞车司机", 1), ("变电所值班员", 1))},
    "运输": {"men": 0.97, "anhui": 0.3, "party": 0.33, "jobs": (("胶带输送机司机", 3), ("电机车司机", 2), ("信号工", 1), ("把钩工", 1), ("无轨胶轮车司机", 2))},
    "通风": {"men": 0.97, "anhui": 0.3, "party": 0.35, "jobs": (("通风工", 3), ("瓦斯检查工", 3), ("测风员", 1), ("防突工", 1), ("安全监测工", 1))},
    "车间": {"men": 0.75, "anhui": 0.25, "party": 0.37, "jobs": (("操作工", 6), ("主操", 2), ("副操", 2), ("仪表工", 2), ("电工", 1), ("分析工", 1), ("设备员", 1))},
    "科室": {"men": 0.65, "anhui": 0.4, "party": 0.5, "jobs": (("工艺技术员", 2), ("设备技术员", 1), ("安全员", 1), ("工程师", 1), ("统计员", 1))},
    "综合部": {"men": 0.5, "anhui": 0.4, "party": 0.6, "jobs": (("主管", 1), ("科员", 3), ("文秘", 1), ("档案管理员", 1), ("驾驶员", 1))},
    "党群工作部": {"men": 0.45, "anhui": 0.4, "party": 0.75, "jobs": (("主管", 1), ("科员", 2), ("宣传干事", 1), ("组织干事", 1))},
    "纪委办公室": {"men": 0.5, "anhui": 0.5, "party": 0.8, "jobs": (("纪检监察员", 2), ("科员", 1))},
    "财务部": {"men": 0.35, "anhui": 0.4, "party": 0.5, "jobs": (("会计", 3), ("出纳", 1), ("主管", 1))},
    "安全环保部": {"men": 0.7, "anhui": 0.4, "party": 0.5, "jobs": (("安全员", 2), ("环保专员", 1), ("主管", 1), ("科员", 1))},
    "生产技术部": {"men": 0.75, "anhui": 0.4, "party": 0.5, "jobs": (("工程师", 2), ("技术员", 2), ("调度员", 1))},
    "人力资源部": {"men": 0.45, "anhui": 0.4, "party": 0.55, "jobs": (("主管", 1), ("科员", 2), ("薪酬专员", 1))},
}  # fmt: skip
_TEAMS = ("综采", "掘进", "机电", "运输", "通风")
_OFFICE_BRANCHES = (
    ("机关第一党支部", ("综合部", "党群工作部", "纪委办公室")),
    ("机关第二党支部", ("财务部", "安全环保部", "生产技术部", "人力资源部")),
)
_OFFICE_DEPUTIES = {"综合部", "财务部", "安全环保部"}
_PLANTS = (
    "甲醇厂",
    "焦化厂",
    "烯烃厂",
    "热电厂",
    "合成氨厂",
    "二甲醚厂",
    "空分厂",
    "储运厂",
    "检修厂",
    "乙二醇厂",
)
_WORKSHOPS = (
    "气化车间", "净化车间", "合成车间", "精馏车间", "变换车间", "空分车间", "动力车间", "储运车间",
    "污水处理车间", "仪表车间", "电气车间", "维修车间", "包装车间", "化验室",
)  # fmt: skip
_METHANOL_DEPARTMENTS = (("生产技术科", "安全环保科"), ("气化车间", "净化车间"), ("合成车间", "精馏车间"))
DISTRICTS_PER_MINE = 3
BRANCHES_PER_PLANT = 8
SHIFTS = 3

# Leaders sit in the unit they lead (the committee, a 党总支, a branch or a department).
_COMMITTEE_LEADERS = (
    "党委书记、董事长",
    "党委副书记、总经理",
    "党委副书记",
    "纪委书记",
    "副总经理",
    "总工程师",
)
_MINE_LEADERS = ("党总支书记", "矿长", "副矿长", "总工程师")
_PLANT_LEADERS = ("党总支书记", "厂长", "副厂长")


@dataclass
class _Slot:
    """A place a person will fill: leaders first, then the rank and file by weight."""

    unit: str
    profile: str
    position: str = ""
    cadre: bool = False
    tag: str = ""


@dataclass
class _Leaf:
    unit: str
    profile: str
    weight: float
    tag: str = ""


class _Planner:
    def __init__(self, *, people: int, seed: int) -> None:
        self.n = people
        self.rng = random.Random(seed)
        self.plan = DemoPlan(seed=seed)
        self.leaders: list[_Slot] = []
        self.leaves: list[_Leaf] = []
        self.id_numbers: set[str] = set()
        self.mobiles: set[str] = set()

    # ---- units

    def unit(self, parent: str | None, name: str, kind: str, **extra: str) -> str:
        key = f"{parent}/{name}" if parent else name
        self.plan.units.append(UnitSpec(key=key, name=name, kind=kind, parent=parent, **extra))
        return key

    def build_units(self) -> None:
        target = max(10, round(self.n / PEOPLE_PER_BRANCH))
        rest = target - len(_OFFICE_BRANCHES)
        coal = max(len(_TEAMS), round(rest * 0.6))
        chem = max(len(_METHANOL_DEPARTMENTS), rest - coal)

        group = self.unit(None, GROUP_NAME, K.GROUP, code="皖北煤电")
        company = self.unit(group, COMPANY_NAME, K.COMPANY, short_name=COMPANY_FULL_NAME)
        committee = self.unit(company, COMMITTEE_NAME, K.COMMITTEE, code="西北能化党")
        for position in _COMMITTEE_LEADERS:
            self.leaders.append(_Slot(committee, "综合部", position, cadre=True))

        for name, departments in _OFFICE_BRANCHES:
            branch = self.unit(committee, name, K.BRANCH)
            self.leaders.append(_Slot(branch, "综合部", "党支部书记", cadre=True))
            for dept_name in departments:
                dept = self.unit(branch, dept_name, K.DEPARTMENT)
                self.leaders.append(
                    _Slot(dept, dept_name, "主任" if dept_name.endswith("室") else "部长", True)
                )
                if dept_name in _OFFICE_DEPUTIES:
                    self.leaders.append(_Slot(dept, dept_name, "副部长", cadre=True))
                tag = {"综合部": "zhb_admin", "纪委办公室": "jiwei"}.get(dept_name, "")
                self.leaves.append(_Leaf(dept, dept_name, 5.0, tag))

        self._coal(committee, coal)
        self._chemicals(committee, chem)

    def _coal(self, committee: str, count: int) -> None:
        per_mine = DISTRICTS_PER_MINE * len(_TEAMS)
        for index in range(count):
            mine_no, in_mine = divmod(index, per_mine)
            district, team_no = divmod(in_mine, len(_TEAMS))
            if in_mine == 0:
                mine_name = "煤矿党总支" if mine_no == 0 else f"{cn_number(mine_no + 1)}号煤矿党总支"
                mine = self.unit(committee, mine_name, K.GENERAL_BRANCH)
                for position in _MINE_LEADERS:
                    self.leaders.append(_Slot(mine, "科室", position, cadre=True))
            team = _TEAMS[team_no]
            prefix = "" if mine_no == 0 and district == 0 else f"第{cn_number(district + 1)}采区"
            branch = self.unit(mine, f"{prefix}{team}队党支部", K.BRANCH)
            first = mine_no == 0 and district == 0
            self.leaders.append(
                _Slot(
                    branch,
                    team,
                    "党支部书记",
                    cadre=True,
                    tag="zc_secretary" if first and team == "综采" else "",
                )
            )
            self.leaders.append(_Slot(branch, team, "队长", cadre=True))
            self.leaders.append(_Slot(branch, team, "副队长", cadre=True))
            for shift in range(1, SHIFTS + 1):
                group = self.unit(branch, f"{team}{cn_number(shift)}班党小组", K.PARTY_GROUP)
                tag = "member_demo" if first and team == "综采" and shift == 1 else ""
                self.leaves.append(_Leaf(group, team, 16.0, tag))

    def _chemicals(self, committee: str, count: int) -> None:
        pool = self.rng.sample(_WORKSHOPS, len(_WORKSHOPS))
        used = 0
        for index in range(count):
            plant_no, in_plant = divmod(index, BRANCHES_PER_PLANT)
            plant_name = _PLANTS[plant_no] if plant_no < len(_PLANTS) else f"化工{cn_number(plant_no + 1)}厂"
            if in_plant == 0:
                plant = self.unit(committee, f"{plant_name}党总支", K.GENERAL_BRANCH)
                for position in _PLANT_LEADERS:
                    self.leaders.append(_Slot(plant, "科室", position, cadre=True))
            branch = self.unit(plant, f"{plant_name}第{cn_number(in_plant + 1)}党支部", K.BRANCH)
            self.leaders.append(_Slot(branch, "车间", "党支部书记", cadre=True))
            if plant_no == 0 and in_plant < len(_METHANOL_DEPARTMENTS):
                departments = _METHANOL_DEPARTMENTS[in_plant]
            elif in_plant == 0:
                departments = ("生产技术科", "设备管理科")
            else:
                departments = (pool[used % len(pool)], pool[(used + 1) % len(pool)])
                used += 2
            for dept_name in departments:
                dept = self.unit(branch, dept_name, K.DEPARTMENT)
                if dept_name.endswith("科"):
                    self.leaders.append(_Slot(dept, "科室", "科长", cadre=True))
                    self.leaves.append(_Leaf(dept, "科室", 7.0))
                else:
                    self.leaders.append(_Slot(dept, "车间", f"{dept_name[-2:]}主任", cadre=True))
                    self.leaders.append(_Slot(dept, "车间", f"{dept_name[-2:]}副主任", cadre=True))
                    self.leaves.append(_Leaf(dept, "车间", 22.0))

    # ---- people

    def slots(self) -> Iterator[_Slot]:
        """Leaders while people last, then the rest spread over the leaves by weight (largest remainder)."""
        leaders = self.leaders[: self.n]
        yield from leaders
        rest = self.n - len(leaders)
        if rest <= 0 or not self.leaves:
            return
        total = sum(leaf.weight for leaf in self.leaves)
        exact = [rest * leaf.weight / total for leaf in self.leaves]
        counts = [int(x) for x in exact]
        by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
        for i in by_remainder[: rest - sum(counts)]:
            counts[i] += 1
        for leaf, count in zip(self.leaves, counts, strict=True):
            jobs = _PROFILES[leaf.profile]["jobs"]
            names, weights = zip(*jobs, strict=True)
            for k in range(count):
                if leaf.tag == "member_demo" and k == 1:
                    yield _Slot(leaf.unit, leaf.profile, "采煤机司机", tag="member_demo")
                    continue
                if leaf.tag in {"zhb_admin", "jiwei"} and k == 0:
                    yield _Slot(leaf.unit, leaf.profile, jobs[0][0], tag=leaf.tag)
                    continue
                leads = (k == 0 and leaf.profile in _TEAMS) or (leaf.profile == "车间" and k % 12 == 0)
                position = "班长" if leads else self.rng.choices(names, weights)[0]
                yield _Slot(leaf.unit, leaf.profile, position)

    def person(self, slot: _Slot) -> PersonSpec:
        rng = self.rng
        profile = _PROFILES[slot.profile]
        male = rng.random() < (0.9 if slot.cadre else profile["men"])
        anhui = rng.random() < (0.5 if slot.cadre else profile["anhui"])
        first, last = (1966, 1985) if slot.cadre else (1968, 2003)
        born = dt.date(rng.randint(first, last), 1, 1) + dt.timedelta(days=rng.randrange(365))
        region = _weighted(rng, _ANHUI if anhui else _ORDOS)
        name = self.name(male=male, ordos=region.startswith("1506"))

        tagged_member = slot.tag in {"zc_secretary", "member_demo", "zhb_admin", "jiwei"}
        categories = [Category.EMPLOYEE]
        roll = rng.random()
        if slot.cadre or tagged_member or roll < profile["party"]:
            status = PoliticalStatus.PARTY_MEMBER
        elif born.year >= 1985 and roll < profile["party"] + 0.03:
            status = PoliticalStatus.PROBATIONARY
        elif born.year >= 1995 and roll < 0.75:
            status = PoliticalStatus.LEAGUE
        elif roll > 0.995 and slot.profile not in _TEAMS:
            status = PoliticalStatus.DEMOCRATIC_PARTY
        else:
            status = PoliticalStatus.NONE
        if status == PoliticalStatus.PARTY_MEMBER:
            categories.insert(0, Category.PARTY_MEMBER)
        elif status == PoliticalStatus.PROBATIONARY:
            categories.insert(0, Category.PROBATIONARY)
        if slot.cadre:
            categories.insert(-1, Category.CADRE)

        raw = {
            "name": name,
            "id_number": self.id_number(region, born, male),
            "mobile": self.mobile(),
            "categories": [str(c) for c in categories],
            "political_status": str(status),
            "position": slot.position,
            "is_demo": True,
        }
        return PersonSpec(unit=slot.unit, data=raw, tag=slot.tag)

    def name(self, *, male: bool, ordos: bool) -> str:
        rng = self.rng
        roll = rng.random()
        if ordos and roll < 0.01:
            return rng.choice(_DOTTED_MALE if male else _DOTTED_FEMALE)
        if ordos and roll < 0.07:
            return rng.choice(_MONGOLIAN_MALE if male else _MONGOLIAN_FEMALE)
        surname = _weighted(rng, _SURNAMES) if rng.random() < 0.9 else rng.choice(_RARE_SURNAMES)
        chars = _MALE_CHARS if male else _FEMALE_CHARS
        given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
        return surname + given

    def id_number(self, region: str, born: dt.date, male: bool) -> str:
        while True:
            order = self.rng.randrange(100) * 10 + self.rng.choice(
                (1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8)
            )
            body = f"{region}{born:%Y%m%d}{order:03d}"
            value = body + ric.calc_check_digit(body + "0")
            if value not in self.id_numbers:  # a clash draws another sequence number for the same birthday
                self.id_numbers.add(value)
                return value

    def mobile(self) -> str:
        while True:
            value = f"{self.rng.choice(_MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            if value not in self.mobiles:
                self.mobiles.add(value)
                return value

    def build(self) -> DemoPlan:
        self.build_units()
        people = [self.person(slot) for slot in self.slots()]
        numbers = self.rng.sample(range(100000, 1000000), len(people))
        for person, number in zip(people, numbers, strict=True):
            person.data["employee_no"] = f"XB{number:06d}"
        self.plan.people = people
        return self.plan


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def demo_plan(*, people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED) -> DemoPlan:
    """What the demo will contain, decided without touching the database; the same seed gives the same plan."""
    if people < 0:
        raise ValueError("people must not be negative")
    return _Planner(people=people, seed=seed).build()


# ---------------------------------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class DemoAccount:
    """A demo login made with `--with-accounts`; the clear password exists here only, to be printed once."""

    username: str
    password: str
    role: str
    unit: str
    person: str


@dataclass
class DemoResult:
    created: bool
    group: OrgUnit | None
    units: int = 0
    branches: int = 0
    people: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)


def demo_group() -> OrgUnit | None:
    return OrgUnit.objects.get_root_nodes().filter(name=GROUP_NAME).first()


def system_actor():
    """The account command-line loaders act as: a superuser that cannot log in (unusable password).

    It is active because scoping gives inactive accounts nothing; without a usable password nobody can use it
    to sign in. Audit events of the demo name it as their actor.
    """
    User = get_user_model()
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is not None:
        if not user.is_superuser:
            raise RuntimeError(f"账号“{SYSTEM_USERNAME}”已存在但不是超级管理员，无法用它加载演示数据。")
        return user
    user = User(username=SYSTEM_USERNAME, first_name="系统", is_superuser=True, is_staff=True)
    user.set_unusable_password()
    user.save()
    audit_record(
        actor=None,
        change=Change(
            "account.create_system",
            USER_TYPE,
            user.pk,
            SYSTEM_USERNAME,
            "",
            None,
            {"username": SYSTEM_USERNAME},
        ),
    )
    return user


def new_password() -> str:
    """A random password to print once: 14 characters without look-alikes (no 0/O, 1/l/I), with letters and digits."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(14))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def usable_superusers():
    """Superusers someone can sign in as (the system actor has no usable password)."""
    return (
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
    )


def account_create(
    *, actor, username: str, password: str, person: Person | None = None, superuser: bool = False
):
    """Create a login with a known password (demo accounts, the first administrator), linked to a person if given.

    Elsewhere nobody sets a password for someone else (accounts come from activation slips); this is for
    installation and demos only, and is audited as such. The password never enters the audit log.
    """
    User = get_user_model()
    user = User(username=username, is_superuser=superuser, is_staff=superuser)
    if person is not None:
        user.first_name = person.name[:150]
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if person is not None:
        person.user = user
        person.save(update_fields=["user", "updated_at"])
    audit_record(
        actor=actor,
        change=Change(
            "account.create_superuser" if superuser else "account.create_demo",
            USER_TYPE,
            user.pk,
            username,
            person.unit.path if person is not None else "",
            None,
            {
                "username": username,
                "person_id": person.pk if person is not None else None,
                "superuser": superuser,
            },
        ),
    )
    return user


# username → (role, the granted unit's path of names below the group)
DEMO_ACCOUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "zhb_admin": (Role.UNIT_ADMIN, (COMPANY_NAME, COMMITTEE_NAME)),
    "zc_secretary": (Role.SECRETARY, (COMPANY_NAME, COMMITTEE_NAME, "煤矿党总支", "综采队党支部")),
    "jiwei": (Role.INSPECTOR, (COMPANY_NAME, COMMITTEE_NAME)),
    "member_demo": (Role.MEMBER, (COMPANY_NAME, COMMITTEE_NAME, "煤矿党总支", "综采队党支部")),
}
# Where each demo account's person is found: unit path of names below the group, and position.
_ACCOUNT_PEOPLE: dict[str, tuple[tuple[str, ...], str]] = {
    "zhb_admin": ((COMPANY_NAME, COMMITTEE_NAME, "机关第一党支部", "综合部"), "主管"),
    "zc_secretary": ((COMPANY_NAME, COMMITTEE_NAME, "煤矿党总支", "综采队党支部"), "党支部书记"),
    "jiwei": ((COMPANY_NAME, COMMITTEE_NAME, "机关第一党支部", "纪委办公室"), "纪检监察员"),
    "member_demo": (
        (COMPANY_NAME, COMMITTEE_NAME, "煤矿党总支", "综采队党支部", "综采一班党小组"),
        "采煤机司机",
    ),
}


def _unit_at(group: OrgUnit, names: tuple[str, ...]) -> OrgUnit | None:
    unit = group
    for name in names:
        # By path, not get_children(): that trusts the instance's numchild, stale on units made in this run.
        unit = OrgUnit.objects.filter(subtree_q("path", unit.path), depth=unit.depth + 1, name=name).first()
        if unit is None:
            return None
    return unit


def demo_accounts_create(*, actor, group: OrgUnit) -> list[DemoAccount]:
    """One login per role on the demo organisation, with random passwords; none if any of them exists already."""
    User = get_user_model()
    if User.objects.filter(username__in=list(DEMO_ACCOUNTS)).exists():
        return []
    made: list[DemoAccount] = []
    for username, (role, unit_names) in DEMO_ACCOUNTS.items():
        unit = _unit_at(group, unit_names)
        person_unit_names, position = _ACCOUNT_PEOPLE[username]
        person_unit = _unit_at(group, person_unit_names)
        person = None
        if person_unit is not None:
            person = (
                Person.objects.filter(unit=person_unit, position=position, user__isnull=True, is_demo=True)
                .select_related("unit")
                .order_by("-is_party_member", "pk")
                .first()
            )
        if unit is None:
            continue
        password = new_password()
        user = account_create(actor=actor, username=username, password=password, person=person)
        if role != Role.MEMBER:  # a member needs no grant: their own record is theirs to see
            services.grant_create(actor=actor, user=user, role=role, unit=unit)
        made.append(
            DemoAccount(username, password, str(Role(role).label), unit.name, person.name if person else "")
        )
    return made


def demo_build(
    *,
    people: int = DEFAULT_PEOPLE,
    seed: int = DEFAULT_SEED,
    actor=None,
    with_accounts: bool = False,
    progress: Callable[[str], None] | None = None,
    chunk: int = 5000,
) -> DemoResult:
    """Write the demo organisation in one transaction; if it exists already, write nothing and say so.

    `with_accounts` also makes the demo logins, even when the organisation was loaded earlier without them.
    """
    say = progress or (lambda _msg: None)
    with transaction.atomic():
        actor = actor or system_actor()
        existing = demo_group()
        if existing is not None:
            result = DemoResult(created=False, group=existing)
            if with_accounts:
                result.accounts = demo_accounts_create(actor=actor, group=existing)
            return result

        plan = demo_plan(people=people, seed=seed)
        say(f"组织：{len(plan.units)} 个（党支部 {plan.branches} 个）")
        units: dict[str, OrgUnit] = {}
        for spec in plan.units:
            units[spec.key] = services.unit_create(
                actor=actor,
                parent=units[spec.parent] if spec.parent else None,
                name=spec.name,
                kind=spec.kind,
                short_name=spec.short_name,
                code=spec.code,
            )
        say(f"人员：{len(plan.people)} 名")
        for start in range(0, len(plan.people), chunk):
            batch = plan.people[start : start + chunk]
            creates = [(units[p.unit], services.clean_person_data(p.data)) for p in batch]
            services.person_bulk_apply(actor=actor, creates=creates, updates=[])
            if len(plan.people) > chunk:
                say(f"  已写入 {min(start + chunk, len(plan.people))} 名")
        group = units[plan.units[0].key]
        result = DemoResult(
            created=True, group=group, units=len(plan.units), branches=plan.branches, people=len(plan.people)
        )
        if with_accounts:
            result.accounts = demo_accounts_create(actor=actor, group=group)
    refresh_planner_statistics()
    return result
