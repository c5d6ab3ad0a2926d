from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "openclass.operations"
    label = "operations"
    verbose_name = _("Course applications and instructors")

    def ready(self) -> None:
        # Registers the object rules of the capabilities operations decide
        # ("operations.confirm_sessions", "operations.view_survey_results", …).
        from . import access  # noqa: F401
