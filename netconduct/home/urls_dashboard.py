from django.urls import path

from . import views_dashboard as views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="index"),
    path("export/", views.dashboard_export, name="export"),
    path("<slug:section>/", views.dashboard_drill, name="drill"),
    path("<slug:section>/<int:pk>/", views.dashboard_drill, name="drill_unit"),
]
