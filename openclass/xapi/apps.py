from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XapiConfig(AppConfig):
    name = "openclass.xapi"
    label = "xapi"
    verbose_name = _("Learning records (xAPI)")

    def ready(self) -> None:
        from openclass.core.registry import register_demo_builder

        from . import demo

        register_demo_builder("xapi", demo.build_demo, exists=demo.demo_exists, after=("accounts",))
