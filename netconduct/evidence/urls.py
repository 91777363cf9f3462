from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("", views.pack_list, name="pack_list"),
    path("<int:pk>/", views.pack_detail, name="pack_detail"),
    path("<int:pk>/status/", views.pack_status, name="pack_status"),
    path("<int:pk>/download/", views.pack_download, name="pack_download"),
]
