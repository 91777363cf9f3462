"""Official-capacity accounts and groups (article 7 of the norms): applications, their approval steps, the registry
of filed accounts with filing numbers, approval policies per unit, delegations and yearly review rounds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from netconduct.org.choices import Role
from netconduct.org.models import OrgUnit, Person

from .choices import (
    AccountKind,
    AccountStatus,
    ApplicationKind,
    ApplicationStatus,
    CloseRequest,
    Decision,
    DeclarationAnswer,
    FilingBasis,
    OwnerKind,
    Platform,
    ReviewAnswer,
    RoundStatus,
    StepLevel,
)

PHONE_CONTEXT = "registry.admin_phone"


class FilingCounter(models.Model):
    """The last filing sequence given out per filing code and year (e.g. 西北能化网备, 2026). Bumped by an UPDATE
    inside the approving transaction, so concurrent filings queue on the row and a rollback leaves no gap."""

    code = models.CharField(_("备案代字"), max_length=30)
    year = models.PositiveSmallIntegerField(_("年份"))
    last = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        ordering = ["code", "year"]
        verbose_name = _("备案编号计数")
        verbose_name_plural = _("备案编号计数")
        constraints = [models.UniqueConstraint(fields=["code", "year"], name="registry_counter_unique")]

    def __str__(self) -> str:
        return f"{self.code}〔{self.year}〕{self.last}"


class AccountFields(models.Model):
    """What an application asks for and what the registry files: the same fields on both."""

    platform = models.CharField(_("平台"), max_length=20, choices=Platform.choices)
    platform_name = models.CharField(
        _("平台名称"), max_length=50, blank=True, help_text=_("境外平台或其他平台的名称")
    )
    account_kind = models.CharField(_("类型"), max_length=10, choices=AccountKind.choices)
    name = models.CharField(_("账号/群组名称"), max_length=100)
    platform_ref = models.CharField(_("平台ID或链接"), max_length=300, blank=True)
    purpose = models.TextField(_("用途"), blank=True)
    official_capacity = models.BooleanField(_("以职务身份注册/建立"), default=True)
    owner_kind = models.CharField(_("申请主体"), max_length=10, choices=OwnerKind.choices)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("主管单位"), on_delete=models.PROTECT, related_name="+")
    leader = models.CharField(_("分管领导"), max_length=50, blank=True)
    audience = models.PositiveIntegerField(_("预计受众/群规模"), null=True, blank=True)
    platform_verified = models.BooleanField(_("已通过平台认证"), default=False)
    content_review = models.TextField(_("内容审核安排"), blank=True)
    basis = models.CharField(
        _("备案依据"), max_length=12, choices=FilingBasis.choices, default=FilingBasis.OFFICIAL
    )

    class Meta:
        abstract = True

    @property
    def platform_label(self) -> str:
        label = self.get_platform_display()
        return f"{label}（{self.platform_name}）" if self.platform_name else label


class Account(AccountFields):
    """A filed account or group: in the registry from its filing on, closed ones included."""

    filing_number = models.CharField(_("备案编号"), max_length=60, unique=True)
    filing_code = models.CharField(_("备案代字"), max_length=30)
    filing_year = models.PositiveSmallIntegerField(_("备案年份"))
    filing_seq = models.PositiveIntegerField(_("备案序号"))
    filed_on = models.DateField(_("备案日期"))
    opened_on = models.DateField(_("开通日期"), null=True, blank=True)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registry_accounts",
    )
    owner_person = models.ForeignKey(
        Person, verbose_name=_("申请人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    status_on = models.DateField(_("状态日期"), null=True, blank=True)
    status_reason = models.CharField(_("原因"), max_length=300, blank=True)
    handover_needed = models.BooleanField(_("待交接"), default=False)
    handover_reason = models.CharField(_("交接原因"), max_length=300, blank=True)
    handover_since = models.DateField(_("待交接起始"), null=True, blank=True)
    imported = models.BooleanField(_("导入"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-filing_year", "-filing_seq", "-pk"]
        verbose_name = _("备案账号")
        verbose_name_plural = _("备案账号")
        indexes = [
            models.Index(fields=["-filing_year", "-filing_seq"], name="registry_account_order_idx"),
            models.Index(fields=["status", "platform"], name="registry_account_status_idx"),
            models.Index(fields=["unit", "status"], name="registry_account_unit_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["filing_code", "filing_year", "filing_seq"], name="registry_account_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status="active") | models.Q(status_on__isnull=False),
                name="registry_account_status_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filing_number} {self.name}"


class Application(AccountFields):
    """An application to open (开通备案) or change (变更备案) an account, and where it stands in its approval steps.

    `steps` is the list of steps resolved when it was submitted ({"role", "unit_id", "label"}); `step_index` is the
    current one and `current_role`/`current_unit` repeat it for the approvers' queries. `version` changes with every
    transition, so a decision made on a stale page is refused instead of being counted twice.
    """

    kind = models.CharField(
        _("申请类型"), max_length=10, choices=ApplicationKind.choices, default=ApplicationKind.OPEN
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("备案账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人账号"), on_delete=models.PROTECT, related_name="+"
    )
    applicant_person = models.ForeignKey(
        Person, verbose_name=_("申请人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    planned_open_on = models.DateField(_("计划开通日期"), null=True, blank=True)
    changed_on = models.DateField(_("变更发生日期"), null=True, blank=True)
    change_note = models.TextField(_("变更说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    steps = models.JSONField(_("审批步骤"), default=list, blank=True)
    step_index = models.PositiveSmallIntegerField(_("当前步骤"), default=0)
    current_role = models.CharField(_("当前审批角色"), max_length=20, choices=Role.choices, blank=True)
    current_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("当前审批组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    round = models.PositiveSmallIntegerField(_("提交轮次"), default=0)
    version = models.PositiveIntegerField(_("版本"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("备案申请")
        verbose_name_plural = _("备案申请")
        indexes = [
            models.Index(fields=["status", "current_role", "current_unit"], name="registry_app_queue_idx"),
            models.Index(fields=["applicant", "status"], name="registry_app_applicant_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.name}"

    @property
    def current_step(self) -> dict | None:
        if self.status != ApplicationStatus.SUBMITTED or self.step_index >= len(self.steps):
            return None
        return self.steps[self.step_index]


class AdminFields(models.Model):
    """An administrator of an account: a person of the roster where one matches, with a phone number.

    The phone number is personal information (article 6): sealed with AES-GCM like ID numbers and shown masked to
    everyone without `registry.see_phone` over the account's unit. `person_unit` is where the person worked when the
    administrator was filed, so a later move shows as a hand-over.
    """

    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("姓名"), max_length=50)
    phone_enc = models.TextField(_("手机号码（密文）"), blank=True, editable=False)
    phone_masked = models.CharField(_("手机号码"), max_length=20, blank=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} {self.phone_masked}".strip()

    @property
    def phone(self) -> str:
        from netconduct.core import crypto

        return crypto.decrypt(self.phone_enc, context=PHONE_CONTEXT) if self.phone_enc else ""


class ApplicationAdmin(AdminFields):
    """An administrator named in an application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="admins")
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所在组织（登记时）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["application", "position", "pk"]
        verbose_name = _("申请中的管理员")
        verbose_name_plural = _("申请中的管理员")


