"""Who may enter a live class and as what, and who may run it.

Built on the named capabilities (``accounts.capabilities``) and the courses' own rules
(``courses.access``), so a rule about people or courses is written once:

- **host** — ``live.host`` for the course: its managers (owner, listed teachers, admins above
  it) start, run and end the class;
- **student** — ``live.attend``: a student enrolled in the (published) course takes part;
- **guest** — ``live.watch_child``: a parent of an enrolled student; or staff who could host a
  class (``live.host``) and may see this course (an outside instructor, a visiting teacher).
  Guests wait in the waiting room until the host lets them in.

Anyone else — a student of another class among them — is refused. The part a connection plays
is decided when it connects (``Member``), as for every message on it; commands that change the
class for good (removing someone, groups, recording, ending) ask the course again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from openclass.accounts import scoping
from openclass.accounts.capabilities import has_capability, has_role_capability, object_rule
from openclass.accounts.models import User
from openclass.core.db import CompiledQuery
from openclass.courses import access as course_access
from openclass.courses.models import Course, Enrolment, Session

from .models import LiveRoom, Participant

Role = Participant.Role

# Asked at every classroom connection of every student: compiled once.
_ENROLMENT = CompiledQuery(
    lambda course, student: Enrolment.objects.filter(
        course_id=course, student_id=student
    ).values_list("pk")[:1]
)


@object_rule("live.host")
def may_host_course(user: User, course: Course) -> bool:
    """The course's managers run its live classes."""
    return course_access.can_manage_course(user, course)


def may_host(user: User, session: Session) -> bool:
    """Whether ``user`` runs ``session``'s live class (starts, ends it, confirms its marks)."""
    return has_capability(user, "live.host", session.course)


@object_rule("live.join")
def may_join(user: User, session: Session) -> bool:
    """Whether ``user`` may enter ``session``'s live class at all: what a page linking to the
    classroom asks (``has_capability(user, "live.join", session)``) from areas below live."""
    return role_for(user, session) is not None


def role_for(user: User, session: Session) -> str | None:
    """The part ``user`` may play in ``session``'s live class, or None when they may not enter
    (see the module's docstring)."""
    if not (user.is_authenticated and user.is_active):
        return None
    course = session.course
    if has_capability(user, "live.host", course):
        return Role.HOST
    if has_role_capability(user, "live.attend"):
        enrolled = bool(_ENROLMENT.rows(course.pk, user.pk))
        return Role.STUDENT if enrolled and course.is_published else None
    if has_role_capability(user, "live.watch_child"):
        children = scoping.children_of(user)
        if Enrolment.objects.filter(course=course, student__in=children).exists():
            return Role.GUEST
        return None
    if has_role_capability(user, "live.host") and course_access.can_view_course(user, course):
        return Role.GUEST
    return None


@dataclass
class Member:
    """Who is on the other end of one classroom connection: their part in the class was
    decided when it connected, so a message on it costs no lookup of the user or the course."""

    participant_id: int
    room_id: int
    user_id: int
    name: str
    role: str

    @classmethod
    def of(cls, participant: Participant) -> Member:
        """The member a participant's page would be (its ``user`` read or set)."""
        user = participant.user
        return cls(
            participant.pk,
            participant.room_id,
            user.pk,
            user.get_full_name() or user.username,
            participant.role,
        )

    @property
    def is_host(self) -> bool:
        return self.role == Role.HOST

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT

    @property
    def is_guest(self) -> bool:
        return self.role == Role.GUEST


def require_host(member: Member) -> None:
    """PermissionDenied unless ``member`` hosts the class (the teacher's controls)."""
    if not member.is_host:
        raise PermissionDenied(_("Only the teacher can do this."))


def require_host_of(user: User, session: Session, refusal: str | None = None) -> None:
    """PermissionDenied (with ``refusal``, translated by the caller) unless ``user`` runs
    ``session``'s class now: asked afresh of the course, for what changes the class for good."""
    if not may_host(user, session):
        raise PermissionDenied(refusal or _("Only the course's teachers can do this."))


def hosting(member: Member, refusal: str | None = None) -> tuple[User, LiveRoom]:
    """The host behind ``member`` and their class's room, for a command that changes the
    class for good: PermissionDenied (with ``refusal``) unless the page is the host's and its
    user still runs the course's classes."""
    require_host(member)
    room = LiveRoom.objects.select_related("session__course").get(pk=member.room_id)
    actor = User.objects.get(pk=member.user_id)
    require_host_of(actor, room.session, refusal)
    return actor, room
