"""A labelled corpus for the self-check detectors: Chinese posts and paragraphs with entities and hard negatives.

    .venv/bin/python bench/selfcheck_corpus.py --set heldout --seed 20260 --docs 5000 --out bench/out/heldout.jsonl

Two template sets that share no sentence frame: `dev` (what the detectors were developed against) and `heldout`
(written apart and only measured: other frames, other contexts, other hard negatives, another seed). Both draw
entities from the same generators, which produce the surface forms the issue lists (+86, spaces, dashes,
full-width digits, 19-digit UnionPay cards, new-energy plates, 15-digit IDs, permits, IPv6, …). Valid numbers are
made with python-stdnum, not with the product's own validators, so the measurement is not circular.

Each line of the output: {"id": …, "text": …, "entities": [{"kind": …, "start": n, "end": n}]} with code-point
offsets. Entities of kind `person` and `address` are labelled as their whole written form.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from stdnum import luhn
from stdnum.cn import ric

# ---------------------------------------------------------------------------------------------------- vocabularies

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND = ["欧阳", "司马", "上官", "诸葛"]
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉文斌海燕鹏辉亮成林东雪飞宇浩凯俊晓峰鑫佳慧"
    "婷颖琳晨阳欣怡子轩梓涵雨萱博宏伟光荣庆春梅德胜利忠诚永福贵宝山"
)
# Roster names that are also words: the detectors must not flag the words.
WORDLIKE_ROSTER = ["高峰", "文明", "金星", "海燕", "建国", "方圆"]
WORDLIKE_SENTENCES = {
    "高峰": ["早高峰期间道路拥堵，请大家提前出门。", "用电高峰期请注意节约。"],
    "文明": ["争创全国文明城市，人人有责。", "倡导文明上网，传播正能量。"],
    "金星": ["今晚可以看到金星合月。"],
    "海燕": ["他像海燕般迎着风浪前行。"],
    "建国": ["庆祝新中国成立，建国路沿线张灯结彩。"],
    "方圆": ["方圆几十里都知道这个厂。"],
}

REGIONS = [
    "150602",
    "150621",
    "150627",
    "152701",
    "340402",
    "340403",
    "341302",
    "610802",
    "610881",
    "640104",
    "110108",
]
PLACES = [
    ("内蒙古自治区", "鄂尔多斯市", ["东胜区", "康巴什区", "伊金霍洛旗", "准格尔旗", "达拉特旗"]),
    ("内蒙古自治区", "呼和浩特市", ["新城区", "回民区", "赛罕区"]),
    ("安徽省", "淮南市", ["田家庵区", "谢家集区", "八公山区"]),
    ("安徽省", "宿州市", ["埇桥区", "砀山县", "灵璧县"]),
    ("陕西省", "榆林市", ["榆阳区", "神木市", "府谷县"]),
    ("宁夏回族自治区", "银川市", ["兴庆区", "金凤区"]),
    ("山西省", "大同市", ["平城区", "云冈区"]),
    ("北京市", "", ["海淀区", "朝阳区", "丰台区"]),
]
ROADS = [
    "天骄北路",
    "鄂尔多斯西街",
    "伊金霍洛东街",
    "达拉特路",
    "宝日陶亥街",
    "淮舟大道",
    "洞山中路",
    "人民路",
    "解放大道",
    "建设路",
    "民族街",
    "阳光大道",
    "文化路",
    "育才巷",
    "胜利街",
    "迎宾大道",
    "纺织路",
    "长安街",
    "团结西路",
    "和平巷",
]
TOWNS = ["树林召镇", "阿勒腾席热镇", "薛家湾镇", "纳林陶亥镇", "高头窑镇"]
VILLAGES = ["林原村", "红庆河村", "新民村", "乌兰村", "前进村"]
ESTATES = ["阳光小区", "康和家园", "碧水花园", "泰和新村", "锦绣苑", "华府公寓", "东方明珠小区", "金色家园"]
EMAIL_DOMAINS = [
    "qq.com",
    "163.com",
    "126.com",
    "xbnh.com.cn",
    "sina.com",
    "foxmail.com",
    "gmail.com",
    "wbmd.cn",
]
ISSUERS_OWN = ["西北能化党发", "西北能化党办", "西北能化发", "皖北煤电党发", "皖北煤电党宣字", "皖北煤电办"]
ISSUERS_OTHER = ["国发", "国办发", "中办发", "内政发", "鄂府发", "蒙党办发", "皖政办", "淮府"]
ISSUER_CODES = ["西北能化党", "西北能化", "皖北煤电"]
PLATE_PROVINCES = "蒙皖陕宁晋京冀鲁豫"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
CARD_BINS_UNIONPAY = ["622202", "621700", "622848", "621661", "623668", "622588", "621226", "625965"]
CARD_BINS_OTHER = ["436742", "524374", "403391", "512431"]

KW_PREFIX = [
    "天骄",
    "北斗",
    "蒙西",
    "乌审",
    "纳林",
    "红柳",
    "神东",
    "伊泰",
    "能化",
    "淮河",
    "洞山",
    "谢桥",
    "朱集",
    "顾北",
]
KW_MIDDLE = [
    "智慧",
    "数字",
    "绿色",
    "清洁",
    "煤制",
    "甲醇",
    "烯烃",
    "氢能",
    "储能",
    "管控",
    "调度",
    "应急",
    "巡检",
    "碳汇",
    "透明",
]
KW_SUFFIX = ["平台", "系统", "工程", "项目", "中心", "专班", "行动", "计划", "云", "大脑"]
KW_PHASE = ["一期", "二期", "三期", "升级", "试点"]
KW_ASCII = ["ERP", "MES", "OA", "DCS", "SIS", "EAM", "HSE", "LIMS", "BI", "GIS"]


def kw_list(count: int = 10_000) -> list[str]:
    """The committee's keyword list: internal project and system names (deterministic)."""
    words: list[str] = []
    for p in KW_PREFIX:
        for m in KW_MIDDLE:
            for s in KW_SUFFIX:
                words.append(p + m + s)
                for phase in KW_PHASE:
                    words.append(p + m + s + phase)
    i = 0
    while len(words) < count:
        words.append(f"XBNH-{KW_ASCII[i % len(KW_ASCII)]}-{i:04d}")
        i += 1
    return words[:count]


