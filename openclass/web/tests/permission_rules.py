"""What every page and endpoint should answer, from the rules: for each URL name, the objects its
path names in one scope of the permission world (``fixtures.Scope``), and who may use it —
written with the capabilities (``accounts.capabilities``) and the areas' object rules
(``access.py``), never as a list of roles, so the matrix checks the views against the rules.

``test_permission_matrix`` walks every URL pattern: a name missing here fails it, so a new page
is in the matrix the day it is added.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openclass.accounts import scoping
from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import TeachingAssignment, User
from openclass.assessments import access as assessment_access
from openclass.catalog.models import AudienceTag, ContentElement
from openclass.courses import access as course_access
from openclass.feeds.models import OutsideCatalog
from openclass.hub.models import Site
from openclass.lists import access as lists_access
from openclass.lists.models import SavedItem, SavedList
from openclass.live import access as live_access
from openclass.media import access as media_access
from openclass.notifications.models import Notification
from openclass.operations import access as operations_access
from openclass.operations.models import RateTable

from .fixtures import Scope, World

Allow = Callable[[User, Scope], bool]
Args = Callable[[Scope], dict[str, Any]]

#: An id no row has, for the "nobody's" column: every path with one is a 404 (or the login page).
MISSING = 999_999_999


@dataclass(frozen=True)
class Endpoint:
    """``args`` builds the path's arguments from a scope (None: the path names nothing, and the
    endpoint is tried once); ``allow`` says who passes its gate. ``methods`` are the ones tried:
    GET for pages, POST for what changes something (with an empty form: a refusal must come
    before any validation)."""

    allow: Callable[..., bool]
    args: Args | None = None
    methods: tuple[str, ...] = ("GET",)
    public: bool = False
    world_args: Callable[[World], dict[str, Any]] | None = None
    #: Who passes the POST's gate, when not the same as the page's (a student hands in on the
    #: assignment page a parent may only read).
    post: Callable[..., bool] | None = None
    #: The form a POST sends, when an empty one would not reach the thing to refuse or allow.
    data: Callable[[Scope], dict[str, Any]] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def allows(self, method: str) -> Callable[..., bool]:
        return self.post if method == "POST" and self.post is not None else self.allow


def _can(capability: str, obj: Callable[[Scope], Any] | None = None) -> Allow:
    if obj is None:
        return lambda user, scope=None: has_capability(user, capability)
    return lambda user, scope: has_capability(user, capability, obj(scope))


def _logged_in(user: User, scope: Scope | None = None) -> bool:
    return user.is_authenticated


def _nobody(user: User, scope: Scope | None = None) -> bool:
    return False


# --- who is the user to a scope's course --------------------------------------------------------


def _views_course(user: User, scope: Scope) -> bool:
    return course_access.can_view_course(user, scope.course)


def _manages(user: User, scope: Scope) -> bool:
    return has_capability(user, "course.manage", scope.course)


def _writes_quiz_questions(user: User, scope: Scope) -> bool:
    """Writing a question inside a quiz: its course's managers who author questions."""
    return _manages(user, scope) and has_capability(user, "assessments.author")


def _opens_lessons(user: User, scope: Scope) -> bool:
    """A lesson page (a video, a document, a quiz): its students and those who may preview it."""
    if not _views_course(user, scope):
        return False
    return course_access.viewer_of(user, scope.course).may_open_lessons


def _follows_lessons(user: User, scope: Scope) -> bool:
    """An assignment's page: also those following a student of the course (a parent, a teacher
    whose class is enrolled), who see the student's status, grade and feedback there."""
    if not _views_course(user, scope):
        return False
    viewer = course_access.viewer_of(user, scope.course)
    return viewer.may_open_lessons or bool(viewer.records)


def _studies(user: User, scope: Scope) -> bool:
    return has_capability(user, "course.learn") and course_access.is_enrolled(user, scope.course)


def _owns_attempt(user: User, scope: Scope) -> bool:
    return user.pk == scope.attempt.student_id


def _sees_attempt(user: User, scope: Scope) -> bool:
    """A quiz result, answer by answer: its student and the course's managers (parents and
    other teachers see the score in the grades)."""
    return _owns_attempt(user, scope) or _manages(user, scope)


def _sees_student(user: User, scope: Scope) -> bool:
    return scoping.visible_users(user).filter(pk=scope.student.pk).exists()


def _sees_organisation(user: User, scope: Scope) -> bool:
    """The office's organisation pages: whoever manages the node (a school admin their school's
    tree, the office the city)."""
    return has_capability(user, "organisations.manage") and (
        scoping.manageable_organisations(user).filter(pk=scope.klass.pk).exists()
    )


def _assignment_of(scope: Scope) -> TeachingAssignment:
    assignment = TeachingAssignment.objects.filter(klass=scope.klass).order_by("pk").first()
    assert assignment is not None, "every scope's class has a teacher"
    return assignment


def _removes_assignment(user: User, scope: Scope) -> bool:
    assignment = _assignment_of(scope)
    return has_capability(user, "staff.manage", assignment.teacher) and (
        scoping.can_manage_organisation(user, assignment.klass)
    )


def _student_attendance(user: User, scope: Scope) -> bool:
    students = course_access.attendance_record_students(user)
    return students.filter(pk=scope.student.pk).exists()


def _parent_of(user: User, scope: Scope) -> bool:
    return has_capability(user, "people.view_children") and (
        course_access.child_of(user, scope.student.pk) is not None
    )


def _confirms_attendance(user: User, scope: Scope) -> bool:
    return has_capability(user, "attendance.confirm") and course_access.can_read_records_of(
        user, scope.course, scope.student
    )


def _enrols(user: User, scope: Scope) -> bool:
    return course_access.can_enrol_into(user, scope.course)


def _copies(user: User, scope: Scope) -> bool:
    return has_capability(user, "course.create") and _views_course(user, scope)


# --- assessments ---------------------------------------------------------------------------------


def _sees_question(user: User, scope: Scope) -> bool:
    return has_capability(user, "assessments.author") and (
        assessment_access.visible_questions(user).filter(pk=scope.question.pk).exists()
    )


def _edits_question(user: User, scope: Scope) -> bool:
    return assessment_access.can_edit_question(user, scope.question)


def _question_image(user: User, scope: Scope) -> bool:
    return assessment_access.can_view_question(user, scope.question)


def _owns_rubric(user: User, scope: Scope) -> bool:
    return has_capability(user, "assessments.author") and scope.rubric.owner_id == user.pk


def _reads_submission(user: User, scope: Scope) -> bool:
    return assessment_access.can_read_submission_of(user, scope.assignment, scope.student)


