from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LtiConfig(AppConfig):
    name = "openclass.lti"
    label = "lti"
    verbose_name = _("Outside tools (LTI 1.3)")

    def ready(self) -> None:
        from openclass.core.registry import register_demo_builder

        # access registers the object rules of "lti.register" and "lti.manage".
        from . import access, demo  # noqa: F401

        # The demo outside tool (/demo-tool/), registered as the office registers a tool, and a
        # lesson that launches it in a demo course.
        register_demo_builder("lti", demo.build_demo, exists=demo.demo_exists, after=("courses",))
