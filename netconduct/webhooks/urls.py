from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns: list = [
    path("", views.subscriptions, name="subscriptions"),
    path("<int:pk>/toggle/", views.subscription_toggle, name="subscription_toggle"),
    path("<int:pk>/rotate/", views.subscription_rotate, name="subscription_rotate"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery"),
    path("deliveries/<int:pk>/replay/", views.delivery_replay, name="delivery_replay"),
]