def _instruction_file(user: User, scope: Scope) -> bool:
    return assessment_access.can_download_instruction_file(user, scope.assignment_file)


def _submission_file(user: User, scope: Scope) -> bool:
    return assessment_access.can_download_submission_file(user, scope.submission_file)


def _feedback_file(user: User, scope: Scope) -> bool:
    return assessment_access.can_download_feedback_file(user, scope.submission)


def _gradebook(user: User, scope: Scope) -> bool:
    return has_capability(user, "gradebook.view", scope.course)


def _weights(user: User, scope: Scope) -> bool:
    return assessment_access.can_edit_weights(user, scope.course)


def _overrides(user: User, scope: Scope) -> bool:
    return assessment_access.can_override(user, scope.course, scope.student)


def _course_grades(user: User, scope: Scope) -> bool:
    """A course's grades: its gradebook's readers, its students, and their parents."""
    if _gradebook(user, scope):
        return True
    if has_capability(user, "grades.view_own"):
        return course_access.is_enrolled(user, scope.course)
    if has_capability(user, "grades.view_children"):
        return course_access.enrolments_visible_to(user, scope.course).exists()
    return False


def _own_grades(user: User, scope: Scope | None = None) -> bool:
    return has_capability(user, "grades.view_own") or has_capability(user, "grades.view_children")


# --- privacy -------------------------------------------------------------------------------------


def _records_leaving(user: User, scope: Scope) -> bool:
    """A student's leaving page: whoever sees the student and may record their leaving (an
    empty form re-shows the page: nothing is recorded)."""
    return _sees_student(user, scope) and has_capability(
        user, "privacy.record_leaving", scope.student
    )


# --- hub -----------------------------------------------------------------------------------------


def _site(world: World) -> dict[str, Any]:
    """A site the office registered (made in the test's transaction on first use)."""
    site, _ = Site.objects.get_or_create(
        name="matrix site",
        defaults={
            "redirect_uris": "https://site.example.org/callback",
            "client_type": Site.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Site.GRANT_AUTHORIZATION_CODE,
        },
    )
    return {"pk": site.pk}


# --- feeds ---------------------------------------------------------------------------------------


def _catalog(world: World) -> dict[str, Any]:
    """An outside catalog the office registered (made in the test's transaction on first use),
    disabled: "fetch now" then answers without queueing a fetch (and its address is a closed
    port, so a fetch would fail at once)."""
    catalog, _ = OutsideCatalog.objects.get_or_create(
        name="matrix catalog",
        defaults={
            "site_name": "matrix site",
            "url": "http://127.0.0.1:9/feed.json",
            "is_active": False,
        },
    )
    return {"pk": catalog.pk}


# --- xapi (the office's outside LRSs and LRS clients) -------------------------------------------


def _lrs_destination(world: World) -> dict[str, Any]:
    """An outside LRS the office registered (made in the test's transaction on first use),
    inactive: "send now" then refuses without sending (and its address is a closed port)."""
    from openclass.xapi.models import Destination

    destination, _ = Destination.objects.get_or_create(
        name="matrix LRS",
        defaults={"endpoint": "http://127.0.0.1:9/xapi/", "is_active": False},
    )
    return {"pk": destination.pk}


def _lrs_client(world: World) -> dict[str, Any]:
    from openclass.xapi.models import Client

    client, _ = Client.objects.get_or_create(
        key="matrix-client", defaults={"name": "matrix client", "scopes": ["statements/read"]}
    )
    return {"pk": client.pk}


# --- lti (outside tools) -------------------------------------------------------------------------


def _lti_tool(world: World) -> dict[str, Any]:
    """A tool the office registered city-wide (made in the test's transaction on first use)."""
    from openclass.lti.models import Tool

    tool, _ = Tool.objects.get_or_create(
        name="matrix tool",
        defaults={
            "login_url": "https://tool.example.org/login",
            "launch_url": "https://tool.example.org/launch",
            "jwks_url": "https://tool.example.org/jwks",
            "redirect_uris": ["https://tool.example.org/launch"],
            "created_by": world.city.office_admin,
            "city_wide": True,
        },
    )
    return {"pk": tool.pk}


def _tool_lesson(scope: Scope) -> dict[str, Any]:
    """A lesson of kind tool in the scope's course, launching the office's tool."""
    from openclass.courses.models import Lesson
    from openclass.lti.models import ResourceLink, Tool

    lesson, created = Lesson.objects.get_or_create(
        section=scope.section, title="matrix tool lesson", defaults={"kind": Lesson.Kind.TOOL}
    )
    if created:
        tool = Tool.objects.filter(name="matrix tool").first() or Tool.objects.create(
            name="matrix tool",
            login_url="https://tool.example.org/login",
            launch_url="https://tool.example.org/launch",
            jwks_url="https://tool.example.org/jwks",
            redirect_uris=["https://tool.example.org/launch"],
            city_wide=True,
        )
        ResourceLink.objects.create(lesson=lesson, tool=tool)
    return {"lesson_id": lesson.pk}


def _changes_tool(user: User, world: World) -> bool:
    from openclass.lti.models import Tool

    return has_capability(user, "lti.register", Tool.objects.get(name="matrix tool"))


# --- lists ---------------------------------------------------------------------------------------


def _saved_list(scope: Scope) -> SavedList:
    """The scope's teacher's list with one item, shared with the scope's class where the teacher
    may share with it, and by link (made in the test's transaction on first use)."""
    saved, created = SavedList.objects.get_or_create(
        owner=scope.teacher,
        name=f"matrix list ({scope.name})",
        defaults={"link_token": f"matrix-{scope.name}-link-0123456789abcdef"},
    )
    if created:
        if has_capability(scope.teacher, "lists.share_class", scope.klass):
            saved.shared_with.add(scope.klass)
        SavedItem.objects.create(
            saved_list=saved, source="lists.list", key=saved.pk, kind="list", title=saved.name
        )
    return saved


def _saved_list_args(scope: Scope) -> dict[str, Any]:
    return {"pk": _saved_list(scope).pk}


def _saved_item_args(scope: Scope) -> dict[str, Any]:
    saved = _saved_list(scope)
    return {"pk": saved.pk, "item_id": saved.items.get().pk}


def _notification(scope: Scope) -> Notification:
    """The scope's student's notification (made in the test's transaction on first use)."""
    found, _created = Notification.objects.get_or_create(
        recipient=scope.student, subject=f"matrix ({scope.name})"
    )
    return found


def _opens_list(user: User, scope: Scope) -> bool:
    return has_capability(user, "lists.keep") and (
        lists_access.visible_lists(user).filter(pk=_saved_list(scope).pk).exists()
    )


