from django.urls import path

from . import views

app_name = "selfcheck"
urlpatterns = [
    path("", views.check, name="check"),
    path("download/", views.download, name="download"),
    path("keywords/", views.keywords, name="keywords"),
    path("keywords/<int:pk>/delete/", views.keyword_delete, name="keyword_delete"),
]
