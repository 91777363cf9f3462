"""The organisation tree, the people in it, and the role grants that give accounts reach over a subtree."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from netconduct.core import crypto

from .choices import CATEGORY_FIELDS, Category, Gender, PersonStatus, PoliticalStatus, Role, UnitKind
from .scoping import subtree_q

ID_CONTEXT = "person.id_number"


class OrgUnitQuerySet(MP_NodeQuerySet):
    def subtree_of(self, unit: OrgUnit) -> OrgUnitQuerySet:
        """The unit and everything below it, in one query on the materialised path."""
        return self.filter(subtree_q("path", unit.path))


class OrgUnitManager(MP_NodeManager.from_queryset(OrgUnitQuerySet)):
    def get_queryset(self) -> OrgUnitQuerySet:
        return OrgUnitQuerySet(self.model, using=self._db).order_by("path")


class OrgUnit(MP_Node):
    """A unit of the organisation: 集团, 公司, 党委, 党总支, 党支部, 部门 or 党小组.

    Units are never deleted: a closed unit keeps its people's history and its audit trail, and its path keeps
    it in its place so that old records still show where they belonged.
    """

    steplen = 4
    node_order_by = None

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    code = models.CharField(
        _("代字"), max_length=30, blank=True, help_text=_("发文代字、备案编号等使用的简称，如“西北能化党”")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    closed_on = models.DateField(_("撤销日期"), null=True, blank=True)
    closed_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgUnitManager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        indexes = [models.Index(fields=["kind", "is_active"], name="orgunit_kind_active_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_active=True) | models.Q(closed_on__isnull=False),
                name="orgunit_closed_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def parent_path(self) -> str:
        return self.path[: -self.steplen]

    @property
    def is_branch(self) -> bool:
        return self.kind == UnitKind.BRANCH


class PersonQuerySet(models.QuerySet):
    def in_subtree(self, unit: OrgUnit) -> PersonQuerySet:
        return self.filter(subtree_q("unit__path", unit.path))

    def with_category(self, category: str) -> PersonQuerySet:
        return self.filter(**{CATEGORY_FIELDS[Category(category)]: True})

    def current(self) -> PersonQuerySet:
        return self.filter(status=PersonStatus.ACTIVE)


class Person(models.Model):
    """A party member, cadre or employee as the HR roster knows them.

    The resident ID number is personal information (article 6 of the norms): it is kept encrypted, matched by a
    keyed hash and shown masked; gender and birth date are derived from it.
    """

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="people"
    )
    name = models.CharField(_("姓名"), max_length=50)
    name_initials = models.CharField(_("拼音首字母"), max_length=50, db_index=True, editable=False)
    name_pinyin = models.CharField(_("拼音"), max_length=200, editable=False)
    employee_no = models.CharField(_("工号"), max_length=30, null=True, blank=True, unique=True)
    id_number_enc = models.TextField(_("身份证号（密文）"), editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    mobile = models.CharField(_("手机号码"), max_length=11, blank=True, db_index=True)
    # The one place a person's e-mail address is kept; their account's User.email follows it (org.services), so
    # reminders, which read the account's address, reach people whose address came from the roster.
    email = models.EmailField(_("电子邮箱"), blank=True)
    is_party_member = models.BooleanField(_("中共党员"), default=False)
    is_probationary = models.BooleanField(_("预备党员"), default=False)
    is_cadre = models.BooleanField(_("干部"), default=False)
    is_employee = models.BooleanField(_("职工"), default=True)
    political_status = models.CharField(
        _("政治面貌"), max_length=20, choices=PoliticalStatus.choices, default=PoliticalStatus.NONE
    )
    position = models.CharField(_("职务/岗位"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    status_since = models.DateField(_("状态日期"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name_pinyin", "name", "pk"]  # 按拼音排序，as a Chinese list is read
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        indexes = [
            models.Index(fields=["unit", "name_pinyin"], name="person_unit_pinyin_idx"),
            models.Index(fields=["status", "name_pinyin"], name="person_status_pinyin_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(employee_no=""), name="person_employee_no_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        """The clear ID number; read it only where a role needs it, and never log it."""
        return crypto.decrypt(self.id_number_enc, context=ID_CONTEXT)

    @property
    def categories(self) -> list[str]:
        return [str(Category(c).label) for c, field in CATEGORY_FIELDS.items() if getattr(self, field)]

    @property
    def mobile_masked(self) -> str:
        return crypto.mask_mobile(self.mobile) if self.mobile else ""

    @property
    def choice_label(self) -> str:
        """The name as offered where people are picked: namesakes are told apart by employee number and unit
        (select the unit with the person)."""
        return person_choice_label(self.name, self.employee_no, self.unit.name)


def person_choice_label(name: str, employee_no: str | None, unit_name: str) -> str:
    details = " · ".join(part for part in (employee_no, unit_name) if part)
    return gettext("%(name)s（%(details)s）") % {"name": name, "details": details}


class RoleGrant(models.Model):
    """(account, role, unit): the role reaches the unit's whole subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="grants")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit__path", "role"]
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="rolegrant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"
