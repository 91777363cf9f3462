from django.urls import include, path

from netconduct.core import views as core_views
from netconduct.home import views as home_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("", include("netconduct.ops.urls")),  # healthz, readyz, metrics
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("accounts/", include("netconduct.accounts.urls")),
    path("org/", include("netconduct.org.urls")),
    path("audit/", include("netconduct.home.urls_audit")),
    path("dashboard/", include("netconduct.home.urls_dashboard")),
    path("documents/", include("netconduct.documents.urls")),
    path("campaigns/", include("netconduct.campaigns.urls")),
    path("campaigns/", include("netconduct.studies.urls")),
    path("campaigns/", include("netconduct.notifications.urls")),
    path("jobs/", include("netconduct.notifications.urls_jobs")),
    path("selfcheck/", include("netconduct.selfcheck.urls")),
    path("pledges/", include("netconduct.pledges.urls")),
    path("registry/", include("netconduct.registry.urls")),
    path("reports/", include("netconduct.reports.urls")),
    path("evidence/", include("netconduct.evidence.urls")),
    path("api/", include("netconduct.api.urls")),
    path("webhooks/", include("netconduct.webhooks.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