def roster_names(seed: int, count: int = 2000) -> list[str]:
    """The organisation's roster; no name that occurs by chance in a template's or filler's own words."""
    rng = random.Random(seed)
    fixed = "".join(
        DEV_TEMPLATES + HELDOUT_TEMPLATES + DEV_FILLER + HELDOUT_FILLER + DEV_PROSE + HELDOUT_PROSE
    )
    names = set(WORDLIKE_ROSTER)
    while len(names) < count:
        name = random_name(rng)
        if name not in fixed:
            names.add(name)
    return sorted(names)


def random_name(rng: random.Random) -> str:
    surname = rng.choice(COMPOUND) if rng.random() < 0.02 else rng.choice(SURNAMES)
    return surname + "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))


# ---------------------------------------------------------------------------------------------------- surface forms

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Gen:
    rng: random.Random
    roster: list[str]
    keywords: list[str]
    roster_set: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.roster_set = set(self.roster)

    def pick(self, seq):
        return self.rng.choice(seq)

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def _id18(self) -> str:
        r = self.rng
        year = r.randint(1955, 2004)
        body = (
            f"{self.pick(REGIONS)}{year}{r.randint(1, 12):02d}{r.randint(1, 28):02d}{r.randint(0, 999):03d}"
        )
        return body + ric.calc_check_digit(body + "0")

    def id_card(self) -> str:
        r = self.rng.random()
        if r < 0.08:  # the old 15-digit number
            return f"{self.pick(REGIONS)}{self.rng.randint(40, 89)}{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}{self.digits(3)}"
        value = self._id18()
        if value.endswith("X") and self.rng.random() < 0.3:
            value = value[:-1] + "x"
        if r < 0.14:
            return f"{value[:6]} {value[6:14]} {value[14:]}"
        if r < 0.2:
            return value.translate(FULLWIDTH)
        return value

    def bad_id(self) -> str:
        value = self._id18()
        wrong = [c for c in "0123456789X" if c != value[-1]]
        return value[:-1] + self.pick(wrong)

    def mobile(self) -> str:
        prefix = self.pick(["139", "138", "135", "137", "150", "151", "152", "158", "159", "182", "187", "188", "133",
                            "153", "180", "189", "130", "131", "132", "155", "156", "185", "186", "166", "177", "199",
                            "198", "191", "147", "173"])  # fmt: skip
        number = prefix + self.digits(8)
        r = self.rng.random()
        if r < 0.5:
            return number
        if r < 0.6:
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        if r < 0.7:
            return f"{number[:3]}-{number[3:7]}-{number[7:]}"
        if r < 0.76:
            return "+86" + number
        if r < 0.82:
            return f"+86 {number[:3]} {number[3:7]} {number[7:]}"
        if r < 0.86:
            return self.pick(["(+86)", "（+86）", "+86-"]) + number
        return number.translate(FULLWIDTH)

    def landline(self) -> str:
        area = self.pick(["0477", "0554", "0557", "0912", "0951", "0352", "0471"])
        local = str(self.rng.randint(2, 8)) + self.digits(6 if self.rng.random() < 0.6 else 7)
        if self.rng.random() < 0.15:
            area, local = self.pick(["010", "021", "029"]), str(self.rng.randint(2, 8)) + self.digits(7)
        form = self.rng.random()
        if form < 0.55:
            return f"{area}-{local}"
        if form < 0.7:
            return f"({area}){local}"
        if form < 0.8:
            return f"（{area}）{local}"
        if form < 0.9:
            return f"{area} {local}"
        return area + local

    def bank_card(self) -> str:
        r = self.rng.random()
        if r < 0.8:
            length = 19 if self.rng.random() < 0.5 else 16
            body = self.pick(CARD_BINS_UNIONPAY) + self.digits(length - 7)
        else:
            body = self.pick(CARD_BINS_OTHER) + self.digits(9)
        number = body + luhn.calc_check_digit(body)
        if self.rng.random() < 0.3:
            return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
        return number

    def bad_card(self) -> str:
        body = self.pick(CARD_BINS_UNIONPAY) + self.digits(12)
        good = luhn.calc_check_digit(body)
        return body + self.pick([c for c in "0123456789" if c != good])

    def email(self) -> str:
        domain = self.pick(EMAIL_DOMAINS)
        if domain == "qq.com" and self.rng.random() < 0.6:
            local = str(self.rng.randint(10000, 3999999999))
        else:
            local = "".join(
                self.rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(self.rng.randint(3, 8))
            )
            if self.rng.random() < 0.4:
                local += self.pick([".", "_", ""]) + str(self.rng.randint(1, 2000))
        return f"{local}@{domain}"

    def ip(self) -> str:
        if self.rng.random() < 0.25:
            groups = [f"{self.rng.randint(0, 65535):x}" for _ in range(8)]
            if self.rng.random() < 0.6:
                return f"2001:db8:{groups[2]}::{groups[7]}"
            return ":".join(groups)
        first = self.pick([10, 172, 192, 58, 61, 111, 202, 219, 36])
        return f"{first}.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"

    def plate(self) -> str:
        province, letter = self.pick(PLATE_PROVINCES), self.pick(PLATE_LETTERS)
        sep = self.pick(["", "", "·", " "])
        if self.rng.random() < 0.3:
            body = self.pick("DF") + self.pick(PLATE_LETTERS + "0123456789") + self.digits(4)
        else:
            chars = list(self.digits(5))
            for i in self.rng.sample(range(5), self.rng.randint(0, 2)):
                chars[i] = self.pick(PLATE_LETTERS)
            body = "".join(chars)
        return f"{province}{letter}{sep}{body}"

    def passport(self) -> tuple[str, str]:
        """(number, the words a person would write before it)."""
        r = self.rng.random()
        if r < 0.45:
            return "E" + self.digits(8), self.pick(["护照号", "护照号码", "护照", "因私护照"])
        if r < 0.6:
            return "E" + self.pick(PLATE_LETTERS) + self.digits(7), self.pick(["护照号", "护照号码"])
        if r < 0.85:
            return "C" + self.digits(8), self.pick(["港澳通行证号", "往来港澳通行证", "通行证号码"])
        return "H" + self.digits(8), self.pick(["回乡证号", "回乡证"])

    def address(self) -> str:
        province, city, districts = self.pick(PLACES)
        district = self.pick(districts)
        number = f"{self.rng.randint(1, 300)}号"
        building = f"{self.rng.randint(1, 30)}号楼{self.rng.randint(1, 6)}单元{self.rng.randint(1, 18)}0{self.rng.randint(1, 4)}室"
        form = self.rng.random()
        head = (province if self.rng.random() < 0.5 else "") + city
        if form < 0.3:
            return f"{head}{district}{self.pick(ROADS)}{number}"
        if form < 0.55:
            return f"{head}{district}{self.pick(ROADS)}{number}{self.pick(ESTATES)}{building}"
        if form < 0.75:
            return f"{city}{district}{self.pick(ESTATES)}{building}"
        if form < 0.88:
            return f"{district}{self.pick(ROADS)}{number}"
        return f"{district}{self.pick(TOWNS)}{self.pick(VILLAGES)}{self.rng.randint(1, 9)}组{self.rng.randint(1, 80)}号"

    def person(self) -> str:
        while True:
            name = random_name(self.rng)
            if name not in self.roster_set:
                return name

    def roster_name(self) -> str:
        while True:
            name = self.pick(self.roster)
            if name not in WORDLIKE_ROSTER:
                return name

    def classification_mark(self) -> str:
        level = self.pick(["绝密", "机密", "秘密"])
        period = self.pick(["1年", "6个月", "10年", "20年", "长期", "3个月", "5年", "一年"])
        return f"{level}★{period}" if self.rng.random() < 0.8 else f"{level}★"

    def internal_mark(self) -> str:
        return self.pick(["内部资料", "内部文件", "注意保存", "不得外传", "严禁外传", "仅供内部", "内部传阅"])

    def cls_level(self) -> str:
        return self.pick(["绝密", "机密", "秘密"])

    def doc_number(self, own: bool | None = None) -> str:
        own = self.rng.random() < 0.6 if own is None else own
        issuer = self.pick(ISSUERS_OWN if own else ISSUERS_OTHER)
        bracket = self.pick(["〔〕", "〔〕", "〔〕", "[]", "（）", "【】"])
        return f"{issuer}{bracket[0]}{self.rng.randint(2015, 2025)}{bracket[1]}{self.rng.randint(1, 180)}号"

    def keyword(self) -> str:
        return self.pick(self.keywords)

    # ---- hard negatives (never labelled)

    def order_number(self) -> str:
        return (
            self.pick(["2023", "2024", "2025"])
            + f"{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}"
            + self.digits(self.pick([10, 11]))
        )

    def date(self) -> str:
        y, m, dd = self.rng.randint(2015, 2025), self.rng.randint(1, 12), self.rng.randint(1, 28)
        return self.pick(
            [
                f"{y}年{m}月{dd}日",
                f"{y}-{m:02d}-{dd:02d}",
                f"{y}{m:02d}{dd:02d}",
                f"{y}.{m}.{dd}",
                f"{m}月{dd}日",
            ]
        )

    def amount(self) -> str:
        v = self.rng.randint(1000, 99_999_999)
        return self.pick([f"{v}元", f"¥{v:,}.00", f"{v / 100:.2f}万元", f"人民币{v}元整", f"{v:,}元"])