class AccountAdmin(AdminFields):
    """A filed administrator of an account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="admins")
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registry_admin_of",
    )
    person_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所在组织（登记时）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["account", "position", "pk"]
        verbose_name = _("账号管理员")
        verbose_name_plural = _("账号管理员")
        indexes = [models.Index(fields=["name"], name="registry_admin_name_idx")]


class ApplicationDecision(models.Model):
    """One approver's decision on one step of one submission round."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    round = models.PositiveSmallIntegerField(_("提交轮次"))
    step_index = models.PositiveSmallIntegerField(_("步骤"))
    step_label = models.CharField(_("步骤名称"), max_length=100)
    decision = models.CharField(_("意见"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("说明"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受托于"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "created_at", "pk"]
        verbose_name = _("审批意见")
        verbose_name_plural = _("审批意见")
        constraints = [
            # One decision per step of a round: the database's last word on "two approvers at the same moment".
            models.UniqueConstraint(
                fields=["application", "round", "step_index"], name="registry_decision_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step_label}：{self.get_decision_display()}"


class RegistryPolicy(models.Model):
    """A unit's settings for the registry, inherited by its subtree: the approval steps (when it lists any), the
    filing code (备案代字, e.g. 西北能化网备) and the size above which personal accounts are flagged for filing."""

    unit = models.OneToOneField(
        OrgUnit, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="registry_policy"
    )
    filing_code = models.CharField(
        _("备案代字"),
        max_length=30,
        blank=True,
        help_text=_("如“西北能化网备”；留空则沿用上级或按单位简称生成"),
    )
    follower_threshold = models.PositiveIntegerField(_("账号粉丝数备案标准"), null=True, blank=True)
    group_threshold = models.PositiveIntegerField(_("群成员数备案标准"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["unit__path"]
        verbose_name = _("备案设置")
        verbose_name_plural = _("备案设置")

    def __str__(self) -> str:
        return f"{self.unit} 备案设置"


class PolicyStep(models.Model):
    """One approval step of a policy: which role approves, at which level."""

    policy = models.ForeignKey(RegistryPolicy, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("顺序"))
    role = models.CharField(_("审批角色"), max_length=20, choices=Role.choices)
    level = models.CharField(_("层级"), max_length=12, choices=StepLevel.choices)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("指定组织"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField(_("步骤名称"), max_length=100, blank=True)

    class Meta:
        ordering = ["policy", "position"]
        verbose_name = _("审批步骤")
        verbose_name_plural = _("审批步骤")
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="registry_step_position_unique"),
            models.CheckConstraint(
                condition=~models.Q(level="unit") | models.Q(unit__isnull=False),
                name="registry_step_unit_given",
            ),
        ]

    def __str__(self) -> str:
        return self.label or f"{self.get_level_display()}·{self.get_role_display()}"


class Delegation(models.Model):
    """An approver's stand-in while away: `to_user` may decide what `from_user` may decide, between the dates."""

    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("委托人"),
        on_delete=models.CASCADE,
        related_name="registry_delegations_given",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受托人"),
        on_delete=models.CASCADE,
        related_name="registry_delegations_received",
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("审批委托")
        verbose_name_plural = _("审批委托")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="registry_delegation_dates"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_user=models.F("to_user")), name="registry_delegation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user}（{self.starts_on}—{self.ends_on}）"


class ReviewRound(models.Model):
    """A yearly review (年检) of the accounts filed under a unit."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=100)
    deadline = models.DateField(_("答复期限"))
    status = models.CharField(_("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-pk"]
        verbose_name = _("年检")
        verbose_name_plural = _("年检")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="registry_round_unit_year")]

    def __str__(self) -> str:
        return self.title


class ReviewItem(models.Model):
    """One account's answer in a review round."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="items")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="review_items")
    answer = models.CharField(
        _("答复"), max_length=10, choices=ReviewAnswer.choices, default=ReviewAnswer.PENDING
    )
    note = models.TextField(_("说明"), blank=True)
    audience = models.PositiveIntegerField(_("当前受众/群规模"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # An answer "ask to close" opens the closing step for the staff: pending until they approve (the account is
    # closed through `account_close`) or reject it, with their reason.
    close_status = models.CharField(
        "注销申请", max_length=10, choices=CloseRequest.choices, blank=True, default=""
    )
    close_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    close_decided_at = models.DateTimeField(_("注销申请处理时间"), null=True, blank=True)
    close_reason = models.CharField(_("不同意注销的理由"), max_length=300, blank=True)

    class Meta:
        ordering = ["round", "account__filing_year", "account__filing_seq"]
        verbose_name = _("年检答复")
        verbose_name_plural = _("年检答复")
        constraints = [
            models.UniqueConstraint(fields=["round", "account"], name="registry_review_item_unique")
        ]
        indexes = [
            models.Index(fields=["round", "answer"], name="registry_review_answer_idx"),
            models.Index(fields=["close_status"], name="registry_review_close_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.account}"


class DeclarationRound(models.Model):
    """A campaign's question to each of its people: do you run a personal account or group above the committee's
    sizes? A self-declaration only — the product never looks anyone's accounts up. The sizes are the committee's,
    copied here when the round is opened so that later changes to the policy do not change what was asked."""

    campaign = models.OneToOneField(
        "campaigns.Campaign",
        verbose_name=_("传达任务"),
        on_delete=models.CASCADE,
        related_name="declaration_round",
    )
    follower_threshold = models.PositiveIntegerField(_("账号粉丝数标准"))
    group_threshold = models.PositiveIntegerField(_("群成员数标准"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("规模申报")
        verbose_name_plural = _("规模申报")

    def __str__(self) -> str:
        return f"规模申报：{self.campaign}"


class Declaration(models.Model):
    """One person's answer to a declaration round, and (for "yes") what they declared. `unit` is the person's unit
    in the campaign (its target), for the counts by unit."""

    round = models.ForeignKey(DeclarationRound, on_delete=models.CASCADE, related_name="declarations")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("所在组织"), on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("申报"), max_length=4, choices=DeclarationAnswer.choices)
    platform = models.CharField(_("平台"), max_length=20, choices=Platform.choices, blank=True)
    account_kind = models.CharField(_("类型"), max_length=10, choices=AccountKind.choices, blank=True)
    name = models.CharField(_("账号/群组名称"), max_length=100, blank=True)
    audience = models.PositiveIntegerField(_("粉丝数/群成员数"), null=True, blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(_("申报时间"))

    class Meta:
        ordering = ["round", "unit__path", "pk"]
        verbose_name = _("规模申报答复")
        verbose_name_plural = _("规模申报答复")
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="registry_declaration_once"),
            models.CheckConstraint(
                condition=models.Q(answer="no") | (~models.Q(platform="") & ~models.Q(name="")),
                name="registry_declaration_yes_named",
            ),
        ]
        indexes = [models.Index(fields=["round", "unit", "answer"], name="registry_declaration_unit_idx")]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_answer_display()}"
