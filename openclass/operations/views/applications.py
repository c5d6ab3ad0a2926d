"""Pages of the course-application workflow. Thin: who may see what is ``access``, what may
happen is ``workflow``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.models import User
from openclass.accounts.scoping import school_of
from openclass.notifications import services as notifications

from . import access, closing, pay, pool, workflow
from .forms import ApplicationForm, TimeSlotFormSet
from .models import Application, SurveyResponse


def _visible_or_404(request: HttpRequest, pk: int) -> Application:
    return get_object_or_404(
        access.visible_applications(request.user).select_related(
            "call", "school", "audience", "topic", "applicant", "instructor", "course"
        ),
        pk=pk,
    )


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    rows = access.visible_applications(request.user).select_related(
        "school", "audience", "topic", "instructor"
    )
    state = request.GET.get("state", "")
    if state in Application.State.values:
        rows = rows.filter(state=state)
    if not (
        access.is_office(request.user)
        or access.can_apply(request.user)
        or request.user.role == User.Role.INSTRUCTOR
    ):
        raise Http404
    return render(
        request,
        "operations/applications.html",
        {
            "rows": rows,
            "state": state,
            "states": Application.State.choices,
            "can_apply": access.can_apply(request.user) and bool(workflow.open_calls()),
        },
    )


@login_required
def application(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible_or_404(request, pk)
    notifications.mark_seen(request.user, request.path)
    steps = workflow.available_steps(request.user, application)
    suggestions = []
    if any(step.action == "invite" for step in steps):
        suggestions = pool.suggestions(application)
    sessions_run = []
    if application.course_id:
        may_confirm = access.is_office(request.user) or access.speaks_for_school(
            request.user, application
        )
        for session in application.course.sessions.select_related("report", "lesson"):
            report = getattr(session, "report", None)
            sessions_run.append(
                {
                    "session": session,
                    "report": report,
                    "measured": None if report else pay.measured_minutes(session),
                    "may_confirm": may_confirm,
                }
            )
    return render(
        request,
        "operations/application.html",
        {
            "application": application,
            "sessions": application.preferred_sessions.all(),
            "events": application.events.select_related("actor"),
            "steps": steps,
            "suggestions": suggestions,
            "sessions_run": sessions_run,
            "may_decide_recordings": application.state
            in (Application.State.OPENED, Application.State.COMPLETED)
            and access.speaks_for_school(request.user, application),
            "recording_choices": [c for c in Application.Recording.choices if c[0] != "undecided"],
        },
    )


@login_required
@require_POST
def step(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible_or_404(request, pk)
    instructor = None
    if request.POST.get("instructor", "").isdigit():
        instructor = User.objects.filter(pk=int(request.POST["instructor"])).first()
    try:
        workflow.perform(
            request.user,
            application,
            request.POST.get("action", ""),
            request.POST.get("reason", ""),
            instructor=instructor,
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Done."))
    return redirect("operations:application", application.pk)


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    if not access.can_apply(request.user):
        raise Http404
    calls = workflow.open_calls()
    school = school_of(request.user)
    form = ApplicationForm(
        request.POST or None, calls=calls, audiences=school.subtree().exclude(kind="office")
    )
    sessions = TimeSlotFormSet(request.POST or None, prefix="sessions")
    if request.method == "POST" and form.is_valid() and sessions.is_valid():
        data = form.cleaned_data
        wishes = [
            workflow.SessionWish(row["day"], row["starts_at"], row["ends_at"])
            for row in sessions.cleaned_data
            if row
        ]
        try:
            application = workflow.apply(
                request.user,
                data["call"],
                audience=data["audience"],
                topic=data["topic"],
                title=data["title"],
                plan=data["plan"],
                expected_students=data["expected_students"],
                delivery=data["delivery"],
                sessions=wishes,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                target = field if field in form.fields else None
                for problem in problems:
                    form.add_error(target, problem)
        else:
            messages.success(request, _("The application is sent to the office."))
            return redirect("operations:application", application.pk)
    return render(
        request, "operations/apply.html", {"form": form, "sessions": sessions, "calls": calls}
    )


@login_required
def survey(request: HttpRequest, pk: int) -> HttpResponse:
    """Students of the course and the school answer once; the office, the school and the
    instructor see the results (averages and comments, never who)."""
    application = get_object_or_404(
        Application.objects.select_related("course", "instructor", "school"), pk=pk
    )
    kind = closing.respondent_kind(request.user, application)
    answered = closing.has_answered(request.user, application)
    try:
        results = closing.results(request.user, application)
    except PermissionDenied:
        results = None
    if kind is None and results is None:
        raise Http404
    error = ""
    if request.method == "POST" and kind and not answered:
        try:
            scores = {name: int(request.POST.get(name, "0")) for name in closing.QUESTIONS}
            closing.answer(
                request.user, application, comment=request.POST.get("comment", ""), **scores
            )
        except (ValueError, ValidationError) as problem:
            error = " ".join(
                getattr(problem, "messages", [_("Answer every question from 1 to 5.")])
            )
        else:
            messages.success(request, _("Thank you: your answer is anonymous."))
            return redirect("operations:survey", application.pk)
    questions = [
        (name, SurveyResponse._meta.get_field(name).verbose_name) for name in closing.QUESTIONS
    ]
    return render(
        request,
        "operations/survey.html",
        {
            "application": application,
            "may_answer": kind is not None and not answered,
            "answered": answered,
            "questions": questions,
            "results": results,
            "minimum": closing.MIN_ANSWERS_SHOWN,
            "error": error,
            "scale": range(1, 6),
        },
    )


@login_required
@require_POST
def recordings(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible_or_404(request, pk)
    days = request.POST.get("recording_days", "")
    try:
        closing.decide_recordings(
            request.user,
            application,
            request.POST.get("recording", ""),
            int(days) if days.isdigit() else None,
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The decision about the recordings is saved."))
    return redirect("operations:application", application.pk)