# ---------------------------------------------------------------------------------------------------- templates

# Slots: {kind} an entity (labelled); {kind:own} an own-organisation doc number; {-neg} a hard negative; {~} filler.
DEV_TEMPLATES = [
    "请各位同事明天上午9点到三楼会议室开会，有事请联系{roster}，电话{mobile}。",
    "{person}的身份证号是{id_card}，麻烦帮忙订一下{-date}去鄂尔多斯的票。",
    "报销请把工资卡号发我：{bank_card}，开户行建设银行东胜支行。",
    "本周{keyword}的进展：{~}",
    "转发：{doc_number}《关于进一步规范党员干部职工网络行为的通知》，{internal_mark}。",
    "{classification_mark}\n关于{keyword}的情况说明\n{~}",
    "快递到了，收件人：{person}，电话{mobile}，地址{address}。",
    "我的邮箱是{email}，材料发这里就行。",
    "服务器IP是{ip}，账号密码别发群里。",
    "车牌号{plate}的车停在了消防通道，请车主尽快挪车。",
    "{passport_ctx}{passport}，签注下周到期。",
    "办公室座机{landline}，有事打这个。",
    "订单号{-order}，已发货，预计{-date}送达。",
    "这个月电费{-amount}，比上月少了不少。",
    "成功的秘密在于坚持，大家加油！",
    "单位内部装修期间请走东门。",
    "他的身份证号{-bad_id}好像输错了，系统提示校验不通过。",
    "{roster}同志在本次活动中表现突出，予以表扬。",
    "根据{doc_number:own}文件精神，现将有关事项通知如下：{~}",
    "家住{address}，联系电话{landline}。",
    "申请人：{person}  身份证号码：{id_card}  手机：{mobile}",
    "银行卡{-bad_card}转账失败，请核对卡号。",
    "{-wordlike}",
    "版本号1.2.3.4已上线，详见第3.1.2条。",
    "会议时间12:30:45开始，地点另行通知。",
    "请{roster}、{roster}两位同志会后留一下。",
    "{internal_mark} {internal_mark}\n{keyword}工作方案（征求意见稿）",
    "密级：{cls_level}\n{~}",
    "这是商业机密，不能随便说，哈哈。",
    "新能源车{plate}充电桩已经装好了。",
    "邮编017000，寄到东胜区就行。",
    "明天{-date}前把材料交到综合部{roster}处。",
    "收款账户{bank_card}，户名{person}。",
    "大家不要把{keyword}的资料发到朋友圈，{internal_mark}！",
    "我的手机号换成{mobile}了，微信同号。",
    "{~}",
    "{~}{~}",
]

