"""The kinds of finding, named as the CLI and the API name them, with their Chinese labels and severities.

Plain Python (no Django) so that the detectors, the CLI and the benchmark import it cheaply; `choices.py` builds the
model choices from the same names.
"""

from __future__ import annotations

ID_CARD = "id_card"
MOBILE = "mobile"
LANDLINE = "landline"
BANK_CARD = "bank_card"
EMAIL = "email"
IP = "ip"
PLATE = "plate"
PASSPORT = "passport"
ADDRESS = "address"
PERSON = "person"
CLASSIFICATION_MARK = "classification_mark"
INTERNAL_MARK = "internal_mark"
DOC_NUMBER = "doc_number"
KEYWORD = "keyword"

# In the order the issue lists them; also the order in which overlapping findings give way (earlier wins).
KINDS: tuple[str, ...] = (
    ID_CARD,
    MOBILE,
    LANDLINE,
    BANK_CARD,
    EMAIL,
    IP,
    PLATE,
    PASSPORT,
    ADDRESS,
    PERSON,
    CLASSIFICATION_MARK,
    INTERNAL_MARK,
    DOC_NUMBER,
    KEYWORD,
)

LABELS: dict[str, str] = {
    ID_CARD: "身份证号",
    MOBILE: "手机号码",
    LANDLINE: "固定电话",
    BANK_CARD: "银行卡号",
    EMAIL: "电子邮箱",
    IP: "IP地址",
    PLATE: "车牌号",
    PASSPORT: "护照/通行证号",
    ADDRESS: "住址",
    PERSON: "姓名",
    CLASSIFICATION_MARK: "密级标志",
    INTERNAL_MARK: "内部标识",
    DOC_NUMBER: "发文字号",
    KEYWORD: "保密关键词",
}

# Kinds that are personal information (article 6) rather than confidentiality (article 5).
PERSONAL: frozenset[str] = frozenset(
    {ID_CARD, MOBILE, LANDLINE, BANK_CARD, EMAIL, IP, PLATE, PASSPORT, ADDRESS, PERSON}
)

# Kinds found by patterns and checksums; person and address rest on heuristics and are reported apart.
STRUCTURED: tuple[str, ...] = tuple(k for k in KINDS if k not in (PERSON, ADDRESS))

HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITIES: tuple[str, ...] = (HIGH, MEDIUM, LOW)
SEVERITY_LABELS: dict[str, str] = {HIGH: "高", MEDIUM: "中", LOW: "低"}

# When two findings overlap, the one whose kind comes first here stays (a mobile number inside an address, say).
PRIORITY: dict[str, int] = {
    kind: rank
    for rank, kind in enumerate(
        (
            CLASSIFICATION_MARK,
            ID_CARD,
            BANK_CARD,
            PASSPORT,
            MOBILE,
            LANDLINE,
            EMAIL,
            IP,
            PLATE,
            DOC_NUMBER,
            INTERNAL_MARK,
            KEYWORD,
            ADDRESS,
            PERSON,
        )
    )
}
