from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/launch/", views.campaign_launch, name="launch"),
    path("<int:pk>/close/", views.campaign_close, name="close"),
    path("<int:pk>/copy/", views.campaign_copy, name="copy"),
    path("<int:pk>/compare/", views.campaign_year_compare, name="year_compare"),
    path("<int:pk>/compare.xlsx", views.campaign_year_compare_export, name="year_compare_export"),
    path("<int:pk>/repledge/", views.campaign_repledge, name="repledge"),
    path("<int:pk>/export.xlsx", views.campaign_export, name="export"),
    path("<int:pk>/summary.pdf", views.campaign_summary_pdf, name="summary_pdf"),
    path("targets/<int:pk>/proxy/", views.target_proxy, name="target_proxy"),
    path("my/<int:pk>/", views.my_task, name="my_task"),
    path("my/<int:pk>/read/<int:document_pk>/", views.my_read, name="my_read"),
]