# Added to the dev set with the person cues of issue 16 (names with no label, title or personal information next to
# them): working chatter, role labels, brackets, lists; and words that look like names before titles and verbs. Not
# in `roster_names`' list of fixed words, so that the held-out corpus (its roster included) stays as it was.
DEV_PERSON_TEMPLATES = [
    "周末我和{person}一起去看了展览，{~}",
    "这事你找{person}商量一下，他比较熟。",
    "{person}说材料明天上午交，大家抓紧。",
    "上午{person}打电话来，说{-date}的会改期了。",
    "填表人：{person}  审核人：{person}",
    "值班员：{person}，交班时间8:30。",
    "本周宣传由综合部负责（{person}、{person}）。",
    "感谢{person}、{person}和{roster}同志的辛苦付出。",
    "项目经理说了，车间主任下午来检查，请司机师傅提前到。",
    "请大家和工作人员一起做好会场布置，文件说得很清楚。",
    "向党组织汇报思想，和同事一起学习，这是我们的本分。",
    "报名人员：{person}，所在部门：安全环保部。",
    "工作人员：请各位按顺序入场。",
    "各单位（盖章）于月底前报送，金额（万元）保留两位小数。",
    "万一联系不上，就找值班室；师傅说今天停水。",
    "平时常常说要节约，时常联系群众，跟往常一样。",
    "申报材料（江苏、安徽两省）已汇总，请核实。",
]

