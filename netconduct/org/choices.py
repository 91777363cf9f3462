from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    GROUP = "group", _("集团")
    COMPANY = "company", _("公司")
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    DEPARTMENT = "department", _("部门")
    PARTY_GROUP = "party_group", _("党小组")


class Category(models.TextChoices):
    PARTY_MEMBER = "party_member", _("中共党员")
    PROBATIONARY = "probationary", _("预备党员")
    CADRE = "cadre", _("干部")
    EMPLOYEE = "employee", _("职工")


# The boolean field behind each category (a person can be several).
CATEGORY_FIELDS = {
    Category.PARTY_MEMBER: "is_party_member",
    Category.PROBATIONARY: "is_probationary",
    Category.CADRE: "is_cadre",
    Category.EMPLOYEE: "is_employee",
}


class PoliticalStatus(models.TextChoices):
    """政治面貌 as rosters write it: the standard values, and the two steps towards membership offices keep there."""

    PARTY_MEMBER = "party_member", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    CANDIDATE = "candidate", _("发展对象")
    ACTIVIST = "activist", _("入党积极分子")
    LEAGUE = "league", _("共青团员")
    DEMOCRATIC_PARTY = "democratic_party", _("民主党派成员")
    NON_PARTY = "non_party", _("无党派人士")
    NONE = "masses", _("群众")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在岗")
    TRANSFERRED = "transferred", _("调离")
    RETIRED = "retired", _("退休")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Role(models.TextChoices):
    SYSADMIN = "sysadmin", _("系统管理员")
    UNIT_ADMIN = "unit_admin", _("单位管理员")
    SECRETARY = "secretary", _("支部书记")
    INSPECTOR = "inspector", _("纪检监察员")
    MEMBER = "member", _("党员职工")
