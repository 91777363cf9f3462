"""Study sessions, QR sign-in, review and the yearly rule, under /campaigns/sessions/ as before the app had its own
room."""

from django.urls import path

from . import records, views

app_name = "studies"

urlpatterns = [
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/new/<int:unit_pk>/", views.session_create, name="session_create"),
    path("sessions/yearly/", views.yearly_rule, name="yearly_rule"),
    path("sessions/yearly/export/", views.yearly_rule_export, name="yearly_rule_export"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/qr/", views.session_qr, name="session_qr"),
    path("sessions/<int:pk>/signins/", views.session_signins, name="session_signins"),
    path("sessions/<int:pk>/signin/<str:token>/", views.session_signin, name="session_signin"),
    path("sessions/<int:pk>/evidence/", views.session_evidence, name="session_evidence"),
    path(
        "sessions/<int:pk>/evidence/<int:evidence_pk>/",
        views.session_evidence_file,
        name="session_evidence_file",
    ),
    path("sessions/<int:pk>/record/", records.session_record, name="session_record"),
    path("sessions/<int:pk>/submit/", views.session_submit, name="session_submit"),
    path("sessions/<int:pk>/review/", views.session_review, name="session_review"),
]
