"""Who may see and do what in assessments: questions, gradebooks, submissions and their files.

Built on ``accounts.capabilities`` (which roles ever author questions and rubrics,
"assessments.author", or open a gradebook, "gradebook.view") and on ``courses.access`` (who
manages a course, whose records in it a user reads), so a rule about people or courses is never
written again here; this module adds only what assessments change:

- a question belongs to its owner, who alone changes or deletes it; shared, it is visible to the
  staff of its owner's school (``Question.school``), who may copy it into their own bank;
- a question (and its image) is also seen by the managers of a course whose quiz uses it
  (co-teachers grading the quiz), by a student with an attempt that showed it, and by that
  student's parents;
- a course's gradebook is opened by staff who read the records of some of its students (its
  managers; a teacher who enrolled their class into someone else's course):
  ``has_capability(user, "gradebook.view", course)``; only the course's managers set its
  weights, and a grade is overridden by staff who read that student's records;
- an assignment's submission (status, grade, feedback) is read by the student, the course's
  managers and whoever reads the student's records (parents, their own teachers); the work
  itself only by the student, the managers, and classmates once the teacher published it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from openclass.accounts import scoping
from openclass.accounts.capabilities import has_capability, object_rule
from openclass.accounts.models import User
from openclass.courses import access as course_access
from openclass.courses.models import Course

from .models import (
    Answer,
    Assignment,
    AssignmentFile,
    Attempt,
    Question,
    QuizQuestion,
    Submission,
    SubmissionFile,
)

# --- The question bank ------------------------------------------------------------------------


def visible_questions(user: User) -> QuerySet[Question]:
    """The questions ``user`` may open in the bank: their own, and those shared with their
    school by its other staff. Students and parents have no bank."""
    if not has_capability(user, "assessments.author"):
        return Question.objects.none()
    rule = Q(owner=user)
    school = scoping.school_of(user)
    if school is not None:
        rule |= Q(is_shared=True, school=school)
    return Question.objects.filter(rule)


def can_edit_question(user: User, question: Question) -> bool:
    """Only a question's owner changes or deletes it."""
    return has_capability(user, "assessments.author") and question.owner_id == user.pk


def _shown_in_attempt(student: User, question: Question) -> bool:
    """Whether one of the student's attempts lays out ``question``. Attempts are first narrowed
    in SQL to quizzes that contain the question (a handful per student); the layout, which holds
    the random pick of that attempt, is then read in Python, since JSON containment is not
    portable between SQLite and PostgreSQL."""
    attempts = Attempt.objects.filter(student=student, quiz__items__question=question).only(
        "layout"
    )
    for attempt in attempts:
        layout = attempt.layout if isinstance(attempt.layout, list) else []
        if any(isinstance(item, dict) and item.get("question") == question.pk for item in layout):
            return True
    return Answer.objects.filter(attempt__student=student, question=question).exists()


def can_view_question(user: User, question: Question) -> bool:
    """Who may see a question and its image:

    - those who may open it in the bank (its owner; staff of its school when it is shared);
    - the managers of a course whose quiz uses it (co-teachers grading the quiz);
    - a student with an attempt that showed it (random picks count: a question of the quiz that
      their attempts never drew stays hidden), and that student's parents.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    if visible_questions(user).filter(pk=question.pk).exists():
        return True
    if has_capability(user, "assessments.author"):
        courses = course_access.manageable_courses(user).values("pk")
        return QuizQuestion.objects.filter(
            question=question, quiz__lesson__section__course__in=courses
        ).exists()
    if has_capability(user, "course.learn"):
        return _shown_in_attempt(user, question)
    if has_capability(user, "grades.view_children"):
        return any(_shown_in_attempt(child, question) for child in scoping.children_of(user))
    return False


# --- The gradebook ----------------------------------------------------------------------------


@object_rule("gradebook.view")
def _reads_records_in(user: User, course: Course) -> bool:
    """The gradebook of ``course``: its managers, and staff who may read the records of some of
    its students (a teacher who enrolled their class into someone else's course). Asked through
    ``has_capability(user, "gradebook.view", course)``, after the role table (students and
    parents read their own rows through "grades.view_own" and "grades.view_children")."""
    return (
        course_access.can_manage_course(user, course)
        or course_access.enrolments_visible_to(user, course).exists()
    )


def can_edit_weights(user: User, course: Course) -> bool:
    """Weights shape every student's total, so only the course's managers set them."""
    return has_capability(user, "course.manage", course)


def can_override(user: User, course: Course, student: User) -> bool:
    """Staff who see the student's row on the gradebook may override it (with a reason, kept
    in the history): the course's managers and the student's own teachers."""
    return has_capability(user, "gradebook.view") and course_access.can_read_records_of(
        user, course, student
    )


# --- Assignments: who may read which submission and file -------------------------------------


def can_read_submission_of(viewer: User, assignment: Assignment, student: User) -> bool:
    """The student, the course's managers, and whoever may read the student's records in the
    course (their parents, their own class teachers) see status, grade and feedback."""
    course = assignment.lesson.section.course
    if viewer.pk == student.pk:
        return course_access.is_enrolled(student, course)
    return course_access.can_read_records_of(viewer, course, student)


def can_download_submission_file(viewer: User, file: SubmissionFile) -> bool:
    """A student's own files; the course's managers; classmates only for the latest version of
    a submission the teacher published. Parents and other teachers see status and feedback,
    not the work itself."""
    submission = file.version.submission
    course = submission.assignment.lesson.section.course
    if not viewer.is_authenticated or not viewer.is_active:
        return False
    if viewer.pk == submission.student_id:
        return True
    if course_access.can_manage_course(viewer, course):
        return True
    if submission.is_published and course_access.is_enrolled(viewer, course):
        return file.version.number == submission.version_count
    return False


def can_download_feedback_file(viewer: User, submission: Submission) -> bool:
    return can_read_submission_of(viewer, submission.assignment, submission.student)


def can_download_instruction_file(viewer: User, file: AssignmentFile) -> bool:
    """Whoever may open the assignment page: its students, those who may preview the course's
    lessons, and those following an enrolled student (parents)."""
    course = file.assignment.lesson.section.course
    return (
        course_access.is_enrolled(viewer, course)
        or course_access.can_preview_lessons(viewer, course)
        or course_access.enrolments_visible_to(viewer, course).exists()
    )