HELDOUT_TEMPLATES = [
    "@所有人 周五团建，报名找{roster}，手机{mobile}，截止{-date}。",
    "帮我查一下这个人：{person}，证件号{id_card}，谢谢！",
    "车辆登记：{plate}，驾驶员{person}，联系方式{mobile}。",
    "麻烦把{keyword}的汇报材料再改一版，明早给{roster}。",
    "截图里能看到文号{doc_number}，发群之前记得打码。",
    "{internal_mark}\n{~}",
    "文件抬头写着{classification_mark}，这个千万不能外发。",
    "新同事{person}，住{address}，紧急联系人电话{mobile}。",
    "有问题可以发邮件到{email}，也可以打{landline}。",
    "打款到{bank_card}（{person}），备注报销。",
    "VPN连不上的话检查一下网关{ip}。",
    "{passport_ctx}：{passport}，请行政部帮忙办理出境备案。",
    "快递单号{-order}，麻烦签收一下。",
    "今年工会经费结余{-amount}。",
    "分享一个秘密：每天读书半小时，坚持一年会有很大变化。",
    "内部装修施工，电梯暂停使用。",
    "系统提示身份证{-bad_id}校验失败，请重新填写。",
    "为{roster}同志点赞！连续三年安全生产无事故。",
    "按照{doc_number:own}要求，各支部于月底前完成自查。",
    "我们家在{address}，欢迎来玩。",
    "姓名：{person}\n手机：{mobile}\n身份证：{id_card}\n银行卡：{bank_card}",
    "这张卡{-bad_card}是旧卡，已经注销了。",
    "{-wordlike}",
    "请升级到v2.3.1.5版本，参照第4.2.1.3款执行。",
    "今天14:05:30停电检修，请提前保存。",
    "{roster}、{roster}、{roster}请于下午到党建室。",
    "{classification_mark}\n{keyword}实施方案",
    "这个项目的内部管理很规范，值得学习。",
    "商业机密？不存在的，都是公开信息。",
    "我换车了，新车牌是{plate}。",
    "邮政编码:014000，电话区号0477。",
    "下午把表格交给{roster}，她负责汇总。",
    "收款人{person}，开户行工商银行，卡号{bank_card}。",
    "{keyword}相关截图不要外传，{internal_mark}。",
    "新号码{mobile}，旧号停用了。",
    "昨天和{person}一起去医院看望了老同志。",
    "服务器地址{ip}，端口8080，运维找{roster}。",
    "交易流水号{-order}已入账。",
    "{~}",
    "{~}{~}",
]

