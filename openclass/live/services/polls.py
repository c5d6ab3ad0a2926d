"""Polls and quick quizzes (a poll with a correct choice): the host asks, students answer
(and may change their answer until it closes), the host sees the tally as it comes and every
page the results when it closes.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from openclass.accounts.models import User
from openclass.core.db import CompiledObjectQuery

from ..access import Member, require_host
from ..models import Poll, PollAnswer

MAX_CHOICES = 6


# The poll open in a room, if any (every arrival is shown it): compiled once.
_OPEN_POLL = CompiledObjectQuery(
    lambda room: Poll.objects.filter(room_id=room, closed_at__isnull=True).order_by(
        "-opened_at", "-pk"
    ),
    {"": ["id", "room_id", "question", "choices", "correct", "closed_at"]},
)


def poll_message(poll: Poll, viewer: User | None = None) -> dict:
    mine = None
    if viewer is not None:
        mine = poll.answers.filter(student=viewer).values_list("choice", flat=True).first()
    return {
        "type": "poll",
        "poll": {
            "id": poll.pk,
            "question": poll.question,
            "choices": poll.choices,
            "quiz": poll.correct is not None,
            "open": poll.closed_at is None,
            "mine": mine,
        },
    }


def poll_results(poll: Poll) -> dict:
    counts = dict(poll.answers.values_list("choice").annotate(n=Count("pk")))
    return {
        "type": "poll.results",
        "poll": poll.pk,
        "counts": [counts.get(index, 0) for index in range(len(poll.choices))],
        "answered": sum(counts.values()),
        "correct": poll.correct if poll.closed_at else None,
    }


def open_poll(member: Member, question: object, choices: object, correct: object) -> dict:
    require_host(member)
    question = str(question or "").strip()[:300]
    options = (
        [str(c).strip()[:100] for c in choices or [] if str(c).strip()]
        if isinstance(choices, list)
        else []
    )
    if not question:
        raise ValidationError(pgettext("poll", "Write the question."))
    if not 2 <= len(options) <= MAX_CHOICES:
        raise ValidationError(_("Give between two and six choices."))
    if correct is not None and not (isinstance(correct, int) and 0 <= correct < len(options)):
        raise ValidationError(_("The correct answer must be one of the choices."))
    with transaction.atomic():
        Poll.objects.filter(room_id=member.room_id, closed_at__isnull=True).update(
            closed_at=timezone.now()
        )
        poll = Poll.objects.create(
            room_id=member.room_id,
            asked_by_id=member.user_id,
            question=question,
            choices=options,
            correct=correct,
        )
    return poll_message(poll)


def answer_poll(member: Member, poll_id: object, choice: object) -> dict:
    """A student's answer (changeable until the poll closes); returns the tally for the host."""
    if not member.is_student:
        raise PermissionDenied(_("Only students answer polls."))
    poll = Poll.objects.filter(
        pk=poll_id if isinstance(poll_id, int) else 0, room_id=member.room_id
    ).first()
    if poll is None or poll.closed_at is not None:
        raise ValidationError(_("This poll is closed."))
    if not (isinstance(choice, int) and 0 <= choice < len(poll.choices)):
        raise ValidationError(_("Choose one of the answers."))
    PollAnswer.objects.update_or_create(
        poll=poll, student_id=member.user_id, defaults={"choice": choice}
    )
    return poll_results(poll)


def close_poll(member: Member, poll_id: object) -> dict:
    require_host(member)
    poll = Poll.objects.filter(
        pk=poll_id if isinstance(poll_id, int) else 0, room_id=member.room_id
    ).first()
    if poll is None:
        raise ValidationError(_("That poll is not here."))
    if poll.closed_at is None:
        poll.closed_at = timezone.now()
        poll.save(update_fields=["closed_at"])
    return poll_results(poll)


def open_poll_in(room_id: int) -> Poll | None:
    """The poll open in the room now, if any (shown to every arrival)."""
    return _OPEN_POLL.first(room_id)
