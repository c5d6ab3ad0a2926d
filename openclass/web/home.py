"""The home page, assembled from the panels the areas register (``core.registry``).

Each area's ``panels.py`` says what it adds to the home page and which capability a viewer needs
to see it; this module only asks which of them the viewer holds, builds them in order and hands
them to ``web/home.html``. It imports no area above ``accounts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User
from openclass.core import registry
from openclass.core.registry import LEAD, MAIN, BuiltPanel

# How the home page's h1 greets each role (Korean: ○○ 학생, ○○ 어린이, ○○ 선생님, ○○ 님).
STAFF_ROLES = frozenset(
    {User.Role.TEACHER, User.Role.INSTRUCTOR, User.Role.SCHOOL_ADMIN, User.Role.OFFICE_ADMIN}
)
YOUNG_GRADES = (1, 2)  # 초등 1–2학년: a friendlier form than 학생


@dataclass(frozen=True)
class Home:
    lead: list[BuiltPanel]  # figures after the greeting's placement line
    panels: list[BuiltPanel]  # the page's sections, in order
    greeting: str = "other"  # "young", "student", "staff" or "other" (parents)

    @property
    def names(self) -> list[str]:
        return [item.name for item in self.panels]


def build_home(user: User) -> Home:
    holds = partial(has_capability, user)
    return Home(
        lead=registry.build_panels(LEAD, holds, user),
        panels=registry.build_panels(MAIN, holds, user),
        greeting=greeting(user),
    )


def greeting(user: User) -> str:
    """Which form of address the home page's greeting uses for ``user``: "young" for a student
    of 초등 1–2학년, "student" for other students, "staff" for teachers, instructors and
    administrators, "other" for parents (○○ 님)."""
    if user.role in STAFF_ROLES:
        return "staff"
    if user.role != User.Role.STUDENT:
        return "other"
    klass = user.organisation
    grade = klass.parent if klass is not None and klass.kind == klass.Kind.CLASS else None
    school = grade.parent if grade is not None else None
    if (
        grade is not None
        and school is not None
        and grade.number in YOUNG_GRADES
        and school.school_level == school.SchoolLevel.ELEMENTARY
    ):
        return "young"
    return "student"


def find_landing(user: User) -> str | None:
    """Where ``user`` goes right after login instead of the home page, if they asked for it
    (``resume_at_login``) and an area has somewhere for them to go."""
    if not user.resume_at_login:
        return None
    return registry.find_landing(partial(has_capability, user), user)
