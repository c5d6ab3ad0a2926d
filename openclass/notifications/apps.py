from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "openclass.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # access registers the object rule of "notifications.message_class".
        from . import access  # noqa: F401
