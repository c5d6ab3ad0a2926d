from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "openclass.operations"
    label = "operations"
    verbose_name = _("Course applications and instructors")

    def ready(self) -> None:
        from openclass.core.registry import add_search_source, register_demo_builder

        # access registers the object rules of the capabilities operations decide
        # ("operations.confirm_sessions", "operations.view_survey_results", …); panels, what
        # operations adds to the home page; todo_panels, to the to-do page.
        from . import access, demo, exports, panels, search, todo_panels  # noqa: F401

        for source in search.SOURCES:
            add_search_source(source)
        register_demo_builder(
            "operations", demo.build_demo, exists=demo.demo_operations_exist, after=("live",)
        )
