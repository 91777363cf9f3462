from django.urls import path

from . import views

app_name = "notifications"

# Under /campaigns/ as before notifications had their own room.
urlpatterns: list = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("units/<int:pk>/webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/toggle/", views.webhook_toggle, name="webhook_toggle"),
    path("webhooks/<int:pk>/test/", views.webhook_test, name="webhook_test"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
