from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "openclass.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # access registers the object rule of "notifications.message_class".
        from openclass.core.registry import register_demo_builder

        from . import access, demo, panels  # noqa: F401

        register_demo_builder(
            "notifications", demo.build_demo, exists=demo.demo_exists, after=demo.AFTER
        )