def _owns_list(user: User, scope: Scope) -> bool:
    return has_capability(user, "lists.keep") and _saved_list(scope).owner_id == user.pk


def _shares_list(user: User, scope: Scope) -> bool:
    return _owns_list(user, scope) and has_capability(user, "lists.share_class")


# --- media, live, operations ---------------------------------------------------------------------


def _manages_video(user: User, scope: Scope) -> bool:
    return media_access.manageable_videos(user).filter(pk=scope.uploaded.pk).exists()


def _joins(user: User, scope: Scope) -> bool:
    return has_capability(user, "live.join", scope.session)


def _hosts(user: User, scope: Scope) -> bool:
    return live_access.may_host(user, scope.session)


def _sees_application(user: User, scope: Scope) -> bool:
    return has_capability(user, "operations.view_applications", scope.application)


def _survey(user: User, scope: Scope) -> bool:
    return has_capability(user, "operations.view_survey_results", scope.application)


def _decides_recordings(user: User, scope: Scope) -> bool:
    return has_capability(user, "operations.decide_recordings", scope.application)


def _pay(user: User, scope: Scope | None = None) -> bool:
    return has_capability(user, "pay.view_all") or has_capability(user, "pay.view_own")


def _sees_profile(user: User, world: World) -> bool:
    return operations_access.visible_profiles(user).filter(pk=world.profile.pk).exists()


def _sees_document(user: User, world: World) -> bool:
    return (
        operations_access.visible_documents(user).filter(pk=world.instructor_document.pk).exists()
    )


def _has_profile(user: User, world: World | None = None) -> bool:
    return user.is_authenticated and hasattr(user, "instructor_profile")


def _call(world: World) -> dict[str, Any]:
    return {"pk": world.scopes["own"].application.call_id}


def _rate_table(world: World) -> dict[str, Any]:
    """The office's rate table (made in the test's transaction on first use)."""
    table, _created = RateTable.objects.get_or_create(
        effective_from=datetime.date(2026, 3, 1),
        defaults={"name": "matrix", "created_by": world.city.office_admin},
    )
    return {"pk": table.pk}


def _topic(world: World) -> dict[str, Any]:
    return {"pk": world.scopes["own"].course.topic_id}


def _audience(world: World) -> dict[str, Any]:
    return {"pk": AudienceTag.objects.order_by("pk")[0].pk}


def _element(world: World) -> dict[str, Any]:
    return {"pk": ContentElement.objects.filter(topic=world.scopes["own"].course.topic_id)[0].pk}


# --- the table -----------------------------------------------------------------------------------


def course(s: Scope) -> dict[str, Any]:
    return {"pk": s.course.pk}


def section(s: Scope) -> dict[str, Any]:
    return {"pk": s.course.pk, "section_id": s.section.pk}


def quiz(s: Scope) -> dict[str, Any]:
    return {"lesson_id": s.quiz_lesson.pk}


def assignment(s: Scope) -> dict[str, Any]:
    return {"lesson_id": s.assignment_lesson.pk}


GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")
TUS = {"Tus-Resumable": "1.0.0"}

