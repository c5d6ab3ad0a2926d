"""Every permission the platform checks, by name, and the one function that answers it.

Moodle's model: a capability names what may be done ("course.create", "gradebook.view"), roles
grant capabilities, and one call answers "may this user do this, here?":

    has_capability(user, "course.manage", course)

Two layers, so a rule is written once:

- **Which roles ever hold a capability** is the table below (``GRANTS``). A page shows a menu
  entry or a button when the role holds the capability (``has_capability(user, cap)``, or
  ``{% if "course.create" in caps %}`` in a template) — the same answer the target page starts
  from, so a link is never shown to someone the page then refuses.
- **Whether it holds for one object** (this course, this application) is an object rule the
  owning area registers from its ``access.py`` with ``@object_rule("course.manage")``; those
  rules are built on ``accounts.scoping``. ``has_capability(user, cap, obj)`` asks the role
  table first, then the rule.

Roles are compared with ``user.role`` only here, in ``accounts.scoping`` and in the areas'
``access.py`` modules (``tests/test_house_rules.py`` fails otherwise): a view, form, template or
consumer asks for a capability.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied

from .models import User

Role = User.Role

STUDENT = Role.STUDENT
PARENT = Role.PARENT
TEACHER = Role.TEACHER
INSTRUCTOR = Role.INSTRUCTOR
SCHOOL_ADMIN = Role.SCHOOL_ADMIN
OFFICE_ADMIN = Role.OFFICE_ADMIN

#: Teachers, instructors and administrators: who teaches, builds lessons and reads class records.
STAFF = frozenset({TEACHER, INSTRUCTOR, SCHOOL_ADMIN, OFFICE_ADMIN})
ADMINS = frozenset({SCHOOL_ADMIN, OFFICE_ADMIN})

#: capability → the roles that hold it, with what it lets them do. A superuser holds every one
#: but the ``PERSONAL`` ones.
GRANTS: dict[str, tuple[frozenset[str], str]] = {
    # accounts
    "people.view": (
        frozenset({PARENT, TEACHER, INSTRUCTOR, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "open the people list (whom scoping.visible_users lets them see)",
    ),
    "people.view_children": (frozenset({PARENT}), "see their own children (자녀)"),
    "people.import_roster": (ADMINS, "import a roster (XLSX) and print first-login sheets"),
    "people.reset_password": (
        frozenset({TEACHER, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "give someone they manage a new first-login password (homeroom teachers: their class)",
    ),
    "people.manage_school": (ADMINS, "see a school's figures (students, teachers, parents)"),
    "people.print_sheets": (
        frozenset({TEACHER, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "print a class's first-login sheets (its homeroom teacher, its school's admins, the "
        "office)",
    ),
    "organisations.manage": (
        ADMINS,
        "add, rename, move and retire organisations (the office: the city; a school admin: "
        "their school's grades and classes), with their history",
    ),
    "staff.manage": (
        ADMINS,
        "create, edit and deactivate teacher accounts, import staff, and assign who teaches "
        "which class (a school admin: their school's teachers)",
    ),
    "city.overview": (frozenset({OFFICE_ADMIN}), "see the whole city's schools at a glance"),
    "classes.view_taught": (frozenset({TEACHER}), "see the classes they teach (담당 학급)"),
    # catalog
    "catalog.manage": (
        frozenset({OFFICE_ADMIN}),
        "keep the topic taxonomy: add, rename, move and retire topics and their content elements",
    ),
    # courses
    "course.create": (
        frozenset({TEACHER, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "open a course where they teach or administer (instructors get theirs through 개설 신청)",
    ),
    "course.enrol_class": (
        frozenset({TEACHER, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "enrol students they may see into a course (their class into an office course)",
    ),
    "course.manage": (STAFF, "edit a course they own, teach or administer"),
    "course.teach": (STAFF, "teach: the courses they run, their timeline, what is to grade"),
    "course.learn": (frozenset({STUDENT}), "take courses: progress, attendance, resume"),
    "course.read_records": (STAFF, "read progress and attendance of the students they may see"),
    "course.join_self": (frozenset({STUDENT}), "join a published course open to self-enrolment"),
    "attendance.confirm": (
        STAFF,
        "confirm a course's attendance (its managers), and correct the mark of a student whose "
        "records they read (their own students, also in someone else's course)",
    ),
    "media.upload": (STAFF, "upload videos and build lessons from them"),
    "media.view_all": (frozenset({OFFICE_ADMIN}), "follow the processing of every video"),
    # assessments
    "assessments.author": (STAFF, "keep a question bank and rubrics, write quizzes"),
    "gradebook.view": (STAFF, "open the gradebook of a course they may read records of"),
    "grades.view_own": (frozenset({STUDENT}), "see their own grades"),
    "grades.view_children": (frozenset({PARENT}), "see their children's grades"),
    # live classes
    "live.host": (STAFF, "start and run a live class of a course they manage"),
    "live.attend": (frozenset({STUDENT}), "join the live classes of their courses"),
    "live.watch_child": (frozenset({PARENT}), "join their child's live class as a guest"),
    "live.join": (
        frozenset({STUDENT, PARENT, TEACHER, INSTRUCTOR, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "enter one live class in some part (live.access.role_for decides which): what a link "
        "to a classroom asks",
    ),
    # notifications
    "notifications.message_class": (
        frozenset({TEACHER}),
        "send a message to the students of a class they teach, and to their parents",
    ),
    "notifications.read_messages": (
        frozenset({STUDENT, PARENT}),
        "see their teachers' latest messages on their home",
    ),
    # operations
    "operations.apply": (
        frozenset({TEACHER, SCHOOL_ADMIN}),
        "apply to open a course through the office for their school (개설 신청)",
    ),
    "operations.view_applications": (
        frozenset({TEACHER, SCHOOL_ADMIN, INSTRUCTOR, OFFICE_ADMIN}),
        "follow the applications they made, decide or were invited to",
    ),
    "operations.approve": (
        frozenset({OFFICE_ADMIN}),
        "publish calls, decide applications, approve instructors, set the rate table and the "
        "point rules",
    ),
    "operations.confirm_sessions": (
        frozenset({TEACHER, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "confirm the sessions held of a course opened through their application (and the office)",
    ),
    "operations.decide_recordings": (
        frozenset({TEACHER, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "decide what happens to the recordings of a course they applied for (and the office)",
    ),
    "operations.view_survey_results": (
        frozenset({TEACHER, SCHOOL_ADMIN, INSTRUCTOR, OFFICE_ADMIN}),
        "read the survey results of an application they made, decided or taught",
    ),
    "pool.view": (
        frozenset({TEACHER, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "browse the instructor pool (강사 인력풀)",
    ),
    "pool.register": (frozenset({SCHOOL_ADMIN}), "register the school's own instructors"),
    "pool.own_profile": (
        frozenset({INSTRUCTOR, TEACHER}),
        "keep an instructor profile of their own, and be invited",
    ),
    "pay.view_all": (frozenset({OFFICE_ADMIN}), "see the payroll and every statement"),
    "pay.close_month": (frozenset({OFFICE_ADMIN}), "close a month for payroll"),
    "pay.view_own": (frozenset({INSTRUCTOR, TEACHER}), "see their own pay statement (강사료)"),
    "points.hold": (frozenset({STUDENT}), "earn and hold points"),
    # privacy
    "privacy.view_access_log": (
        ADMINS,
        "search the access log of student records (the office: the city; a school admin, as "
        "the school's privacy officer: their school's students)",
    ),
    "privacy.record_leaving": (
        ADMINS,
        "record that a student left school (their account is deactivated, and pseudonymised "
        "after the retention), and follow the schedule of their school (the office: the city)",
    ),
    "privacy.consent": (
        frozenset({STUDENT, PARENT}),
        "see and give or withdraw consents (a student from 14; a parent for their child under 14)",
    ),
    "privacy.export_own": (
        frozenset({STUDENT, PARENT, TEACHER, INSTRUCTOR, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "download their own data (내 정보 내려받기)",
    ),
    "privacy.export_child": (
        frozenset({PARENT}),
        "download the data of their child under 14 (privacy.access decides who is under 14)",
    ),
    # the login hub and the Open API
    "hub.manage_sites": (
        frozenset({OFFICE_ADMIN}),
        "register the sites that log in through openclass, change their secrets, disable them",
    ),
    "hub.view_auth_log": (
        frozenset({OFFICE_ADMIN}),
        "search the authentication log (tokens issued, failed sign-ins, API reads)",
    ),
    "api.personal_tokens": (
        frozenset({STUDENT, PARENT, TEACHER, INSTRUCTOR, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "create, name, scope and revoke their own personal access tokens for the Open API",
    ),
    # search (Edu-Navi), saved lists and the outside catalogs
    "search.use": (
        frozenset({STUDENT, PARENT, TEACHER, INSTRUCTOR, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "search everything they may open (교육정보 통합 검색), with suggestions as they type",
    ),
    "search.explain": (STAFF, "see why a result ranks where it does (matched terms and boosts)"),
    "search.view_gaps": (
        frozenset({OFFICE_ADMIN}),
        "see the city's queries that found nothing, to fill the gaps",
    ),
    "lists.keep": (
        frozenset({STUDENT, PARENT, TEACHER, INSTRUCTOR, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "keep their own lists of search results (나만의 목록), share by link, copy a shared one",
    ),
    "lists.share_class": (
        frozenset({TEACHER, SCHOOL_ADMIN}),
        "share a list with a class they teach or administer (it appears on the class's home)",
    ),
    "feeds.manage": (
        frozenset({OFFICE_ADMIN}),
        "register outside catalogs (CSV/JSON feeds, OAI-PMH) and follow their fetches",
    ),
    # outside tools (LTI 1.3)
    "lti.register": (
        frozenset({TEACHER, INSTRUCTOR, SCHOOL_ADMIN, OFFICE_ADMIN}),
        "register outside tools (LTI 1.3) for their own courses, change or disable the ones "
        "they registered, and add the tools offered to them to their courses' lessons",
    ),
    "lti.manage": (
        frozenset({OFFICE_ADMIN}),
        "register outside tools offered to every teacher of the city, and change or disable any "
        "registered tool",
    ),
    # learning records (xAPI)
    "xapi.manage": (
        frozenset({OFFICE_ADMIN}),
        "register the outside LRSs statements are forwarded to and follow the outbox; register "
        "the LRS clients that use /xapi/",
    ),
}

#: Capabilities that say who someone is (a learner, a parent, a teacher of classes, an instructor
#: with a profile and pay) rather than grant a power: a superuser does not hold them by being one
#: (Moodle's ``has_capability(..., doanything=false)``). The office admin who is a superuser has
#: no courses to take, children, classes or pay of their own, and is no student in a live class.
PERSONAL: frozenset[str] = frozenset(
    {
        "course.learn",
        "course.join_self",
        "people.view_children",
        "classes.view_taught",
        "grades.view_own",
        "grades.view_children",
        "live.attend",
        "live.watch_child",
        "pool.own_profile",
        "pay.view_own",
        "points.hold",
        "privacy.export_child",
        "privacy.consent",
    }
)

ObjectRule = Callable[[User, Any], bool]
_object_rules: dict[str, ObjectRule] = {}


class UnknownCapability(LookupError):
    """A capability name not in ``GRANTS``: a typo must not read as "no"."""


def object_rule(capability: str) -> Callable[[ObjectRule], ObjectRule]:
    """Register the rule deciding ``capability`` for one object. Used by the areas' ``access.py``
    modules, which are imported when their app is ready."""
    if capability not in GRANTS:
        raise UnknownCapability(capability)

    def register(rule: ObjectRule) -> ObjectRule:
        _object_rules[capability] = rule
        return rule

    return register


def roles_with(capability: str) -> frozenset[str]:
    try:
        return GRANTS[capability][0]
    except KeyError:
        raise UnknownCapability(capability) from None


def has_role_capability(user: Any, capability: str) -> bool:
    """Whether ``user``'s role holds ``capability`` at all (nothing about one object)."""
    roles = roles_with(capability)
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.role in roles or (user.is_superuser and capability not in PERSONAL))


