from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "openclass.assessments"
    label = "assessments"
    verbose_name = _("Quizzes, assignments and grades")

    def ready(self) -> None:
        # Registers the object rules of the capabilities assessments decide ("gradebook.view").
        from . import access  # noqa: F401
