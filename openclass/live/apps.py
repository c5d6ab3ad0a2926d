from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "openclass.live"
    label = "live"
    verbose_name = _("Live classes")

    def ready(self) -> None:
        from openclass.core.registry import register_demo_builder

        # access registers the object rule of "live.host"; panels, what live adds to the home
        # page.
        from . import access, demo, panels  # noqa: F401

        register_demo_builder(
            "live", demo.build_demo, exists=demo.demo_live_exists, after=("courses",)
        )
