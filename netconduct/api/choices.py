from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyScope(models.TextChoices):
    """What an API key may do, inside its unit's subtree. Each endpoint names the one scope it needs."""

    UNITS_READ = "units:read", _("读取组织")
    UNITS_WRITE = "units:write", _("新建、移动组织")
    PEOPLE_READ = "people:read", _("读取人员")
    PEOPLE_WRITE = "people:write", _("批量同步人员")
    CAMPAIGNS_READ = "campaigns:read", _("读取传达活动与完成情况")
    STUDIES_READ = "studies:read", _("读取学习记录与考勤")
    PLEDGES_READ = "pledges:read", _("读取承诺书签订情况、核验")
    PLEDGES_PDF = "pledges:pdf", _("下载签章承诺书 PDF")
    REGISTRY_READ = "registry:read", _("读取账号备案")
    REPORTS_READ = "reports:read", _("读取举报与案件数量（不含内容）")
    EVENTS_MANAGE = "events:manage", _("订阅事件推送")
