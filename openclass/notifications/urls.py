from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notifications, name="list"),
    path("read/", views.mark_read, name="read"),
    path("<int:pk>/", views.open_notification, name="open"),
    path("settings/", views.my_settings, name="settings"),
    path("message/", views.message_class, name="message_class"),
]
