"""Demo content of the pledge issue: a short quiz on the norms before signing, for the demo campaign."""

from __future__ import annotations

from netconduct.campaigns.models import Campaign

from . import services

QUESTIONS = (
    services.QuestionInput(
        "以职务身份在微博、微信等平台注册账号、建立群组，应当怎么做？",
        ("自行注册即可", "向所在单位党组织申请报告，经批准后登记备案", "只需告知同事"),
        1,
        "第七条",
    ),
    services.QuestionInput(
        "发现网上违法违规违纪信息、活动时，应当？",
        ("转发提醒更多人", "不理会", "主动及时向所在单位党组织、网络监管部门报告"),
        2,
        "第八条",
    ),
    services.QuestionInput(
        "在网上发布内部文件、数据和不宜公开的内部敏感信息，是否允许？",
        ("允许", "不允许，属于违反保密规定的行为"),
        1,
        "第五条",
    ),
)


def demo_quiz_load(*, actor, campaign: Campaign) -> None:
    if not campaign.quiz_questions.exists():
        services.quiz_set(actor=actor, campaign=campaign, questions=QUESTIONS)
