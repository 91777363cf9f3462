from django.urls import path

from . import followup_views, views

app_name = "registry"

urlpatterns = [
    path("", views.registry_list, name="list"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("export.pdf", views.export_pdf, name="export_pdf"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("accounts/<int:pk>/change/", views.account_change, name="account_change"),
    path("accounts/<int:pk>/suspend/", views.account_suspend, name="account_suspend"),
    path("accounts/<int:pk>/resume/", views.account_resume, name="account_resume"),
    path("accounts/<int:pk>/close/", views.account_close, name="account_close"),
    path("applications/", views.application_list, name="applications"),
    path("applications/new/", views.application_create, name="apply"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application_submit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/decide/", views.application_decide, name="application_decide"),
    path("settings/<int:unit_pk>/", views.policy_edit, name="policy"),
    path("delegations/", views.delegation_list, name="delegations"),
    path("delegations/<int:pk>/revoke/", views.delegation_revoke, name="delegation_revoke"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/new/", views.review_create, name="review_create"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/<int:pk>/remind/", views.review_remind, name="review_remind"),
    path("reviews/<int:pk>/close/", views.review_close, name="review_close"),
    path("reviews/items/<int:pk>/", views.review_answer, name="review_answer"),
    path("late/", followup_views.late_list, name="late"),
    path("late/export.xlsx", followup_views.late_export, name="late_export"),
    path("close-requests/", followup_views.close_request_list, name="close_requests"),
    path(
        "close-requests/<int:pk>/approve/", followup_views.close_request_approve, name="close_request_approve"
    ),
    path("close-requests/<int:pk>/reject/", followup_views.close_request_reject, name="close_request_reject"),
    path("declarations/", followup_views.declaration_round_list, name="declaration_rounds"),
    path("declarations/new/", followup_views.declaration_round_create, name="declaration_round_create"),
    path("declarations/<int:pk>/", followup_views.declaration_round_detail, name="declaration_round"),
    path(
        "declarations/<int:pk>/export.xlsx",
        followup_views.declaration_round_export,
        name="declaration_export",
    ),
    path("declarations/<int:pk>/declare/", followup_views.declare, name="declare"),
    path("import/", views.import_upload, name="import"),
    path("import/<str:token>/", views.import_preview, name="import_preview"),
]
