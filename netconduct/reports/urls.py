from django.urls import path

from . import case_views, referral_views, views

app_name = "reports"
urlpatterns = [
    path("", views.report_home, name="home"),
    path("new/", views.report_file, name="file"),
    path("follow/", views.report_follow, name="follow"),
    path("follow/add/", views.report_follow_add, name="follow_add"),
    path("handle/", views.handle_list, name="handle_list"),
    path("handle/<int:pk>/", views.handle_detail, name="handle_detail"),
    path("handle/<int:pk>/assign/", views.handle_assign, name="handle_assign"),
    path("handle/<int:pk>/advance/", views.handle_advance, name="handle_advance"),
    path("handle/<int:pk>/message/", views.handle_message, name="handle_message"),
    path("handle/<int:pk>/nuisance/", views.handle_nuisance, name="handle_nuisance"),
    path("handle/<int:pk>/files/<int:file_pk>/", views.handle_file, name="handle_file"),
    path("handle/<int:pk>/refer/", referral_views.report_refer, name="handle_refer"),
    path(
        "handle/<int:pk>/referrals/<int:referral_pk>/reply/",
        referral_views.report_referral_reply,
        name="handle_referral_reply",
    ),
    path("stats/", views.report_stats, name="stats"),
    # cases (article 9)
    path("cases/", case_views.violation_list, name="violation_list"),
    path("cases/new/", case_views.violation_create, name="violation_create"),
    path("cases/<int:pk>/", case_views.violation_detail, name="violation_detail"),
    path("cases/<int:pk>/advance/", case_views.violation_advance, name="violation_advance"),
    path("cases/<int:pk>/note/", case_views.violation_note, name="violation_note"),
    path("cases/<int:pk>/files/<int:file_pk>/", case_views.violation_file, name="violation_file"),
    path("cases/<int:pk>/waive/", case_views.violation_waive, name="violation_waive"),
    path("cases/<int:pk>/refer/", referral_views.case_refer, name="violation_refer"),
    path(
        "cases/<int:pk>/referrals/<int:referral_pk>/reply/",
        referral_views.case_referral_reply,
        name="violation_referral_reply",
    ),
    path("cases/mine/<int:pk>/", case_views.my_case, name="my_case"),
    path("cases/mine/<int:pk>/waive/", case_views.my_case_waive, name="my_case_waive"),
    path("support/", case_views.support_list, name="support_list"),
    path("support/commendations/new/", case_views.commendation_create, name="commendation_create"),
    path("support/protections/new/", case_views.protection_create, name="protection_create"),
    path("support/protections/<int:pk>/", case_views.protection_detail, name="protection_detail"),
]