DEV_FILLER = [
    "各党支部要高度重视，认真组织学习。",
    "请大家严格遵守网络行为规范，不传播未经核实的信息。",
    "本次学习活动要求全体党员参加，不得无故缺席。",
    "请于本周五前将学习心得交至党委办公室。",
    "坚持正确政治方向，自觉宣传党的理论和路线方针政策。",
    "各单位要结合实际，抓好贯彻落实。",
    "天气转凉，注意添衣保暖。",
    "食堂本周推出新菜品，欢迎品尝。",
    "安全生产无小事，时刻绷紧安全这根弦。",
    "今天的会议纪要已经整理好，请查收。",
]

HELDOUT_FILLER = [
    "大家辛苦了，周末好好休息。",
    "收到请回复，谢谢配合。",
    "明天早上八点准时发车，请勿迟到。",
    "有不清楚的地方可以随时私信我。",
    "各班组要做好交接班记录，确保生产平稳运行。",
    "学习强国积分排名已更新，请大家继续保持。",
    "倡导节约用水用电，从我做起。",
    "会后请把签到表交回。",
    "本月主题党日活动安排如下，请各支部遵照执行。",
    "工作群仅用于工作交流，请勿发布与工作无关的内容。",
]

# Sentences of notices and reports, for long documents (a notice, a work summary) in which entities are sparse.
DEV_PROSE = [
    "网络行为是党员干部言行的重要组成部分。",
    "为规范党员干部网络行为，巩固壮大网上主流舆论，营造良好网络环境，根据上级相关文件精神，制定本规范。",
    "党员干部必须增强政治意识、大局意识、核心意识、看齐意识。",
    "严格遵守党纪党规，模范遵守国家法律法规，恪守公共秩序和道德底线。",
    "各党支部要高度重视此项工作，切实负起政治责任和领导责任。",
    "统筹网上网下两条战线，坚持管用防并举，牢牢掌握网络意识形态工作领导权。",
    "充分利用部门例会、班前班后会等形式和微信群、QQ群等网络媒体平台，深入开展文件宣贯。",
    "每年至少组织一次专题学习，将规范内容传达到每位党员干部职工。",
    "对在网络活动中以身作则、表现突出的党员干部，要充分肯定、热情鼓励。",
    "对坚持正确立场、传播正能量而遭到围攻的党员干部，要旗帜鲜明地给予保护和支持。",
    "对未经核实的网络信息、言论等，不编造、不传播、不盲从。",
    "发现网上违法违规违纪信息、活动的，应主动及时向所在单位党组织报告。",
    "各级党组织要加强对党员干部网络行为的教育、引导和管理，做到守土有责、守土负责、守土尽责。",
    "要严格规范使用微信工作群、视频会议等平台，不得出现违反本规定的网络行为。",
    "本年度该项工作应于六月上旬前完成。",
    "各单位要认真组织好、开展好学习宣传贯彻工作。",
    "切实把思想和行动统一到上级决策部署上来。",
    "进一步压实责任，细化措施，确保各项任务落地见效。",
]
HELDOUT_PROSE = [
    "今年以来，公司党委坚持以高质量党建引领高质量发展，各项工作取得了新进展。",
    "一是持续加强理论武装，组织开展专题读书班和集中研讨。",
    "二是扎实推进基层党组织标准化规范化建设，支部战斗堡垒作用进一步增强。",
    "三是从严抓好安全生产，全年未发生较大及以上生产安全事故。",
    "同时也要清醒看到，工作中还存在一些短板和不足。",
    "个别支部学习流于形式，理论联系实际不够紧密。",
    "部分党员网络安全意识不强，存在随意转发未经核实信息的情况。",
    "下一步，我们将聚焦问题短板，持续用力、久久为功。",
    "要坚持问题导向，建立问题清单、责任清单、整改清单，逐项销号。",
    "要加强正面宣传，讲好企业故事，传播企业好声音。",
    "要完善制度机制，推动网络行为管理常态化、长效化。",
    "职工群众反映的急难愁盼问题要及时回应、妥善解决。",
    "冬季施工要做好防寒防冻防滑工作，确保人员安全。",
    "请各部门认真对照检查，查漏补缺，按时报送有关材料。",
    "各基层单位要结合实际制定具体实施方案，明确时间节点。",
    "本次检查采取听取汇报、查阅资料、现场察看、个别谈话等方式进行。",
    "检查结果将纳入年度党建工作考核。",
    "请各单位高度重视，确保检查工作顺利开展。",
]

