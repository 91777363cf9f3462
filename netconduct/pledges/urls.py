from django.urls import path

from . import urls_paper, views

app_name = "pledges"
urlpatterns = [
    path("", views.my_pledges, name="mine"),
    path("sign/<int:target_pk>/", views.sign, name="sign"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.status_fragment, name="status"),
    path("<int:pk>/pledge.pdf", views.pdf, name="pdf"),
    path("verify/", views.verify, name="verify"),
    path("v/<str:code>/", views.verify_code, name="verify_code"),
    path("campaigns/<int:campaign_pk>/quiz/", views.quiz, name="quiz"),
    *urls_paper.urlpatterns,
]