def has_capability(user: Any, capability: str, obj: Any = None) -> bool:
    """May ``user`` do ``capability`` — to ``obj`` when given (its area's object rule decides),
    or anywhere at all when not."""
    if not has_role_capability(user, capability):
        return False
    if obj is None:
        return True
    rule = _object_rules.get(capability)
    if rule is None:
        raise LookupError(f"no object rule registered for {capability!r}")
    return rule(user, obj)


def require_capability(user: Any, capability: str, obj: Any = None) -> None:
    """403 unless ``user`` holds ``capability`` (for ``obj`` when given): for views that have
    already fetched ``obj`` through what the user may see (see ``core.views`` on 403 vs 404)."""
    if not has_capability(user, capability, obj):
        raise PermissionDenied


def capabilities_of(user: Any) -> frozenset[str]:
    """Every capability ``user``'s role holds."""
    return frozenset(name for name in GRANTS if has_role_capability(user, name))


class UserCapabilities:
    """What templates see as ``caps``: ``{% if "course.create" in caps %}``. Computed once per
    request, on first use."""

    def __init__(self, user: Any) -> None:
        self._user = user
        self._held: frozenset[str] | None = None

    def __contains__(self, capability: object) -> bool:
        if not isinstance(capability, str):
            return False
        if capability not in GRANTS:
            raise UnknownCapability(capability)
        if self._held is None:
            self._held = capabilities_of(self._user)
        return capability in self._held

    def __iter__(self):
        if self._held is None:
            self._held = capabilities_of(self._user)
        return iter(sorted(self._held))