TEMPLATE_SETS = {
    "dev": (DEV_TEMPLATES + DEV_PERSON_TEMPLATES, DEV_FILLER, DEV_PROSE),
    "heldout": (HELDOUT_TEMPLATES, HELDOUT_FILLER, HELDOUT_PROSE),
}

_SLOT = re.compile(r"\{([^{}]*)\}")


@dataclass
class Doc:
    id: str
    text: str
    entities: list[dict]

    def as_json(self) -> dict:
        return {"id": self.id, "text": self.text, "entities": self.entities}


def render(template: str, gen: Gen, filler: list[str]) -> tuple[str, list[dict]]:
    parts: list[str] = []
    entities: list[dict] = []
    pos = 0
    passport_ctx = None
    cursor = 0
    for m in _SLOT.finditer(template):
        literal = template[cursor : m.start()]
        parts.append(literal)
        pos += len(literal)
        cursor = m.end()
        slot = m.group(1)
        kind, surface = None, ""
        if slot == "~":
            surface = gen.pick(filler)
        elif slot.startswith("-"):
            surface = {
                "date": gen.date,
                "amount": gen.amount,
                "order": gen.order_number,
                "bad_id": gen.bad_id,
                "bad_card": gen.bad_card,
                "wordlike": lambda: gen.pick(WORDLIKE_SENTENCES[gen.pick(WORDLIKE_ROSTER)]),
            }[slot[1:]]()
        elif slot == "passport_ctx":
            passport_ctx = gen.passport()
            surface = passport_ctx[1]
        elif slot == "passport":
            number = passport_ctx[0] if passport_ctx else gen.passport()[0]
            kind, surface = "passport", number
        elif slot == "cls_level":
            kind, surface = "classification_mark", gen.cls_level()
        elif slot == "doc_number:own":
            kind, surface = "doc_number", gen.doc_number(own=True)
        elif slot == "roster":
            kind, surface = "person", gen.roster_name()
        elif slot == "person":
            kind, surface = "person", gen.person()
        else:
            kind, surface = slot, getattr(gen, slot)()
        if kind is not None:
            entities.append({"kind": kind, "start": pos, "end": pos + len(surface)})
        parts.append(surface)
        pos += len(surface)
    parts.append(template[cursor:])
    return "".join(parts), entities


