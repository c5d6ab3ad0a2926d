"""Pages for the assignments part of assessments (see ``services.assignments`` for the rules
and ``services.rubrics`` for rubrics).

Thin: who the viewer is to the course is ``courses.access.viewer_of``, who may read which
submission or file is ``assessments.access``; a page or file the user may not read answers 404,
like the course pages. The services' refusals reach the page through ``core.views.perform``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import AuthenticatedRequest, User
from openclass.core.downloads import download_response
from openclass.core.views import perform
from openclass.courses import access
from openclass.courses.models import Lesson
from openclass.privacy.models import AccessRecord
from openclass.privacy.services import record_read

from ..access import (
    can_download_feedback_file,
    can_download_instruction_file,
    can_download_submission_file,
    can_read_submission_of,
)
from ..forms.assignments import (
    AssignmentSettingsForm,
    CriterionForm,
    GradeForm,
    InstructionFilesForm,
    LevelFormSet,
    PublishForm,
    RubricForm,
    SubmissionForm,
)
from ..models import (
    Assignment,
    AssignmentFile,
    Rubric,
    Submission,
    SubmissionFile,
)
from ..services import assignments, rubrics


def _assignment_in(courses, lesson_id: int) -> Assignment:
    lesson = get_object_or_404(
        Lesson.objects.select_related("section__course"),
        pk=lesson_id,
        kind=Lesson.Kind.ASSIGNMENT,
        section__course__in=courses.values("pk"),
    )
    return assignments.assignment_for(lesson)


def managed_assignment_or_404(request: AuthenticatedRequest, lesson_id: int) -> Assignment:
    return _assignment_in(access.manageable_courses(request.user), lesson_id)


def visible_assignment_or_404(request: AuthenticatedRequest, lesson_id: int) -> Assignment:
    return _assignment_in(access.visible_courses(request.user), lesson_id)


def _context(assignment: Assignment) -> dict:
    lesson = assignment.lesson
    return {
        "assignment": assignment,
        "lesson": lesson,
        "course": lesson.section.course,
        "now": timezone.now(),
    }


# --- The student's page --------------------------------------------------------------------


@login_required
def assignment(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    """Instructions, due date, the student's own versions and grade, the work the teacher
    published, and the form to hand in. Managers see it as a preview; parents (and others who
    may read some enrolled students' records) get links to those students' status."""
    item = visible_assignment_or_404(request, lesson_id)
    user = request.user
    viewer = access.viewer_of(user, assignments.course_of(item))
    is_student, can_manage = viewer.is_student, viewer.can_manage
    if not viewer.may_open_lessons and not viewer.records:
        raise PermissionDenied(_("Enrol in the course to study its lessons."))
    submission = (
        Submission.objects.filter(assignment=item, student=user).first() if is_student else None
    )
    versions = assignments.versions_of(submission) if submission else []
    now = timezone.now()
    state = assignments.window(item, now)
    form = None
    if is_student and state.open:
        form = SubmissionForm(
            request.POST or None,
            request.FILES or None,
            assignment=item,
            has_previous_files=bool(versions and versions[0].files.all()),
        )
        if request.method == "POST" and form.is_valid():
            handed_in = perform(
                request,
                assignments.submit,
                user,
                item,
                text=form.cleaned_data.get("text", ""),
                files=form.cleaned_data.get("files", []),
                keep_files=form.cleaned_data.get("keep_files", False),
                form=form,
            )
            if handed_in:
                version = handed_in.value
                messages.success(
                    request,
                    (
                        _("Version %(n)d is handed in, marked late.")
                        if version.is_late
                        else _("Version %(n)d is handed in.")
                    )
                    % {"n": version.number},
                )
                return redirect("assessments:assignment", lesson_id=item.lesson_id)
    elif request.method == "POST":
        if not is_student:
            raise PermissionDenied(_("Only students enrolled in the course can submit."))
        messages.error(request, state.reason)
        return redirect("assessments:assignment", lesson_id=item.lesson_id)
    return render(
        request,
        "assessments/assignment_detail.html",
        {
            **_context(item),
            "files": item.files.all(),
            "state": state,
            "is_student": is_student,
            "can_manage": can_manage,
            "records": viewer.records,
            "submission": submission,
            "versions": versions,
            "rubric_scores": _rubric_scores(submission) if submission else [],
            "needs_regrading": submission and assignments.needs_regrading(submission),
            "published": assignments.published_for(user, item),
            "counts": assignments.counts(item) if can_manage else None,
            "form": form,
        },
    )


def _rubric_scores(submission: Submission) -> list:
    if submission.score is None:
        return []
    return list(
        submission.rubric_scores.select_related("criterion", "level").order_by(
            "criterion__position", "criterion__pk"
        )
    )


# --- The teacher's settings ----------------------------------------------------------------


@login_required
def assignment_settings(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    item = managed_assignment_or_404(request, lesson_id)
    form = AssignmentSettingsForm(request.POST or None, instance=item, user=request.user)
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(request, assignments.save_settings, request.user, form.instance, form=form)
    ):
        messages.success(request, _("The assignment settings are saved."))
        return redirect("assessments:assignment_settings", lesson_id=item.lesson_id)
    return render(
        request,
        "assessments/assignment_settings.html",
        {
            **_context(item),
            "form": form,
            "files_form": InstructionFilesForm(),
            "files": item.files.all(),
            "graded": item.submissions.filter(score__isnull=False).count(),
        },
    )


@login_required
@require_POST
def assignment_files(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    item = managed_assignment_or_404(request, lesson_id)
    form = InstructionFilesForm(request.POST, request.FILES)
    if form.is_valid():
        files = form.cleaned_data["files"]
        added = perform(request, assignments.add_instruction_files, request.user, item, files)
        if added:
            n = len(added.value)
            messages.success(
                request, ngettext("%(n)d file added.", "%(n)d files added.", n) % {"n": n}
            )
    else:
        messages.error(request, _("Choose at least one file."))
    return redirect(
        reverse("assessments:assignment_settings", args=[item.lesson_id]) + "#instruction-files"
    )


@login_required
@require_POST
def assignment_file_delete(
    request: AuthenticatedRequest, lesson_id: int, file_id: int
) -> HttpResponse:
    item = managed_assignment_or_404(request, lesson_id)
    file = get_object_or_404(item.files, pk=file_id)
    assignments.remove_instruction_file(request.user, file)
    messages.success(request, _("«%(name)s» is removed.") % {"name": file.name})
    return redirect(
        reverse("assessments:assignment_settings", args=[item.lesson_id]) + "#instruction-files"
    )


# --- The teacher's overview and grading ----------------------------------------------------


@login_required
def assignment_submissions(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    """Every enrolled student with their status; live counts; publishing selected work."""
    item = managed_assignment_or_404(request, lesson_id)
    rows = assignments.roster(item)
    ids = [row["submission"].pk for row in rows if row["submission"]]
    if request.method == "POST":
        form = PublishForm(request.POST, ids=ids)
        if form.is_valid():
            published = perform(
                request,
                assignments.set_published,
                request.user,
                item,
                form.cleaned_data["submissions"],
                bool(form.cleaned_data["publish"]),
            )
            if published:
                changed = published.value
                messages.success(
                    request,
                    (
                        ngettext(
                            "%(n)d submission is shown to the class.",
                            "%(n)d submissions are shown to the class.",
                            changed,
                        )
                        if form.cleaned_data["publish"]
                        else ngettext(
                            "%(n)d submission is no longer shown to the class.",
                            "%(n)d submissions are no longer shown to the class.",
                            changed,
                        )
                    )
                    % {"n": changed},
                )
        else:
            messages.error(
                request,
                _("Choose at least one submission.")
                if "submissions" in form.errors
                else _("The list changed meanwhile. Reload the page and try again."),
            )
        return redirect("assessments:assignment_submissions", lesson_id=item.lesson_id)
    record_read(
        request,
        AccessRecord.What.SUBMISSION,
        [row["student"] for row in rows],
        item,
        course=assignments.course_of(item),
    )
    for row in rows:
        row["needs_regrading"] = row["submission"] and assignments.needs_regrading(
            row["submission"]
        )
    return render(
        request,
        "assessments/assignment_submissions.html",
        {**_context(item), "rows": rows, "counts": assignments.counts(item)},
    )


@login_required
def assignment_counts(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    """The counts fragment the overview polls (htmx, every 10 s). When nothing changed since the
    figures the page shows (``?key=``), it answers 204 and the page stays as it is, so screen
    readers are not told the same figures again."""
    item = managed_assignment_or_404(request, lesson_id)
    counts = assignments.counts(item)
    if request.GET.get("key") == counts.key:
        return HttpResponse(status=204)
    return render(
        request,
        "assessments/assignment_counts.html",
        {**_context(item), "counts": counts},
    )


@login_required
def assignment_student(
    request: AuthenticatedRequest, lesson_id: int, student_id: int
) -> HttpResponse:
    """One student's work on the assignment. Managers see every version and grade it; parents
    and the student's own teachers read status, grade and feedback; nobody else gets in."""
    item = visible_assignment_or_404(request, lesson_id)
    student = get_object_or_404(User, pk=student_id, role=User.Role.STUDENT)
    course = assignments.course_of(item)
    if not access.is_enrolled(student, course):
        raise Http404
    if not can_read_submission_of(request.user, item, student):
        raise Http404
    can_manage = access.can_manage_course(request.user, course)
    submission = (
        Submission.objects.filter(assignment=item, student=student)
        .select_related("graded_by")
        .first()
    )
    form = None
    if can_manage and submission is not None:
        form = GradeForm(
            request.POST or None, request.FILES or None, assignment=item, submission=submission
        )
        if request.method == "POST" and form.is_valid():
            graded = perform(
                request,
                assignments.grade,
                request.user,
                submission,
                score=form.cleaned_data.get("score"),
                picks=form.picks(),
                feedback=form.cleaned_data.get("feedback", ""),
                feedback_file=form.cleaned_data.get("feedback_file"),
                remove_feedback_file=form.cleaned_data.get("remove_feedback_file", False),
                form=form,
            )
            if graded:
                messages.success(
                    request,
                    _("The grade is saved: %(score)s of %(max)s.")
                    % {"score": graded.value.score, "max": item.max_score},
                )
                return redirect(
                    "assessments:assignment_student",
                    lesson_id=item.lesson_id,
                    student_id=student.pk,
                )
    elif request.method == "POST":
        raise PermissionDenied(_("You cannot grade this assignment."))
    shows_work = can_manage or request.user.pk == student.pk
    record_read(request, AccessRecord.What.SUBMISSION, [student], submission, course=course)
    return render(
        request,
        "assessments/assignment_student.html",
        {
            **_context(item),
            "student": student,
            "submission": submission,
            "versions": assignments.versions_of(submission) if submission else [],
            "rubric_scores": _rubric_scores(submission) if submission else [],
            "raw_score": assignments.raw_score_of(submission) if submission else None,
            "needs_regrading": submission and assignments.needs_regrading(submission),
            "can_manage": can_manage,
            "shows_work": shows_work,
            "form": form,
        },
    )


# --- Downloads -----------------------------------------------------------------------------


@login_required
def assignment_file(request: AuthenticatedRequest, file_id: int) -> FileResponse:
    file = get_object_or_404(
        AssignmentFile.objects.select_related("assignment__lesson__section__course"), pk=file_id
    )
    if not can_download_instruction_file(request.user, file):
        raise Http404
    return download_response(file.file, file.name)


@login_required
def submission_file(request: AuthenticatedRequest, file_id: int) -> FileResponse:
    file = get_object_or_404(
        SubmissionFile.objects.select_related(
            "version__submission__assignment__lesson__section__course"
        ),
        pk=file_id,
    )
    if not can_download_submission_file(request.user, file):
        raise Http404
    submission = file.version.submission
    record_read(
        request,
        AccessRecord.What.SUBMISSION_FILE,
        [submission.student_id],
        file,
        course=submission.assignment.lesson.section.course_id,
    )
    return download_response(file.file, file.name)


@login_required
def feedback_file(request: AuthenticatedRequest, submission_id: int) -> FileResponse:
    submission = get_object_or_404(
        Submission.objects.select_related("assignment__lesson__section__course", "student"),
        pk=submission_id,
    )
    if not can_download_feedback_file(request.user, submission):
        raise Http404
    return download_response(submission.feedback_file, submission.feedback_file_name or "feedback")


# --- Rubrics -------------------------------------------------------------------------------


def own_rubric_or_404(request: AuthenticatedRequest, pk: int) -> Rubric:
    return get_object_or_404(rubrics.rubrics_of(request.user), pk=pk)


@login_required
def rubric_list(request: AuthenticatedRequest) -> HttpResponse:
    """The teacher's rubrics; a POST makes the 사이버논술 starting rubric."""
    require_capability(request.user, "assessments.author")
    if request.method == "POST":
        rubric = rubrics.create_essay_rubric(request.user)
        messages.success(request, _("The essay rubric is ready. Adjust it to your class."))
        return redirect("assessments:rubric_edit", pk=rubric.pk)
    mine = rubrics.rubrics_of(request.user).prefetch_related("criteria__levels", "assignments")
    rows = [
        {
            "rubric": rubric,
            "best": assignments.rubric_max(rubric),
            "locked": rubrics.is_locked(rubric),
            "used": rubric.assignments.count(),
        }
        for rubric in mine
    ]
    return render(request, "assessments/rubric_list.html", {"rows": rows})


@login_required
def rubric_create(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "assessments.author")
    form = RubricForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.owner = request.user
        rubric = form.save()
        messages.success(request, _("The rubric is created. Add its criteria."))
        return redirect("assessments:rubric_edit", pk=rubric.pk)
    return render(request, "assessments/rubric_form.html", {"form": form, "rubric": None})


@login_required
def rubric_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A rubric's title and its criteria; adding a criterion opens its levels."""
    rubric = own_rubric_or_404(request, pk)
    locked = rubrics.is_locked(rubric)
    form = RubricForm(request.POST or None, instance=rubric, prefix="rubric")
    criterion_form = CriterionForm(request.POST or None, prefix="criterion")
    if request.method == "POST":
        if locked:
            messages.error(request, _("Submissions have been graded with this rubric. Copy it."))
            return redirect("assessments:rubric_edit", pk=rubric.pk)
        if request.POST.get("action") == "criterion":
            form = RubricForm(instance=rubric, prefix="rubric")
            if criterion_form.is_valid():
                criterion_form.instance.rubric = rubric
                criterion_form.instance.position = rubrics.next_criterion_position(rubric)
                criterion = criterion_form.save()
                return redirect(
                    "assessments:rubric_criterion", pk=rubric.pk, criterion_id=criterion.pk
                )
        else:
            criterion_form = CriterionForm(prefix="criterion")
            if form.is_valid():
                form.save()
                messages.success(request, _("The rubric is saved."))
                return redirect("assessments:rubric_edit", pk=rubric.pk)
    return render(
        request,
        "assessments/rubric_form.html",
        {
            "form": form,
            "criterion_form": criterion_form,
            "rubric": rubric,
            "criteria": rubric.criteria.prefetch_related("levels"),
            "locked": locked,
            "problem": assignments.rubric_problem(rubric),
            "best": assignments.rubric_max(rubric),
            "used_by": rubric.assignments.select_related("lesson"),
        },
    )


@login_required
def rubric_criterion(request: AuthenticatedRequest, pk: int, criterion_id: int) -> HttpResponse:
    """One criterion and its levels (title, points, description)."""
    rubric = own_rubric_or_404(request, pk)
    criterion = get_object_or_404(rubric.criteria, pk=criterion_id)
    locked = rubrics.is_locked(rubric)
    if request.method == "POST" and request.POST.get("delete") == "1":
        if perform(request, rubrics.delete_criterion, request.user, criterion):
            messages.success(request, _("The criterion is deleted."))
        return redirect("assessments:rubric_edit", pk=rubric.pk)
    form = CriterionForm(request.POST or None, instance=criterion, prefix="criterion")
    formset = LevelFormSet(request.POST or None, instance=criterion, prefix="levels")
    if request.method == "POST":
        if not perform(request, rubrics.check_editable, request.user, rubric):
            return redirect("assessments:rubric_edit", pk=rubric.pk)
        if form.is_valid() and formset.is_valid():
            with transaction.atomic():
                form.save()
                formset.save()
            messages.success(request, _("The criterion is saved."))
            return redirect("assessments:rubric_edit", pk=rubric.pk)
    return render(
        request,
        "assessments/rubric_criterion.html",
        {
            "rubric": rubric,
            "criterion": criterion,
            "form": form,
            "formset": formset,
            "locked": locked,
        },
    )


@login_required
@require_POST
def rubric_copy(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    rubric = own_rubric_or_404(request, pk)
    copy = rubrics.copy_rubric(request.user, rubric)
    messages.success(request, _("The copy is ready to change."))
    return redirect("assessments:rubric_edit", pk=copy.pk)


@login_required
@require_POST
def rubric_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    rubric = own_rubric_or_404(request, pk)
    if not perform(request, rubrics.delete_rubric, request.user, rubric):
        return redirect("assessments:rubric_edit", pk=rubric.pk)
    messages.success(request, _("The rubric is deleted."))
    return redirect("assessments:rubrics")


urlpatterns: list = [
    path("assignments/<id:lesson_id>/", assignment, name="assignment"),
    path("assignments/<id:lesson_id>/settings/", assignment_settings, name="assignment_settings"),
    path("assignments/<id:lesson_id>/files/", assignment_files, name="assignment_files"),
    path(
        "assignments/<id:lesson_id>/files/<id:file_id>/delete/",
        assignment_file_delete,
        name="assignment_file_delete",
    ),
    path(
        "assignments/<id:lesson_id>/submissions/",
        assignment_submissions,
        name="assignment_submissions",
    ),
    path(
        "assignments/<id:lesson_id>/submissions/counts/",
        assignment_counts,
        name="assignment_counts",
    ),
    path(
        "assignments/<id:lesson_id>/students/<id:student_id>/",
        assignment_student,
        name="assignment_student",
    ),
    path("assignment-files/<id:file_id>/", assignment_file, name="assignment_file"),
    path("submission-files/<id:file_id>/", submission_file, name="submission_file"),
    path("submissions/<id:submission_id>/feedback-file/", feedback_file, name="feedback_file"),
    path("rubrics/", rubric_list, name="rubrics"),
    path("rubrics/new/", rubric_create, name="rubric_create"),
    path("rubrics/<id:pk>/", rubric_edit, name="rubric_edit"),
    path(
        "rubrics/<id:pk>/criteria/<id:criterion_id>/",
        rubric_criterion,
        name="rubric_criterion",
    ),
    path("rubrics/<id:pk>/copy/", rubric_copy, name="rubric_copy"),
    path("rubrics/<id:pk>/delete/", rubric_delete, name="rubric_delete"),
]