ENDPOINTS: dict[str, Endpoint] = {
    # web
    "web:home": Endpoint(_logged_in),
    "web:resume_preference": Endpoint(_logged_in, methods=POST),
    "web:todo": Endpoint(_logged_in),
    "web:manifest": Endpoint(_logged_in, public=True),
    "web:service_worker": Endpoint(_logged_in, public=True),
    "web:offline": Endpoint(_logged_in, public=True),
    "web:health": Endpoint(_logged_in, public=True),
    # accounts
    "accounts:login": Endpoint(_logged_in, public=True, methods=BOTH),
    # A card that does not exist: refused to everyone.
    "accounts:card_login": Endpoint(_nobody, world_args=lambda w: {"token": "not-a-card"}),
    "accounts:password_change": Endpoint(_logged_in, methods=BOTH),
    "accounts:people": Endpoint(_can("people.view")),
    "accounts:person": Endpoint(_sees_student, args=lambda s: {"pk": s.student.pk}),
    "accounts:reset_password": Endpoint(
        _can("people.reset_password", lambda s: s.student),
        args=lambda s: {"pk": s.student.pk},
        methods=POST,
    ),
    "accounts:roster_import": Endpoint(_can("people.import_roster"), methods=BOTH),
    "accounts:roster_template": Endpoint(_can("people.import_roster")),
    "accounts:staff_import": Endpoint(_can("staff.manage"), methods=BOTH),
    "accounts:staff_template": Endpoint(_can("staff.manage")),
    "accounts:credential_sheet": Endpoint(
        _can("people.print_sheets", lambda s: s.klass), args=lambda s: {"pk": s.klass.pk}
    ),
    "accounts:organisations": Endpoint(_can("organisations.manage")),
    "accounts:organisation": Endpoint(_sees_organisation, args=lambda s: {"pk": s.klass.pk}),
    "accounts:organisation_add": Endpoint(
        _sees_organisation, args=lambda s: {"pk": s.klass.pk}, methods=BOTH
    ),
    "accounts:organisation_edit": Endpoint(
        _can("organisations.manage", lambda s: s.klass),
        args=lambda s: {"pk": s.klass.pk},
        methods=BOTH,
    ),
    "accounts:organisation_retire": Endpoint(
        _can("organisations.manage", lambda s: s.klass),
        args=lambda s: {"pk": s.klass.pk},
        methods=POST,
    ),
    "accounts:organisation_delete": Endpoint(
        _can("organisations.manage", lambda s: s.klass),
        args=lambda s: {"pk": s.klass.pk},
        methods=POST,
    ),
    "accounts:staff_list": Endpoint(_can("staff.manage")),
    "accounts:staff_create": Endpoint(_can("staff.manage"), methods=BOTH),
    "accounts:staff_detail": Endpoint(
        _can("staff.manage", lambda s: s.teacher), args=lambda s: {"pk": s.teacher.pk}
    ),
    "accounts:staff_edit": Endpoint(
        _can("staff.manage", lambda s: s.teacher), args=lambda s: {"pk": s.teacher.pk}, methods=BOTH
    ),
    "accounts:staff_active": Endpoint(
        _can("staff.manage", lambda s: s.teacher), args=lambda s: {"pk": s.teacher.pk}, methods=POST
    ),
    "accounts:staff_assign": Endpoint(
        _can("staff.manage", lambda s: s.teacher), args=lambda s: {"pk": s.teacher.pk}, methods=POST
    ),
    "accounts:assignment_remove": Endpoint(
        _removes_assignment, args=lambda s: {"pk": _assignment_of(s).pk}, methods=POST
    ),
    # courses
    "courses:catalog": Endpoint(_logged_in),
    "courses:create": Endpoint(_can("course.create"), methods=BOTH),
    "courses:detail": Endpoint(_views_course, args=course),
    "courses:edit": Endpoint(_manages, args=course, methods=BOTH),
    "courses:publish": Endpoint(_manages, args=course, methods=POST),
    "courses:copy": Endpoint(_copies, args=course, methods=BOTH),
    "courses:content": Endpoint(_manages, args=course, methods=BOTH),
    "courses:move": Endpoint(
        _manages,
        args=course,
        methods=POST,
        data=lambda s: {"section": s.section.pk, "direction": "down"},
    ),
    "courses:section_edit": Endpoint(_manages, args=section, methods=BOTH),
    "courses:lesson_create": Endpoint(_manages, args=section, methods=BOTH),
    "courses:lesson_edit": Endpoint(
        _manages, args=lambda s: {**section(s), "lesson_id": s.video.pk}, methods=BOTH
    ),
    "courses:enrolments": Endpoint(_enrols, args=course, methods=BOTH),
    "courses:enrol_self": Endpoint(
        lambda user, scope: course_access.can_enrol_self(user, scope.course),
        args=course,
        methods=POST,
    ),
    "courses:lesson": Endpoint(
        _opens_lessons, args=lambda s: {"pk": s.course.pk, "lesson_id": s.video.pk}
    ),
    "courses:heartbeat": Endpoint(
        _studies, args=lambda s: {"pk": s.course.pk, "lesson_id": s.video.pk}, methods=POST
    ),
    "courses:lesson_document": Endpoint(
        _opens_lessons, args=lambda s: {"pk": s.course.pk, "lesson_id": s.document.pk}
    ),
    "courses:timeline": Endpoint(_views_course, args=course),
    "courses:session_delete": Endpoint(
        _manages, args=lambda s: {"pk": s.course.pk, "session_id": s.session.pk}, methods=POST
    ),
    "courses:attendance": Endpoint(_can("course.read_records", lambda s: s.course), args=course),
    "courses:attendance_xlsx": Endpoint(
        _can("course.read_records", lambda s: s.course), args=course
    ),
    "courses:attendance_correct": Endpoint(
        _confirms_attendance,
        args=lambda s: {"pk": s.course.pk, "session_id": s.session.pk, "student_id": s.student.pk},
        methods=BOTH,
    ),
    "courses:student_attendance": Endpoint(
        _student_attendance, args=lambda s: {"student_id": s.student.pk}
    ),
    # A parent's own child's learning, and the child's course read-only (the scope's student is
    # enrolled in the scope's course): their parent only.
    "courses:child": Endpoint(_parent_of, args=lambda s: {"child_id": s.student.pk}),
    "courses:child_course": Endpoint(
        _parent_of, args=lambda s: {"pk": s.course.pk, "child_id": s.student.pk}
    ),
    # assessments: the bank and rubrics
    "assessments:bank": Endpoint(_can("assessments.author")),
    "assessments:question_create": Endpoint(_can("assessments.author"), methods=BOTH),
    "assessments:bank_import": Endpoint(_can("assessments.author"), methods=BOTH),
    "assessments:bank_export": Endpoint(_can("assessments.author")),
    "assessments:bank_template": Endpoint(_can("assessments.author")),
    "assessments:question_detail": Endpoint(
        _sees_question, args=lambda s: {"question_id": s.question.pk}
    ),
    "assessments:question_edit": Endpoint(
        _edits_question, args=lambda s: {"question_id": s.question.pk}, methods=BOTH
    ),
    "assessments:question_delete": Endpoint(
        _edits_question, args=lambda s: {"question_id": s.question.pk}, methods=BOTH
    ),
    "assessments:question_copy": Endpoint(
        _sees_question, args=lambda s: {"question_id": s.question.pk}, methods=POST
    ),
    "assessments:question_image": Endpoint(
        _question_image, args=lambda s: {"question_id": s.question.pk}
    ),
    "assessments:rubrics": Endpoint(_can("assessments.author")),
    "assessments:rubric_create": Endpoint(_can("assessments.author"), methods=BOTH),
    "assessments:rubric_edit": Endpoint(
        _owns_rubric, args=lambda s: {"pk": s.rubric.pk}, methods=BOTH
    ),
    "assessments:rubric_criterion": Endpoint(
        _owns_rubric,
        args=lambda s: {"pk": s.rubric.pk, "criterion_id": s.criterion.pk},
        methods=BOTH,
    ),
    "assessments:rubric_copy": Endpoint(
        _owns_rubric, args=lambda s: {"pk": s.rubric.pk}, methods=POST
    ),
    "assessments:rubric_delete": Endpoint(
        _owns_rubric, args=lambda s: {"pk": s.rubric.pk}, methods=POST
    ),
    # assessments: quizzes
    "assessments:quiz": Endpoint(_opens_lessons, args=quiz),
    "assessments:quiz_settings": Endpoint(_manages, args=quiz, methods=BOTH),
    "assessments:quiz_questions": Endpoint(_manages, args=quiz, methods=BOTH),
    "assessments:quiz_question_new": Endpoint(_writes_quiz_questions, args=quiz, methods=BOTH),
    "assessments:quiz_item": Endpoint(
        _manages, args=lambda s: {**quiz(s), "item_id": s.item.pk}, methods=POST
    ),
    "assessments:quiz_preview": Endpoint(_manages, args=quiz),
    "assessments:quiz_start": Endpoint(_studies, args=quiz, methods=POST),
    "assessments:quiz_attempts": Endpoint(_manages, args=quiz),
    "assessments:quiz_grading": Endpoint(_manages, args=quiz),
    "assessments:quiz_stats": Endpoint(_manages, args=quiz),
    "assessments:quiz_attempt": Endpoint(
        _owns_attempt, args=lambda s: {"attempt_id": s.attempt.pk}
    ),
    "assessments:quiz_attempt_save": Endpoint(
        _owns_attempt, args=lambda s: {"attempt_id": s.attempt.pk}, methods=POST
    ),
    "assessments:quiz_attempt_submit": Endpoint(
        _owns_attempt, args=lambda s: {"attempt_id": s.attempt.pk}, methods=POST
    ),
    "assessments:quiz_result": Endpoint(_sees_attempt, args=lambda s: {"attempt_id": s.attempt.pk}),
    "assessments:quiz_answer_grade": Endpoint(
        _manages, args=lambda s: {"answer_id": s.answer.pk}, methods=POST
    ),
    # assessments: assignments
    "assessments:assignment": Endpoint(
        _follows_lessons, post=_studies, args=assignment, methods=BOTH
    ),
    "assessments:assignment_settings": Endpoint(_manages, args=assignment, methods=BOTH),
    "assessments:assignment_files": Endpoint(_manages, args=assignment, methods=POST),
    "assessments:assignment_file_delete": Endpoint(
        _manages,
        args=lambda s: {**assignment(s), "file_id": s.assignment_file.pk},
        methods=POST,
    ),
    "assessments:assignment_submissions": Endpoint(_manages, args=assignment, methods=BOTH),
    "assessments:assignment_counts": Endpoint(_manages, args=assignment),
    "assessments:assignment_student": Endpoint(
        _reads_submission,
        post=_manages,
        args=lambda s: {**assignment(s), "student_id": s.student.pk},
        methods=BOTH,
    ),
    "assessments:assignment_file": Endpoint(
        _instruction_file, args=lambda s: {"file_id": s.assignment_file.pk}
    ),
    "assessments:submission_file": Endpoint(
        _submission_file, args=lambda s: {"file_id": s.submission_file.pk}
    ),
    "assessments:feedback_file": Endpoint(
        _feedback_file, args=lambda s: {"submission_id": s.submission.pk}
    ),
    # assessments: grades
    "assessments:gradebook": Endpoint(_gradebook, args=course),
    "assessments:gradebook_xlsx": Endpoint(_gradebook, args=course),
    "assessments:gradebook_weights": Endpoint(_weights, args=course, methods=BOTH),
    "assessments:gradebook_override_total": Endpoint(
        _overrides, args=lambda s: {"pk": s.course.pk, "student_id": s.student.pk}, methods=BOTH
    ),
    "assessments:gradebook_override": Endpoint(
        _overrides,
        args=lambda s: {
            "pk": s.course.pk,
            "student_id": s.student.pk,
            "lesson_id": s.quiz_lesson.pk,
        },
        methods=BOTH,
    ),
    "assessments:my_grades": Endpoint(_own_grades),
    "assessments:course_grades": Endpoint(_course_grades, args=course),
    # media
    "media:my_videos": Endpoint(_can("media.upload")),
    "media:detail": Endpoint(_manages_video, args=lambda s: {"pk": s.uploaded.pk}),
    "media:status": Endpoint(_manages_video, args=lambda s: {"pk": s.uploaded.pk}),
    "media:status_fragment": Endpoint(_manages_video, args=lambda s: {"pk": s.uploaded.pk}),
    "media:retry": Endpoint(_manages_video, args=lambda s: {"pk": s.uploaded.pk}, methods=POST),
    "media:tus_create": Endpoint(_can("media.upload"), methods=POST, headers=TUS),
    "media:tus_upload": Endpoint(
        _nobody, world_args=lambda w: {"key": "not-an-upload"}, methods=("HEAD",), headers=TUS
    ),
    "media:hls": Endpoint(
        _nobody, public=False, world_args=lambda w: {"token": "not-a-token", "name": "index.m3u8"}
    ),
    # live
    "live:classroom": Endpoint(_joins, args=lambda s: {"session_id": s.session.pk}),
    "live:start": Endpoint(_hosts, args=lambda s: {"session_id": s.session.pk}, methods=POST),
    "live:end": Endpoint(_hosts, args=lambda s: {"room_id": s.room.pk}, methods=POST),
    "live:attendance": Endpoint(_hosts, args=lambda s: {"room_id": s.room.pk}),
    "live:confirm": Endpoint(_hosts, args=lambda s: {"room_id": s.room.pk}, methods=POST),
    "live:recording_share": Endpoint(_hosts, args=lambda s: {"room_id": s.room.pk}, methods=POST),
    "live:recording_delete": Endpoint(_hosts, args=lambda s: {"room_id": s.room.pk}, methods=POST),
    # Janus's own calls, with its secret: nobody else.
    "live:janus_events": Endpoint(_nobody, methods=POST),
    # operations
    "operations:applications": Endpoint(_can("operations.view_applications")),
    "operations:apply": Endpoint(
        lambda user, scope=None: operations_access.can_apply(user), methods=BOTH
    ),
    "operations:application": Endpoint(_sees_application, args=lambda s: {"pk": s.application.pk}),
    "operations:step": Endpoint(
        _sees_application, args=lambda s: {"pk": s.application.pk}, methods=POST
    ),
    "operations:survey": Endpoint(_survey, args=lambda s: {"pk": s.application.pk}, methods=BOTH),
    "operations:recordings": Endpoint(
        _decides_recordings, args=lambda s: {"pk": s.application.pk}, methods=POST
    ),
    # The world's applications have opened no course yet: their sessions are nobody's.
    "operations:confirm_session": Endpoint(
        _nobody,
        args=lambda s: {"pk": s.application.pk, "session_id": s.session.pk},
        methods=POST,
    ),
    "operations:change_session": Endpoint(
        _nobody,
        args=lambda s: {"pk": s.application.pk, "session_id": s.session.pk},
        methods=POST,
    ),
    "operations:pool": Endpoint(_can("pool.view")),
    "operations:profile": Endpoint(_sees_profile, world_args=lambda w: {"pk": w.profile.pk}),
    "operations:my_profile": Endpoint(_can("pool.own_profile"), methods=BOTH),
    "operations:my_availability": Endpoint(_has_profile, methods=POST),
    "operations:my_document": Endpoint(_has_profile, methods=POST),
    "operations:document": Endpoint(
        _sees_document, world_args=lambda w: {"pk": w.instructor_document.pk}
    ),
    # The office checks an instructor's document (an empty POST refuses it without a reason:
    # a form error, after the gate).
    "operations:document_review": Endpoint(
        _can("operations.approve"),
        world_args=lambda w: {"pk": w.instructor_document.pk},
        methods=POST,
    ),
    "operations:register_own": Endpoint(_can("pool.register"), methods=BOTH),
    "operations:pay": Endpoint(_pay),
    "operations:close_month": Endpoint(_can("pay.close_month"), methods=POST),
    "operations:statement": Endpoint(
        _can("pay.view_all"), world_args=lambda w: {"user_id": w.city.instructor.pk}
    ),
    # operations: the office's settings (calls, the rate table, point rules); none is a
    # school's. An empty POST is a form with errors, or opens the world's call: the gate first.
    "operations:calls": Endpoint(_can("operations.approve")),
    "operations:call_new": Endpoint(_can("operations.approve"), methods=BOTH),
    "operations:call": Endpoint(_can("operations.approve"), world_args=_call),
    "operations:call_edit": Endpoint(_can("operations.approve"), world_args=_call, methods=BOTH),
    "operations:call_publish": Endpoint(_can("operations.approve"), world_args=_call, methods=POST),
    "operations:rates": Endpoint(_can("operations.approve")),
    "operations:rate_table_new": Endpoint(_can("operations.approve"), methods=BOTH),
    "operations:rate_table": Endpoint(_can("operations.approve"), world_args=_rate_table),
    "operations:rate_table_edit": Endpoint(
        _can("operations.approve"), world_args=_rate_table, methods=BOTH
    ),
    "operations:point_rules": Endpoint(_can("operations.approve"), methods=BOTH),
    # notifications
    "notifications:list": Endpoint(_logged_in),
    "notifications:read": Endpoint(_logged_in, methods=POST),
    "notifications:settings": Endpoint(_logged_in, methods=BOTH),
    "notifications:message_class": Endpoint(_can("notifications.message_class"), methods=BOTH),
    # A notification opens for its recipient only (the scope's student's: read, then the list).
    "notifications:open": Endpoint(
        lambda user, scope: _notification(scope).recipient_id == user.pk,
        args=lambda scope: {"pk": _notification(scope).pk},
    ),
    # hub: the office's pages of registered sites and the authentication log. An empty POST
    # is a form with errors (registering, changing) or does what it says (a new secret,
    # disabling, enabling the world's site): the gate comes first.
    "hub:sites": Endpoint(_can("hub.manage_sites")),
    "hub:site_register": Endpoint(_can("hub.manage_sites"), methods=BOTH),
    "hub:site": Endpoint(_can("hub.manage_sites"), world_args=_site),
    "hub:site_edit": Endpoint(_can("hub.manage_sites"), world_args=_site, methods=BOTH),
    "hub:site_rotate": Endpoint(_can("hub.manage_sites"), world_args=_site, methods=BOTH),
    "hub:site_disable": Endpoint(_can("hub.manage_sites"), world_args=_site, methods=BOTH),
    "hub:site_enable": Endpoint(_can("hub.manage_sites"), world_args=_site, methods=POST),
    # Any signed-in person may load a logo (the consent page shows it); the world's site has
    # none: a 404 for everyone.
    "hub:site_logo": Endpoint(_nobody, world_args=_site),
    "hub:auth_log": Endpoint(_can("hub.view_auth_log")),
    # lti: outside tools. The tools pages (an empty POST is a form with errors, or enables the
    # world's tool: the gate first); a tool lesson's settings for its course's managers; the
    # launch for who opens the course's lessons (a 302 to the tool); the OIDC authorization
    # endpoint answers every caller (400 without a launch: lti/tests test the launches), the
    # platform's keys are public; deep linking for managers who register tools; a
    # deep-linking return names no launch here (404: lti/tests post real ones).
    "lti:tools": Endpoint(_can("lti.register")),
    "lti:tool_register": Endpoint(_can("lti.register"), methods=BOTH),
    "lti:tool": Endpoint(_can("lti.register"), world_args=_lti_tool),
    "lti:tool_edit": Endpoint(_changes_tool, world_args=_lti_tool, methods=BOTH),
    "lti:tool_active": Endpoint(_changes_tool, world_args=_lti_tool, methods=POST),
    "lti:lesson_tool": Endpoint(_manages, args=_tool_lesson, methods=BOTH),
    "lti:launch": Endpoint(_opens_lessons, args=_tool_lesson),
    "lti:auth": Endpoint(_logged_in, public=True, methods=BOTH),
    "lti:jwks": Endpoint(_logged_in, public=True),
    "lti:deep_link_start": Endpoint(
        lambda user, scope: _manages(user, scope) and has_capability(user, "lti.register"),
        args=lambda s: {"section_id": s.section.pk},
        methods=BOTH,
    ),
    "lti:deep_link_return": Endpoint(
        _nobody, world_args=lambda w: {"launch_id": MISSING}, methods=POST
    ),
    # the demo outside tool (/demo-tool/), a tool of its own served by openclass: its login and
    # launch answer a request without LTI parameters with its error page (400), its key set is
    # public, its score and pick forms need a launch of the session (400 without).
    "demo_tool:login": Endpoint(_logged_in, public=True, methods=BOTH),
    "demo_tool:launch": Endpoint(_logged_in, public=True, methods=POST),
    "demo_tool:score": Endpoint(_logged_in, public=True, methods=POST),
    "demo_tool:pick": Endpoint(_logged_in, public=True, methods=POST),
    "demo_tool:jwks": Endpoint(_logged_in, public=True),
    # privacy
    # search: the results page and its suggestions (what they show is scoped by each source,
    # tested in search/tests), the office's page of queries that found nothing.
    "search:results": Endpoint(_can("search.use")),
    "search:suggest": Endpoint(_can("search.use")),
    "search:gaps": Endpoint(_can("search.view_gaps")),
    "privacy:access_log": Endpoint(_can("privacy.view_access_log")),
    "privacy:my_data": Endpoint(_can("privacy.export_own")),
    # Without a child named: one's own data, for everyone signed in.
    "privacy:data_export": Endpoint(_can("privacy.export_own"), methods=POST),
    "privacy:consents": Endpoint(_can("privacy.consent")),
    # An empty form names no student of theirs: refused to everyone.
    "privacy:consent_decide": Endpoint(_nobody, methods=POST),
    "privacy:leavers": Endpoint(_can("privacy.record_leaving")),
    "privacy:leaving": Endpoint(
        _records_leaving, args=lambda s: {"pk": s.student.pk}, methods=BOTH
    ),
    # The world has no leaver: a 404 for everyone.
    "privacy:leaving_cancel": Endpoint(_nobody, world_args=lambda w: {"pk": MISSING}, methods=POST),
    # lists (나만의 목록): each scope's teacher's list (lists.access). Saving names its thing in
    # the query string: without one, a 404 for everyone; the POST saves the own scope's list
    # (a search result of the kind "list") for whoever may open it (no list chosen: the page
    # again). The link opens the own scope's list for anyone signed in.
    "lists:index": Endpoint(_can("lists.keep"), methods=BOTH),
    "lists:save": Endpoint(
        _nobody,
        post=lambda user, world: _opens_list(user, world.scopes["own"]),
        world_args=lambda w: {},
        methods=BOTH,
        data=lambda w: {"source": "lists.list", "key": _saved_list(w.scopes["own"]).pk},
    ),
    "lists:shared": Endpoint(
        _can("lists.keep"),
        world_args=lambda w: {"token": _saved_list(w.scopes["own"]).link_token},
    ),
    "lists:shared_copy": Endpoint(
        _can("lists.keep"),
        world_args=lambda w: {"token": _saved_list(w.scopes["own"]).link_token},
        methods=POST,
    ),
    "lists:detail": Endpoint(_opens_list, args=_saved_list_args),
    "lists:edit": Endpoint(_owns_list, args=_saved_list_args, methods=BOTH),
    "lists:delete": Endpoint(_owns_list, args=_saved_list_args, methods=BOTH),
    "lists:share": Endpoint(_shares_list, args=_saved_list_args, methods=POST),
    "lists:link": Endpoint(_owns_list, args=_saved_list_args, methods=POST),
    "lists:copy": Endpoint(_opens_list, args=_saved_list_args, methods=POST),
    "lists:move": Endpoint(_owns_list, args=_saved_item_args, methods=POST),
    "lists:annotate": Endpoint(_owns_list, args=_saved_item_args, methods=POST),
    "lists:remove": Endpoint(_owns_list, args=_saved_item_args, methods=POST),
    # hub: outside sign-in, off in the tests' settings (OPENCLASS_OUTSIDE_OIDC_*): a 404 for
    # everyone (hub/tests/test_outside.py signs in through a real provider).
    "hub:outside_login": Endpoint(_nobody),
    "hub:outside_callback": Endpoint(_nobody),
    "hub:outside_failed": Endpoint(_nobody),
    # hub: the OpenID Connect provider. Discovery and the keys are public; the authorization
    # endpoint wants a signed-in person (without a client it answers 400); the token and
    # revocation endpoints answer every caller (400 without a grant or a token); what needs a
    # token or a client's secret is a 401 to a browser's session; signing out is open to all
    # (OpenID Connect RP-initiated logout). hub/tests/ test them with real clients and tokens.
    "hub:openid-configuration": Endpoint(_logged_in, public=True),
    "oauth2_provider:oidc-connect-discovery-info": Endpoint(_logged_in, public=True),
    "oauth2_provider:jwks-info": Endpoint(_logged_in, public=True),
    "oauth2_provider:authorize": Endpoint(_logged_in),
    "oauth2_provider:token": Endpoint(_logged_in, public=True, methods=POST),
    "oauth2_provider:revoke-token": Endpoint(_logged_in, public=True, methods=POST),
    "oauth2_provider:introspect": Endpoint(_nobody, methods=BOTH),
    "oauth2_provider:user-info": Endpoint(_nobody, methods=BOTH),
    "oauth2_provider:rp-initiated-logout": Endpoint(_logged_in, public=True),
    # hub: the demo relying site, a site of its own served by openclass (signing in through
    # openclass, not a page of openclass): open to all; without the demo data's registration
    # (as in the matrix's world) its pages lead back to its home page, which says so.
    "hub:demo_site": Endpoint(_logged_in, public=True),
    "hub:demo_site_login": Endpoint(_logged_in, public=True, methods=POST),
    "hub:demo_site_callback": Endpoint(_logged_in, public=True),
    "hub:demo_site_logout": Endpoint(_logged_in, public=True, methods=POST),
    "hub:demo_site_backchannel_logout": Endpoint(_logged_in, public=True, methods=POST),
    # feeds: the office's pages of outside catalogs (an empty POST is a form with errors, or
    # disables the world's catalog, or starts its fetch: the gate comes first); the demo's open
    # data (an OAI-PMH repository and feeds the installation fetches from itself) is public.
    "feeds:catalogs": Endpoint(_can("feeds.manage")),
    "feeds:catalog_new": Endpoint(_can("feeds.manage"), methods=BOTH),
    "feeds:catalog": Endpoint(_can("feeds.manage"), world_args=_catalog),
    "feeds:catalog_edit": Endpoint(_can("feeds.manage"), world_args=_catalog, methods=BOTH),
    "feeds:catalog_fetch": Endpoint(_can("feeds.manage"), world_args=_catalog, methods=POST),
    "feeds:catalog_active": Endpoint(_can("feeds.manage"), world_args=_catalog, methods=POST),
    "feeds:demo_oai": Endpoint(_logged_in, public=True),
    "feeds:demo_feed_json": Endpoint(_logged_in, public=True),
    "feeds:demo_feed_csv": Endpoint(_logged_in, public=True),
    # xapi: the office's outside LRSs and LRS clients (an empty POST is a form with errors, or
    # deactivates, retries, or refuses to send to the inactive world's LRS: the gate comes
    # first); the demo outside LRS's statements take its own HTTP Basic credentials (a browser's
    # session is a 401), its page is the office's, its /about is public.
    "xapi:destinations": Endpoint(_can("xapi.manage")),
    "xapi:destination_new": Endpoint(_can("xapi.manage"), methods=BOTH),
    "xapi:destination": Endpoint(_can("xapi.manage"), world_args=_lrs_destination),
    "xapi:destination_edit": Endpoint(
        _can("xapi.manage"), world_args=_lrs_destination, methods=BOTH
    ),
    "xapi:destination_send": Endpoint(
        _can("xapi.manage"), world_args=_lrs_destination, methods=POST
    ),
    "xapi:destination_retry": Endpoint(
        _can("xapi.manage"), world_args=_lrs_destination, methods=POST
    ),
    "xapi:destination_active": Endpoint(
        _can("xapi.manage"), world_args=_lrs_destination, methods=POST
    ),
    "xapi:clients": Endpoint(_can("xapi.manage")),
    "xapi:client_new": Endpoint(_can("xapi.manage"), methods=BOTH),
    "xapi:client_edit": Endpoint(_can("xapi.manage"), world_args=_lrs_client, methods=BOTH),
    "xapi:client_rotate": Endpoint(_can("xapi.manage"), world_args=_lrs_client, methods=BOTH),
    "xapi:client_active": Endpoint(_can("xapi.manage"), world_args=_lrs_client, methods=POST),
    "demo_lrs:home": Endpoint(_can("xapi.manage")),
    "demo_lrs:statements": Endpoint(_nobody, methods=BOTH),
    "demo_lrs:about": Endpoint(_logged_in, public=True),
    # catalog: the office keeps the topic taxonomy (an empty POST is a form with errors, or
    # retires the topic: the gate comes first).
    "catalog:topics": Endpoint(_can("catalog.manage")),
    "catalog:topic_new": Endpoint(_can("catalog.manage"), methods=BOTH),
    "catalog:topic": Endpoint(_can("catalog.manage"), world_args=_topic),
    "catalog:topic_edit": Endpoint(_can("catalog.manage"), world_args=_topic, methods=BOTH),
    "catalog:topic_retire": Endpoint(_can("catalog.manage"), world_args=_topic, methods=POST),
    "catalog:element_new": Endpoint(_can("catalog.manage"), world_args=_topic, methods=POST),
    "catalog:element_edit": Endpoint(_can("catalog.manage"), world_args=_element, methods=BOTH),
    "catalog:audiences": Endpoint(_can("catalog.manage"), methods=BOTH),
    "catalog:audience_edit": Endpoint(_can("catalog.manage"), world_args=_audience, methods=BOTH),
}