def generate(*, template_set: str, seed: int, docs: int, roster: list[str], keywords: list[str]) -> list[Doc]:
    """Posts (one template, 65%), paragraphs (two to five templates, 25%) and long documents (10%: a notice or a
    report of 20 to 80 sentences of prose with one to four templates among them, where entities are sparse)."""
    templates, filler, prose = TEMPLATE_SETS[template_set]
    rng = random.Random(seed)
    gen = Gen(rng, roster, keywords)
    out: list[Doc] = []
    for i in range(docs):
        r = rng.random()
        if r < 0.65:
            pieces = [rng.choice(templates)]
        elif r < 0.9:
            pieces = [rng.choice(templates) for _ in range(rng.randint(2, 5))]
        else:
            pieces = [rng.choice(prose) for _ in range(rng.randint(20, 80))]
            for _ in range(rng.randint(1, 4)):
                pieces.insert(rng.randrange(len(pieces) + 1), rng.choice(templates))
        text, entities = "", []
        for template in pieces:
            piece, found = render(template, gen, filler)
            if text:
                text += rng.choice(["", "\n", " "])
            offset = len(text)
            entities.extend({**e, "start": e["start"] + offset, "end": e["end"] + offset} for e in found)
            text += piece
        out.append(Doc(f"{template_set}-{seed}-{i}", text, entities))
    return out


def standard_corpus(template_set: str = "heldout", *, seed: int | None = None, docs: int = 5000):
    """(docs, roster, keywords, issuer codes) as the quality and Presidio scripts use them."""
    seed = seed if seed is not None else {"dev": 1, "heldout": 20260}[template_set]
    roster = roster_names(seed + 7)
    keywords = kw_list(10_000)
    return (
        generate(template_set=template_set, seed=seed, docs=docs, roster=roster, keywords=keywords),
        roster,
        keywords,
        ISSUER_CODES,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", dest="template_set", choices=sorted(TEMPLATE_SETS), default="heldout")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--keywords-out", type=Path, help="also write the 10,000 keywords, one a line")
    args = parser.parse_args()
    docs, _roster, keywords, _codes = standard_corpus(args.template_set, seed=args.seed, docs=args.docs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps(doc.as_json(), ensure_ascii=False) + "\n")
    if args.keywords_out:
        args.keywords_out.write_text("\n".join(keywords) + "\n", encoding="utf-8")
    print(f"{len(docs)} documents, {sum(len(d.entities) for d in docs)} entities → {args.out}")


if __name__ == "__main__":
    main()
