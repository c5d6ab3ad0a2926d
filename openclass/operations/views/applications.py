"""Pages of the course-application workflow: the list, applying, one application and its next
steps, the survey and the decision about the recordings."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import AuthenticatedRequest, User
from openclass.accounts.scoping import school_of
from openclass.core.params import parse_id, parse_int
from openclass.core.views import perform
from openclass.notifications import services as notifications

from .. import access
from ..forms import ApplicationForm, SurveyAnswerForm, TimeSlotFormSet
from ..models import Application, SurveyResponse
from ..services import closing, pay, pool, workflow


def _visible_or_404(request: AuthenticatedRequest, pk: int) -> Application:
    return get_object_or_404(
        access.visible_applications(request.user).select_related(
            "call", "school", "audience__parent", "topic", "applicant", "instructor", "course"
        ),
        pk=pk,
    )


@login_required
def applications(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "operations.view_applications")
    # The audience's short name reads its grade ("3학년 1반").
    rows = access.visible_applications(request.user).select_related(
        "school", "audience__parent", "topic", "instructor"
    )
    state = request.GET.get("state", "")
    if state in Application.State.values:
        rows = rows.filter(state=state)
    return render(
        request,
        "operations/applications.html",
        {
            "rows": rows,
            "state": state,
            "states": Application.State.choices,
            "can_apply": access.can_apply(request.user) and bool(workflow.list_open_calls()),
        },
    )


@login_required
def application(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = _visible_or_404(request, pk)
    notifications.mark_seen(request.user, request.path)
    steps = _in_order(workflow.list_available_steps(request.user, application))
    suggestions = []
    if any(step.action == "invite" for step in steps):
        suggestions = pool.list_suggestions(application)
    return render(
        request,
        "operations/application.html",
        {
            "application": application,
            "sessions": application.preferred_sessions.all(),
            "events": application.events.select_related("actor"),
            "steps": steps,
            "primary_steps": PRIMARY_STEPS,
            "destructive_steps": DESTRUCTIVE_STEPS,
            "suggestions": suggestions,
            "sessions_held": pay.list_sessions_held(application),
            "may_confirm": has_capability(request.user, "operations.confirm_sessions", application),
            "may_decide_recordings": application.state
            in (Application.State.OPENED, Application.State.COMPLETED)
            and has_capability(request.user, "operations.decide_recordings", application),
            "recording_choices": [c for c in Application.Recording.choices if c[0] != "undecided"],
        },
    )


def _step_command(post: QueryDict) -> Callable[[User, Application], Application] | None:
    """The workflow command a step button posts (its ``action``), with what it needs from the
    form: the reason, the chosen instructor."""
    reason = post.get("reason", "")
    instructor = None
    if (instructor_id := parse_id(post.get("instructor", ""))) is not None:
        instructor = User.objects.filter(pk=instructor_id).first()
    commands: dict[str, Callable[[User, Application], Application]] = {
        "approve": workflow.approve_application,
        "request_changes": partial(workflow.request_changes, reason=reason),
        "reject": partial(workflow.reject_application, reason=reason),
        "resubmit": workflow.resubmit_application,
        "withdraw": partial(workflow.withdraw_application, reason=reason),
        "invite": partial(workflow.invite_instructor, instructor=instructor),
        "accept": workflow.accept_invitation,
        "decline": partial(workflow.decline_invitation, reason=reason),
        "open": workflow.open_course,
        "close": workflow.close_application,
    }
    return commands.get(post.get("action", ""))


#: The steps that move an application on (shown first, as the primary action) and those that
#: end or turn it back (shown last, styled as destructive).
PRIMARY_STEPS = ("approve", "resubmit", "invite", "accept", "open", "close")
DESTRUCTIVE_STEPS = ("reject", "withdraw", "decline")


def _in_order(steps: list[workflow.Step]) -> list[workflow.Step]:
    def rank(step: workflow.Step) -> int:
        if step.action in PRIMARY_STEPS:
            return 0
        return 2 if step.action in DESTRUCTIVE_STEPS else 1

    return sorted(steps, key=rank)


def _step_done(action: str) -> str:
    """What a step did and what comes next, said after it is taken."""
    done = {
        "approve": _(
            "The application is approved and the school is told. Next: an instructor is "
            "chosen from the pool and invited."
        ),
        "request_changes": _(
            "Changes are requested: the school is told, with your reason. Next: they change "
            "the application and send it again."
        ),
        "reject": _(
            "The application is rejected: the school is told, with your reason. Nothing more "
            "follows."
        ),
        "resubmit": _(
            "The application is sent again. Next: the office reviews it; you are told of its "
            "decision."
        ),
        "withdraw": _(
            "The application is withdrawn: the office (and an invited instructor) are told. "
            "Nothing more follows."
        ),
        "invite": _(
            "The instructor is invited and told. Next: they accept or decline; you are told "
            "either way."
        ),
        "accept": _(
            "You accepted: the school and the office are told. Next: the course is opened; it "
            "then appears among your courses."
        ),
        "decline": _(
            "You declined: the school and the office are told, and they invite another instructor."
        ),
        "open": _(
            "The course is open, with its sessions on the timeline. Next: enrol the students, "
            "and confirm each session after it is held (pay and points follow from that)."
        ),
        "close": _(
            "The application is closed. The survey's results stay on its page; nothing more "
            "follows."
        ),
    }
    return done.get(action, _("Done."))


@login_required
@require_POST
def step(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = _visible_or_404(request, pk)
    command = _step_command(request.POST)
    if command is None:
        messages.error(request, _("Unknown step."))
    elif perform(request, command, request.user, application):
        messages.success(request, _step_done(request.POST.get("action", "")))
    return redirect("operations:application", application.pk)


@login_required
def apply(request: AuthenticatedRequest) -> HttpResponse:
    school = school_of(request.user)
    if school is None or not access.can_apply(request.user):  # (one applies for one's school)
        raise PermissionDenied
    calls = workflow.list_open_calls()
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
        sent = perform(
            request,
            workflow.submit_application,
            request.user,
            data["call"],
            form=form,
            audience=data["audience"],
            topic=data["topic"],
            title=data["title"],
            plan=data["plan"],
            expected_students=data["expected_students"],
            delivery=data["delivery"],
            sessions=wishes,
        )
        if sent:
            messages.success(request, _("The application is sent to the office."))
            return redirect("operations:application", sent.value.pk)
    return render(
        request, "operations/apply.html", {"form": form, "sessions": sessions, "calls": calls}
    )


@login_required
def survey(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Students of the course and the school answer once; the office, the school and the
    instructor see the results (averages and comments, never who)."""
    application = get_object_or_404(
        Application.objects.select_related("course", "instructor", "school"), pk=pk
    )
    kind = closing.get_respondent_kind(request.user, application)
    answered = closing.has_answered(request.user, application)
    results = None
    if has_capability(request.user, "operations.view_survey_results", application):
        results = closing.get_survey_results(request.user, application)
    if kind is None and results is None:
        raise Http404
    notifications.mark_seen(request.user, request.path)  # "How was the course?" is read
    may_answer = kind is not None and not answered
    form = SurveyAnswerForm(request.POST if request.method == "POST" else None)
    sent = (
        may_answer
        and form.is_valid()
        and perform(
            request,
            closing.answer_survey,
            request.user,
            application,
            form=form,
            comment=form.cleaned_data["comment"],
            **form.scores(),
        )
    )
    if sent:
        messages.success(request, _("Thank you: your answer is anonymous."))
        return redirect("operations:survey", application.pk)
    questions = closing.list_questions(kind if may_answer else None)
    return render(
        request,
        "operations/survey.html",
        {
            "application": application,
            "may_answer": may_answer,
            "answered": answered,
            "questions": questions,
            "as_school": kind == SurveyResponse.Respondent.SCHOOL,
            "results": results,
            "minimum": closing.MIN_ANSWERS_SHOWN,
            "form": form,
            "scale": range(1, 6),
        },
    )


@login_required
@require_POST
def recordings(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = _visible_or_404(request, pk)
    days = request.POST.get("recording_days", "")
    if perform(
        request,
        closing.decide_recordings,
        request.user,
        application,
        request.POST.get("recording", ""),
        parse_int(days),
    ):
        messages.success(request, _("The decision about the recordings is saved."))
    return redirect("operations:application", application.pk)
