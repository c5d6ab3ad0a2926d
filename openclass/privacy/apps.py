from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "openclass.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from openclass.core.registry import register_demo_builder, register_read_recorder

        # access registers the object rules of the privacy capabilities; exports, the access
        # log's part of a person's data archive.
        from . import access, demo, exports, services  # noqa: F401

        register_read_recorder(services.record_read)

        register_demo_builder(
            "privacy", demo.build_demo, exists=demo.demo_exists, after=("accounts",)
        )
