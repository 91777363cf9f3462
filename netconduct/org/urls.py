from django.urls import path

from . import views
from .roster import views as roster_views

app_name = "org"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/add/", views.unit_add, name="unit_add"),
    path("units/<int:pk>/move/", views.unit_move, name="unit_move"),
    path("units/<int:pk>/close/", views.unit_close, name="unit_close"),
    path("units/<int:pk>/grants/", views.unit_grants, name="unit_grants"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("grants/sensitive/", views.sensitive_grants, name="sensitive_grants"),
    path("people/", views.people, name="people"),
    path("units/<int:pk>/people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/reveal-id/", views.person_reveal_id, name="person_reveal_id"),
    path("roster/", roster_views.roster_upload, name="roster_import"),
    path("roster/<str:token>/", roster_views.roster_preview, name="roster_preview"),
]