# --- the Open API --------------------------------------------------------------------------------
# /api/v1/ takes a Bearer token only: a browser's session is none, so every operation answers
# the matrix's signed-in people 401 (api/tests/ ask each one with tokens, role by role, and
# with objects of another school). Its OpenAPI document and docs page are public; ninja's root
# is a 404. The names are read from the API itself, so a new operation is in the matrix at once.


def _open_api_endpoints() -> dict[str, Endpoint]:
    from openclass.api.main import api

    methods: dict[str, set[str]] = {}
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                name = getattr(operation, "url_name", None) or operation.view_func.__name__
                methods.setdefault(name, set()).update(operation.methods)
    endpoints = {
        "api-v1:openapi-json": Endpoint(_logged_in, public=True),
        "api-v1:openapi-view": Endpoint(_logged_in, public=True),
        "api-v1:api-root": Endpoint(_nobody),
    }
    for pattern in api.urls[0]:
        if pattern.name in methods:
            ids = {name: MISSING for name in pattern.pattern.converters}
            endpoints[f"api-v1:{pattern.name}"] = Endpoint(
                _nobody,
                world_args=(lambda w, ids=ids: ids) if ids else None,
                methods=tuple(sorted(methods[pattern.name])),
            )
    return endpoints


ENDPOINTS.update(_open_api_endpoints())
ENDPOINTS["api:tokens"] = Endpoint(_can("api.personal_tokens"), methods=BOTH)
# Only one's own token: the world has none, so a 404 for everyone.
ENDPOINTS["api:revoke_token"] = Endpoint(
    _nobody, world_args=lambda w: {"pk": MISSING}, methods=POST
)

