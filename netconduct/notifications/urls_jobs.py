from django.urls import path

from . import views_jobs

app_name = "jobs"

urlpatterns: list = [
    path("", views_jobs.jobs, name="list"),
]
