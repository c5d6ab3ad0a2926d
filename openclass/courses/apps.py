from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "openclass.courses"
    label = "courses"
    verbose_name = _("Courses and lessons")

    def ready(self) -> None:
        from openclass.core.registry import add_search_source, register_demo_builder

        # access registers the object rules of the capabilities courses decide ("course.manage",
        # "course.read_records"); panels, what courses adds to the home page (core.registry).
        from . import access, demo, exports, panels, search  # noqa: F401

        for source in search.SOURCES:
            add_search_source(source)
        # The LRS lets a course's managers read its statements (xapi sits below courses).
        from openclass.xapi.access import register_course_scope

        register_course_scope(managed_course_ids)
        register_demo_builder(
            "courses", demo.build_demo, exists=demo.demo_courses_exist, after=("accounts",)
        )


def managed_course_ids(user: Any) -> list[int]:
    """The ids of the courses ``user`` manages (``courses.access``'s rule)."""
    from .access import manageable_course_ids

    return manageable_course_ids(user)