# The learning record store (/xapi/, xAPI 1.0.3): like the Open API, HTTP Basic credentials of an
# LRS client or a Bearer token, never a browser's session: every signed-in person is a 401 (asked
# with the version header the LRS wants first; xapi/tests/ ask with credentials, role by role).
# /xapi/about is public.
_LRS = {"X-Experience-API-Version": "1.0.3"}
ENDPOINTS["xapi:about"] = Endpoint(_logged_in, public=True)
ENDPOINTS["xapi:statements"] = Endpoint(_nobody, methods=BOTH, headers=_LRS)
ENDPOINTS["xapi:statements_more"] = Endpoint(
    _nobody, world_args=lambda w: {"token": "unknown"}, headers=_LRS
)
# The document resources (State, Activity and Agent Profile) and the Activities and Agents ones.
for _name in ("activity_state", "activity_profile", "agent_profile"):
    ENDPOINTS[f"xapi:{_name}"] = Endpoint(_nobody, methods=BOTH, headers=_LRS)
ENDPOINTS["xapi:activities"] = Endpoint(_nobody, headers=_LRS)
ENDPOINTS["xapi:agents"] = Endpoint(_nobody, headers=_LRS)

# The LTI Advantage services a tool calls (/lti/token/, AGS, NRPS): a tool's signed assertion or
# its bearer token, never a browser's session. The token endpoint answers every caller (400
# without a grant, as the hub's); the services are a 401 to everyone signed in (lti/tests/ ask
# them with tokens, PyLTI1p3 as the tool).
_LTI_COURSE = {"course_id": MISSING}
_LTI_ITEM = {"course_id": MISSING, "item_id": MISSING}
ENDPOINTS["lti:token"] = Endpoint(_logged_in, public=True, methods=POST)
ENDPOINTS["lti:ags_lineitems"] = Endpoint(_nobody, world_args=lambda w: _LTI_COURSE, methods=BOTH)
ENDPOINTS["lti:ags_lineitem"] = Endpoint(_nobody, world_args=lambda w: _LTI_ITEM)
ENDPOINTS["lti:ags_scores"] = Endpoint(_nobody, world_args=lambda w: _LTI_ITEM, methods=POST)
ENDPOINTS["lti:ags_results"] = Endpoint(_nobody, world_args=lambda w: _LTI_ITEM)
ENDPOINTS["lti:nrps_memberships"] = Endpoint(_nobody, world_args=lambda w: _LTI_COURSE)


