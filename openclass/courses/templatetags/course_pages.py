"""``{% course_tabs course "timeline" %}``: the tab bar of a course's pages (its lessons, timeline,
students, attendance, grades and settings), each tab shown only to whom its page opens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from openclass.accounts import scoping
from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User

from .. import access
from ..models import Course, Enrolment

register = template.Library()


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url: str


def course_tabs_for(user: User, course: Course) -> list[Tab]:
    """The tabs of a course's pages that ``user`` may open, each asked with the rule its page
    asks (so a tab never leads to a 403): the lessons (the course page) and the timeline for
    whoever sees the course; students for whom may enrol into it; attendance and the gradebook
    for whom reads its records ("course.read_records", "gradebook.view"); a student's or a
    parent's own grades; the settings for its managers."""
    pk = course.pk
    tabs = [
        Tab("lessons", _("Lessons"), reverse("courses:detail", args=[pk])),
        Tab("timeline", _("Timeline"), reverse("courses:timeline", args=[pk])),
    ]
    manages = access.can_manage_course(user, course)
    if access.can_enrol_into(user, course):
        label = _("Students") if manages else _("Enrol my students")
        tabs.append(Tab("students", label, reverse("courses:enrolments", args=[pk])))
    if has_capability(user, "course.read_records", course):
        tabs.append(Tab("attendance", _("Attendance"), reverse("courses:attendance", args=[pk])))
    if has_capability(user, "gradebook.view", course):
        tabs.append(Tab("grades", _("Gradebook"), reverse("assessments:gradebook", args=[pk])))
    elif (has_capability(user, "grades.view_own") and access.is_enrolled(user, course)) or (
        has_capability(user, "grades.view_children")
        and Enrolment.objects.filter(course=course, student__in=scoping.children_of(user)).exists()
    ):
        tabs.append(Tab("grades", _("Grades"), reverse("assessments:course_grades", args=[pk])))
    if manages:
        tabs.append(Tab("settings", _("Settings"), reverse("courses:edit", args=[pk])))
    return tabs


@register.inclusion_tag("courses/_course_tabs.html", takes_context=True)
def course_tabs(context: template.Context, course: Course, current: str) -> dict[str, Any]:
    """``{% course_tabs course "timeline" %}``: the tab bar of a course's pages."""
    return {"tabs": course_tabs_for(context["request"].user, course), "current": current}


#: How many colours course cards take turns in (``.hue-0`` … in web/app.css).
HUES = 8


@register.filter
def course_hue(course: Course) -> str:
    """``{{ course|course_hue }}``: the class of a course card's colour, stable for a course (from
    its id), so a course keeps its colour on every page."""
    return f"hue-{course.pk % HUES}"
