"""What a learner's part of the course page shows, computed where it is drawn:
``{% my_progress course enrolment %}`` (progress, or live classes attended in a live-only
course, and "이어서 학습" to the next lesson not done) and ``{% handed_in_lessons course as ids %}``
(the quizzes and assignments the viewer handed in, for each lesson's state,
``courses/_lesson_state.html``)."""

from __future__ import annotations

from typing import Any

from django import template

from .. import selectors
from ..models import Course, Enrolment, Lesson
from ..services import progress_resume

register = template.Library()


@register.inclusion_tag("courses/_my_progress.html", takes_context=True)
def my_progress(
    context: template.Context, course: Course, enrolment: Enrolment | None
) -> dict[str, Any]:
    """The enrolled viewer's progress in ``course`` and where to continue."""
    user = context["user"]
    done, required = selectors.course_progress(user, course)
    attended, held = selectors.live_attendance(user, [course.pk]).get(course.pk, (0, 0))
    return {
        "course": course,
        "enrolment": enrolment,
        "done": done,
        "required": required,
        "percent": int(done * 100 / required) if required else 0,
        "live_attended": attended,
        "live_held": held,
        "resume": selectors.next_in_course(user, course) if selectors.is_open(course) else None,
    }


@register.simple_tag(takes_context=True)
def handed_in_lessons(context: template.Context, course: Course) -> set[int]:
    """The ids of the quiz and assignment lessons of ``course`` the viewer handed in."""
    ids = list(
        Lesson.objects.filter(section__course=course, kind__in=Lesson.ASSESSMENT_KINDS).values_list(
            "pk", flat=True
        )
    )
    return progress_resume.handed_in(context["user"], ids)


@register.filter
def file_name(field: Any) -> str:
    """A stored file's own name, without the storage folders ("documents/2026/12/a.pdf" →
    "a.pdf")."""
    name = getattr(field, "name", "") or ""
    return name.rsplit("/", 1)[-1]


@register.filter
def file_size(field: Any) -> int | None:
    """A stored file's size in bytes (for ``|filesizeformat``); None when the storage cannot
    say (the file is gone)."""
    try:
        return int(field.size) if field else None
    except OSError:
        return None