# --- the sockets ---------------------------------------------------------------------------------


#: Who enters a scope's live class, and as what: "host", "student", "guest" (who waits in the
#: waiting room until the host lets them in) or None (refused).
def classroom_part(user: User, scope: Scope) -> str | None:
    return live_access.role_for(user, scope.session)


#: The classroom socket's messages (every ``type`` its consumer answers), who may send each —
#: "host" (the class's teachers), "student", or "member" (anyone let into the class) — and what
#: the matrix sends: a harmless message, wrong where it would change the class, so that a refusal
#: must come before any validation.
CLASSROOM_MESSAGES: dict[str, tuple[str, dict[str, Any]]] = {
    "chat": ("member", {"text": "안녕하세요"}),
    "chat.delete": ("host", {"id": MISSING}),
    "hand": ("member", {"raised": False}),
    "hand.lower": ("host", {"user": MISSING}),
    "reaction": ("member", {"emoji": "👍"}),
    "media": ("member", {"audio": False, "video": False, "screen": False, "streams": []}),
    "unmute": ("member", {"kind": "audio"}),
    "poll.open": ("host", {"question": "", "choices": []}),
    "poll.answer": ("student", {"poll": MISSING, "choice": 0}),
    "poll.close": ("host", {"poll": MISSING}),
    "mute": ("host", {"user": MISSING, "kind": "audio"}),
    "mute.all": ("host", {}),
    "remove": ("host", {"user": MISSING}),
    "room": ("host", {"spotlight": None}),
    "breakouts": ("host", {"action": "close"}),
    "record": ("host", {"on": False}),
    "admit": ("host", {"user": MISSING, "admitted": False}),
    "ticket": ("member", {"purpose": "camera", "request": 1}),
    "start": ("host", {"request": 2}),
}


def may_send(part: str, message_type: str) -> bool:
    sender = CLASSROOM_MESSAGES[message_type][0]
    return sender == "member" or sender == part


def reports_progress(user: User, scope: Scope) -> bool:
    """The progress socket's ``open`` of a scope's video lesson: its enrolled students."""
    return _studies(user, scope)
