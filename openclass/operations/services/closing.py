"""Steps i and j: the anonymous lecture evaluation and satisfaction survey, and what happens to
the recordings of the course's live classes (keep private, publish, delete after N days)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Field
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User
from openclass.courses.access import is_enrolled
from openclass.live import selectors as live_selectors
from openclass.live.services import recordings as live_recordings

from .. import access
from ..models import Application, ApplicationEvent, SurveyReceipt, SurveyResponse

State = Application.State
Recording = Application.Recording

# Fewer answers than this are not shown to the instructor or the school: with two answers, a
# student's own answer and the average give away the other one.
MIN_ANSWERS_SHOWN = 3
QUESTIONS = ("clarity", "instructor", "overall")

#: The questions as the school answers them (a teacher or the school's administrator speaks for
#: the school, not as a student of the course); the same three scores are stored.
SCHOOL_WORDING = {
    "clarity": gettext_lazy("The lessons suited our students"),
    "instructor": gettext_lazy("The instructor worked well with the school"),
    "overall": gettext_lazy("Overall, our school is satisfied with the course"),
}


def list_questions(kind: str | None) -> list[tuple[str, str]]:
    """The survey's questions (name, wording) for who answers: the school gets its own
    wording; students, and the results page, the students' (the model's)."""
    if kind == SurveyResponse.Respondent.SCHOOL:
        return [(name, str(SCHOOL_WORDING[name])) for name in QUESTIONS]
    fields = [SurveyResponse._meta.get_field(name) for name in QUESTIONS]
    return [(f.name, str(f.verbose_name)) for f in fields if isinstance(f, Field)]


def get_respondent_kind(user: User, application: Application) -> str | None:
    """Who ``user`` answers the survey as (a student of the course, the school), or ``None``
    when they may not answer it (yet)."""
    if application.state not in (State.COMPLETED, State.CLOSED) or application.course is None:
        return None
    if is_enrolled(user, application.course):
        return SurveyResponse.Respondent.STUDENT
    if access.speaks_for_school(user, application):
        return SurveyResponse.Respondent.SCHOOL
    return None


def has_answered(user: User, application: Application) -> bool:
    return SurveyReceipt.objects.filter(application=application, user=user).exists()


def answer_survey(
    user: User,
    application: Application,
    *,
    clarity: int,
    instructor: int,
    overall: int,
    comment: str = "",
    today: datetime.date | None = None,
) -> None:
    """Answer the survey once. The answer and the receipt are separate rows with nothing
    linking them, so nobody (the instructor, the office, a database reader) can tell whose
    answer is whose."""
    kind = get_respondent_kind(user, application)
    if kind is None:
        raise PermissionDenied(_("This survey is not open to you."))
    scores = {"clarity": clarity, "instructor": instructor, "overall": overall}
    if any(not isinstance(v, int) or not 1 <= v <= 5 for v in scores.values()):
        raise ValidationError(_("Answer every question from 1 to 5."))
    try:
        with transaction.atomic():
            SurveyReceipt.objects.create(application=application, user=user)
            SurveyResponse.objects.create(
                application=application,
                respondent=kind,
                comment=comment.strip()[:2000],
                answered_on=today or timezone.localdate(),
                **scores,
            )
    except IntegrityError:
        raise ValidationError(_("You have answered this survey already.")) from None


@dataclass
class Results:
    answers: int
    shown: bool
    means: dict[str, Decimal | None] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)


def _mean(value) -> Decimal | None:
    return None if value is None else _rounded(value)


def _rounded(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def get_survey_results(viewer: User, application: Application) -> Results:
    """The survey's results for the office, the school and the instructor: averages and
    comments, never who gave them, and nothing until there are enough answers."""
    if not has_capability(viewer, "operations.view_survey_results", application):
        raise PermissionDenied(_("You cannot see this survey."))
    rows = SurveyResponse.objects.filter(application=application)
    count = rows.count()
    if count < MIN_ANSWERS_SHOWN:
        return Results(count, shown=False)
    means = rows.aggregate(**{name: Avg(name) for name in QUESTIONS})
    comments = sorted(c for c in rows.values_list("comment", flat=True) if c)
    return Results(count, True, {k: _mean(v) for k, v in means.items()}, comments)


def get_ratings(instructor_ids: list[int]) -> dict[int, tuple[Decimal, int]]:
    """Each instructor's overall rating over all their courses' survey answers (mean of
    "overall", and how many answers), for the pool and its suggestions. Instructors with
    fewer than ``MIN_ANSWERS_SHOWN`` answers in all have none yet."""
    rows = (
        SurveyResponse.objects.filter(application__instructor__in=instructor_ids)
        .values("application__instructor")
        .annotate(mean=Avg("overall"), answers=Count("pk"))
    )
    return {
        row["application__instructor"]: (_rounded(row["mean"]), row["answers"])
        for row in rows
        if row["answers"] >= MIN_ANSWERS_SHOWN
    }


# --- Step j: the recordings -----------------------------------------------------------------


@transaction.atomic
def decide_recordings(
    actor: User,
    application: Application,
    choice: str,
    days: int | None = None,
    now: datetime.datetime | None = None,
) -> Application:
    """The opener decides what happens to the recordings of the course's live classes: kept
    private to its teachers, published (shared into the course for its students), or deleted
    after ``days`` (the periodic task ``enforce_retention`` does it)."""
    now = now or timezone.now()
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not has_capability(actor, "operations.decide_recordings", locked):
        raise PermissionDenied(_("Only the opener decides about the recordings."))
    if locked.state not in (State.OPENED, State.COMPLETED):
        raise ValidationError(_("The recordings are decided while the course runs or after."))
    if choice not in (Recording.PRIVATE, Recording.PUBLISH, Recording.DELETE):
        raise ValidationError({"recording": _("Choose what happens to the recordings.")})
    if choice == Recording.DELETE and not (days and 1 <= days <= 3650):
        raise ValidationError({"recording_days": _("Give the number of days, from 1 to 3650.")})
    locked.recording = choice
    locked.recording_days = days if choice == Recording.DELETE else None
    locked.recording_decided_at = now
    locked.save(update_fields=["recording", "recording_days", "recording_decided_at"])
    if choice == Recording.PUBLISH and locked.course is not None:  # (its course deleted: none)
        owner = locked.course.owner
        for kept in live_selectors.kept_for(locked.course):
            if kept.status == kept.Status.READY and not kept.lesson_id:
                live_recordings.share_recording(owner, kept)
    ApplicationEvent.objects.create(
        application=locked,
        action="recordings",
        from_state=locked.state,
        to_state=locked.state,
        actor=actor,
        reason=str(locked.get_recording_display())
        + (f" ({days})" if choice == Recording.DELETE else ""),
    )
    return locked


def enforce_recording_retention(now: datetime.datetime | None = None) -> int:
    """Delete the recordings whose course's opener chose "delete after N days" once those days
    have passed since the decision; returns how many were deleted."""
    now = now or timezone.now()
    deleted = 0
    due = Application.objects.filter(
        recording=Recording.DELETE, recording_decided_at__isnull=False, course__isnull=False
    ).select_related("course")
    for application in due:
        if application.recording_decided_at is None or application.course is None:
            continue  # as filtered above
        if (
            application.recording_decided_at
            + datetime.timedelta(days=application.recording_days or 0)
            > now
        ):
            continue
        for kept in live_selectors.kept_for(application.course):
            live_recordings.discard_recording(kept)
            deleted += 1
    return deleted
