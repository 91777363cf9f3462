from django.urls import path

from . import dingtalk, oidc_views, views, wecom

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/ldap/", views.login_ldap, name="login_ldap"),
    path("login/wecom/", wecom.login_wecom, name="login_wecom"),
    path("login/wecom/callback/", wecom.login_wecom_callback, name="login_wecom_callback"),
    path("login/dingtalk/", dingtalk.login_dingtalk, name="login_dingtalk"),
    path("login/dingtalk/callback/", dingtalk.login_dingtalk_callback, name="login_dingtalk_callback"),
    path("login/oidc/", oidc_views.oidc_start, name="oidc_start"),
    path("login/oidc/callback/", oidc_views.oidc_callback, name="oidc_callback"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("otp/", views.otp_verify, name="otp"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("profile/", views.profile, name="profile"),
    path("language/", views.language, name="language"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("units/", views.activation_units, name="activation_units"),
    path("units/<int:pk>/sheet/", views.activation_sheet, name="activation_sheet"),
    path("people/<int:pk>/reset/", views.person_reset, name="person_reset"),
    path("people/<int:pk>/reactivate/", views.person_reactivate, name="person_reactivate"),
    path("activate/", views.activate_code, name="activate_code"),
    path("activate/<str:token>/", views.activate, name="activate"),
]
