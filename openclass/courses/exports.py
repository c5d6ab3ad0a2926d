"""What courses holds about a person, for their data archive (``privacy``'s "download my
data"): a learner's enrolments, watch progress and attendance; a teacher's courses."""

from __future__ import annotations

from django.db.models import Q

from openclass.accounts.models import User
from openclass.core.registry import ExportPart, exporter

from .models import Attendance, Course, Enrolment, LessonProgress


@exporter("courses.learning")
def learning(person: User) -> ExportPart | None:
    enrolments = Enrolment.objects.filter(student=person).select_related("course")
    progress = LessonProgress.objects.filter(student=person).select_related(
        "lesson__section__course"
    )
    marks = Attendance.objects.filter(student=person).select_related("session__course")
    if not (enrolments.exists() or progress.exists() or marks.exists()):
        return None
    return ExportPart(
        {
            "enrolments": [
                {
                    "course": e.course.title,
                    "course_id": e.course_id,
                    "enrolled_at": e.enrolled_at,
                    "completed_at": e.completed_at,
                    "last_activity_at": e.last_activity_at,
                }
                for e in enrolments.order_by("enrolled_at", "pk")
            ],
            "progress": [
                {
                    "course": p.lesson.section.course.title,
                    "lesson": p.lesson.title,
                    "seconds_watched": p.watched,
                    "furthest_second": p.furthest,
                    "resume_at_second": p.position,
                    "length_seconds": p.duration,
                    "opened_at": p.opened_at,
                    "last_beat_at": p.last_beat_at,
                    "completed_at": p.completed_at,
                }
                for p in progress.order_by("opened_at", "pk")
            ],
            "attendance": [
                {
                    "course": m.session.course.title,
                    "session": m.session.shown_title,
                    "day": m.session.day,
                    "kind": m.session.get_kind_display(),
                    "status": m.get_status_display(),
                    "minutes": m.minutes,
                    "first_seen_at": m.first_seen_at,
                    "completed_at": m.completed_at,
                    "corrected_by_a_teacher": m.corrected,
                }
                for m in marks.order_by("session__day", "pk")
            ],
        }
    )


@exporter("courses.teaching")
def teaching(person: User) -> ExportPart | None:
    """The courses a person owns or teaches, with their sections and lessons (no students'
    records: those are the students' data)."""
    courses = (
        Course.objects.filter(Q(owner=person) | Q(teachers=person))
        .distinct()
        .prefetch_related("sections__lessons")
        .order_by("pk")
    )
    if not courses:
        return None
    return ExportPart(
        [
            {
                "id": c.pk,
                "title": c.title,
                "summary": c.summary,
                "scope": c.get_scope_display(),
                "owner": c.owner_id == person.pk,
                "published": c.is_published,
                "opens_on": c.opens_on,
                "closes_on": c.closes_on,
                "sections": [
                    {
                        "title": s.title,
                        "lessons": [
                            {"title": lesson.title, "kind": lesson.get_kind_display()}
                            for lesson in s.lessons.all()
                        ],
                    }
                    for s in c.sections.all()
                ],
            }
            for c in courses
        ]
    )
