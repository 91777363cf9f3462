from django.urls import reverse
from django.utils.translation import pgettext

from netconduct.core import background
from netconduct.org import scoping


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    items = [
        (pgettext("nav", "首页"), reverse("home"), None),
        (pgettext("nav", "宣贯"), reverse("campaigns:list"), None),
        (pgettext("nav", "承诺书"), reverse("pledges:mine"), None),
    ]
    if scoping.has_any(user, "dashboard.view"):
        items.insert(1, (pgettext("nav", "看板"), reverse("dashboard:index"), "dashboard.view"))
    if scoping.has_any(user, "document.view"):
        items.append((pgettext("nav", "文件"), reverse("documents:list"), "document.view"))
    items.append((pgettext("nav", "自查"), reverse("selfcheck:check"), None))
    items.append((pgettext("nav", "账号备案"), reverse("registry:list"), None))
    items.append((pgettext("nav", "举报"), reverse("reports:home"), None))
    if scoping.has_any(user, "report.handle"):
        items.append((pgettext("nav", "举报处理"), reverse("reports:handle_list"), "report.handle"))
    if scoping.has_any(user, "session.view"):
        items.append((pgettext("nav", "学习"), reverse("studies:session_list"), "session.view"))
    if scoping.has_any(user, "evidence.pack"):
        items.append((pgettext("nav", "检查材料"), reverse("evidence:pack_list"), "evidence.pack"))
    admin_from = len(items)  # from here on: the administration pages
    if scoping.has_any(user, "org.view"):
        items.append((pgettext("nav", "组织"), reverse("org:tree"), "org.view"))
    if scoping.has_any(user, "person.view"):
        items.append((pgettext("nav", "人员"), reverse("org:people"), "person.view"))
    if scoping.has_any(user, "roster.import"):
        items.append((pgettext("nav", "花名册"), reverse("org:roster_import"), "roster.import"))
    if scoping.has_any(user, "account.activate"):
        items.append((pgettext("nav", "账号开通"), reverse("accounts:activation_units"), "account.activate"))
    staff = scoping.has_any(user, "audit.view")
    if staff:
        items.append((pgettext("nav", "审计"), reverse("audit:list"), "audit.view"))
    if scoping.has_any(user, "grant.sensitive_view"):
        items.append((pgettext("nav", "敏感角色"), reverse("org:sensitive_grants"), "grant.sensitive_view"))
    if scoping.has_any(user, "event.manage"):
        items.append((pgettext("nav", "事件推送"), reverse("webhooks:subscriptions"), "event.manage"))
    if scoping.has_any(user, "system.jobs"):
        items.append((pgettext("nav", "定时任务"), reverse("jobs:list"), "system.jobs"))
    admin_urls = {url for _label, url, _action in items[admin_from:]}
    # The longest matching prefix wins, so /org/roster/ lights up 花名册导入 and not 组织 (/org/).
    matches = [url for _label, url, _action in items if (path == url if url == "/" else path.startswith(url))]
    current = max(matches, key=len, default=None)
    nav = [
        {"label": label, "url": url, "active": url == current, "admin": url in admin_urls}
        for label, url, _action in items
    ]
    # A system administrator's menu holds nineteen pages: the administration ones go under one "管理" menu (when
    # there are more than two), so the bar stays one line at desk width, in Chinese and in English.
    admin = [item for item in nav if item["admin"]]
    if len(admin) <= 2:  # a secretary's 人员 and 账号开通 stay in sight
        admin = []
    context = {"nav_items": [item for item in nav if item not in admin], "nav_admin": admin}
    if staff:
        # Staff are the ones who can start a worker; a member would only be alarmed by it.
        context["stalled_tasks"] = background.stalled_tasks()
    return context
