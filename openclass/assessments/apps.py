from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "openclass.assessments"
    label = "assessments"
    verbose_name = _("Quizzes, assignments and grades")

    def ready(self) -> None:
        from openclass.core.registry import register_demo_builder

        # access registers the object rules of the capabilities assessments decide
        # ("gradebook.view"); panels, what assessments adds to the home page; todo_panels, to the
        # to-do page.
        from . import access, demo, exports, panels, todo_panels  # noqa: F401

        register_demo_builder(
            "assessments", demo.build_demo, exists=demo.demo_assessments_exist, after=("courses",)
        )
