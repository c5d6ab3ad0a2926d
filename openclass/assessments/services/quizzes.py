"""Quiz rules: attempts, answers saved as the student goes, deadlines, grading and results.

Views, the periodic task and other areas call these; views check who is asking through
``courses.access`` first, and the functions that act for a student check again what only the
quiz knows (enrolment, dates, attempts left, the deadline), so no page can forget a rule.

Every function that depends on the time takes ``now`` (default: the current time), so the rules
are tested at exact instants instead of by sleeping.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from openclass.accounts.models import User
from openclass.core.db import update_by_pk
from openclass.core.params import parse_int
from openclass.courses import access
from openclass.courses import selectors as course_selectors
from openclass.courses.models import Lesson
from openclass.courses.services import courses
from openclass.notifications.models import Kind as NotificationKind
from openclass.notifications.services import notify
from openclass.xapi import services as xapi

from ..access import visible_questions
from ..models import Answer, Attempt, Choice, Question, Quiz, QuizQuestion
from . import grading, learning_records

State = Attempt.State
Reveal = Quiz.Reveal
Kind = Question.Kind

# Longest text kept for one answer: a short answer is a word or a phrase, an essay a few pages.
SHORT_TEXT_LIMIT = 500
ESSAY_TEXT_LIMIT = 20_000


def kept_percents(quiz: Quiz, student_ids: Iterable[int]) -> dict[int, Decimal | None]:
    """Each student's grade that counts for ``quiz`` (by its keep-best/last/average rule), in
    percent, from their fully graded attempts; ``None`` for a student with none yet."""
    ids = list(student_ids)
    graded: dict[int, list[Decimal]] = {student_id: [] for student_id in ids}
    attempts = Attempt.objects.filter(
        quiz=quiz, student_id__in=ids, state=Attempt.State.GRADED
    ).order_by("number")
    for attempt in attempts.only("student_id", "score", "max_score"):
        if (percent := attempt.percent) is not None:  # (a graded attempt has its score)
            graded[attempt.student_id].append(percent)
    return {student_id: quiz.kept_percent(percents) for student_id, percents in graded.items()}


# --- Authoring ------------------------------------------------------------------------------


def quiz_for(lesson: Lesson) -> Quiz:
    """The quiz of a quiz lesson, made with the default settings the first time it is asked
    for (a lesson of kind "quiz" is created on the courses side, which knows nothing of quizzes)."""
    if lesson.kind != Lesson.Kind.QUIZ:
        raise ValueError(f"lesson {lesson.pk} is not a quiz")
    quiz, _created = Quiz.objects.get_or_create(lesson=lesson)
    quiz.lesson = lesson  # keeps what the caller already loaded (section, course)
    return quiz


def teacher_bank(user: User) -> QuerySet[Question]:
    """Questions ``user`` may put into a quiz: their own, and those shared with their school
    (the bank's own rule, ``access.visible_questions``)."""
    return visible_questions(user)


@transaction.atomic
def add_questions(quiz: Quiz, user: User, question_ids: Sequence[int]) -> int:
    """Append questions from ``user``'s bank (own or shared with their school); questions already
    in the quiz are skipped. All or nothing: an id outside the bank refuses the whole request."""
    wanted = {int(pk) for pk in question_ids}
    allowed = set(teacher_bank(user).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise ValidationError(_("Some of these questions are not in your question bank."))
    present = set(quiz.items.values_list("question_id", flat=True))
    position = courses.next_position(quiz.items.all())
    new = []
    for pk in (int(pk) for pk in question_ids):
        if pk in present:
            continue
        present.add(pk)
        new.append(QuizQuestion(quiz=quiz, question_id=pk, position=position))
        position += 1
    QuizQuestion.objects.bulk_create(new)
    return len(new)


def write_question(quiz: Quiz, user: User, save: Callable[[], Question]) -> Question:
    """A question written while building ``quiz``: ``save`` stores it in ``user``'s question
    bank (the bank form's save, ``bank.save_question``), then it is added at the end of the
    quiz. Both or neither."""
    with transaction.atomic():
        question = save()
        add_questions(quiz, user, [question.pk])
    return question


def remove_item(quiz: Quiz, item: QuizQuestion) -> None:
    """Take a question out of the quiz. Attempts already started keep it: their ``layout`` was
    fixed at start. A question count that no longer fits is lowered so the quiz stays valid."""
    with transaction.atomic():
        item.delete()
        remaining = quiz.items.count()
        if quiz.question_count and quiz.question_count > remaining:
            quiz.question_count = remaining or None
            quiz.save(update_fields=["question_count"])


def move_item(quiz: Quiz, item: QuizQuestion, direction: str) -> None:
    """Move a question one place up or down (buttons, so it works by keyboard)."""
    ids = list(quiz.items.order_by("position", "pk").values_list("pk", flat=True))
    index = ids.index(item.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        courses.reorder(quiz.items.all(), ids)


def set_item_points(item: QuizQuestion, raw: str) -> None:
    """Override the question's points in this quiz; empty restores the question's own."""
    raw = (raw or "").strip()
    if not raw:
        item.points = None
    else:
        try:
            points = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            points = None
        if points is None or not points.is_finite() or points < 0 or points >= 100_000:
            raise ValidationError(_("Points must be a number from 0 up."))
        item.points = points.quantize(Decimal("0.01"))
    item.save(update_fields=["points"])


def settings_errors(
    quiz: Quiz, question_total: int | None = None, *, changed: Collection[str] | None = None
) -> dict[str, str]:
    """What is wrong with a quiz's settings, per field (empty when fine). The settings form
    refuses all of it; starting an attempt refuses a question count the quiz cannot fill (a
    question removed after the settings were saved).

    ``changed`` names the settings the teacher has just changed (the form's ``changed_data``;
    ``()`` for a page that changes none). A reveal after the quiz closes needs a closing time
    only when the teacher chose it or cleared the closing time: a new quiz's own defaults
    (answers after it closes, no closing time yet: answers stay hidden until one is set) are
    no mistake. ``None`` checks everything."""
    errors: dict[str, str] = {}
    if quiz.opens_at and quiz.closes_at and quiz.closes_at <= quiz.opens_at:
        errors["closes_at"] = _("The quiz must close after it opens.")
    order: dict[str, int] = {Reveal.NOW: 0, Reveal.AFTER_CLOSE: 1, Reveal.NEVER: 2}
    if order.get(quiz.show_answers, 2) < order.get(quiz.show_results, 0):
        # The correct answers beside the student's own tell the score anyway.
        errors["show_answers"] = _("Correct answers cannot be shown before the score.")
    after_close = {
        name
        for name in ("show_results", "show_answers")
        if getattr(quiz, name) == Reveal.AFTER_CLOSE
    }
    if changed is not None and "closes_at" not in changed:
        after_close &= set(changed)  # only a reveal just chosen, the closing time unchanged
    if after_close and not quiz.closes_at:
        errors.setdefault(
            "closes_at", _("Set a closing time to show results after the quiz closes.")
        )
    total = quiz.items.count() if question_total is None else question_total
    if quiz.question_count is not None:
        if quiz.question_count < 1:
            errors["question_count"] = _("Pick at least one question, or leave it empty.")
        elif quiz.question_count > total:
            errors["question_count"] = _(
                "The quiz has only %(total)d questions: pick at most that many."
            ) % {"total": total}
    return errors


# --- Taking a quiz --------------------------------------------------------------------------


class Refused(ValidationError):
    """A student may not do this now; the message says why, in words for the student."""


def availability(student: User, quiz: Quiz, now: datetime.datetime | None = None) -> Refused | None:
    """Why ``student`` cannot work on ``quiz`` at ``now``, or ``None`` when they can: only
    enrolled students of an open course, between the quiz's open and close times."""
    now = now or timezone.now()
    if not access.is_enrolled(student, quiz.lesson.section.course):
        return Refused(_("Enrol in the course to take this quiz."), code="not_enrolled")
    return timing(quiz, now)


def timing(quiz: Quiz, now: datetime.datetime) -> Refused | None:
    """Why nobody enrolled can work on ``quiz`` at ``now`` (its course or the quiz itself is
    not open), or ``None``: ``availability`` without the enrolment, for lists built from the
    student's own courses."""
    course = quiz.lesson.section.course
    if not course_selectors.is_open(course, timezone.localdate(now)):
        return Refused(_("This course is not open now."), code="course_closed")
    if quiz.opens_at and now < quiz.opens_at:
        when = timezone.localtime(quiz.opens_at).strftime("%Y-%m-%d %H:%M")
        return Refused(_("The quiz opens at %(time)s.") % {"time": when}, code="not_yet_open")
    if quiz.closes_at and now >= quiz.closes_at:
        return Refused(_("The quiz is closed."), code="closed")
    return None


def attempts_left(student: User, quiz: Quiz) -> int | None:
    """Attempts ``student`` may still start (``None``: unlimited). An attempt in progress
    counts as used: it is the one they continue."""
    if not quiz.attempts_allowed:
        return None
    used = Attempt.objects.filter(quiz=quiz, student=student).count()
    return max(0, quiz.attempts_allowed - used)


def open_attempt(student: User, quiz: Quiz) -> Attempt | None:
    return Attempt.objects.filter(quiz=quiz, student=student, state=State.IN_PROGRESS).first()


def build_layout(quiz: Quiz, rng: random.Random | None = None) -> list[dict]:
    """What one attempt shows, fixed at its start so reloads, a second tab and grading all see the
    same questions and choice order: a random pick of ``question_count`` questions (in the
    quiz's order unless shuffled), choices shuffled when asked, and each question's points.

    Reads ids and points only (two queries): a whole class starts the quiz at once."""
    rng = rng or random.SystemRandom()
    items = list(
        quiz.items.order_by("position", "pk").values_list(
            "question_id", "points", "question__points"
        )
    )
    if quiz.question_count and quiz.question_count < len(items):
        picked = set(rng.sample(range(len(items)), quiz.question_count))
        items = [item for index, item in enumerate(items) if index in picked]
    if quiz.shuffle_questions:
        rng.shuffle(items)
    choices: dict[int, list[int]] = {}
    question_ids = [question_id for question_id, _points, _default in items]
    for question_id, choice_id in Choice.objects.filter(question__in=question_ids).values_list(
        "question_id", "pk"
    ):  # in each question's own order
        choices.setdefault(question_id, []).append(choice_id)
    layout = []
    for question_id, points, default_points in items:
        ids = choices.get(question_id, [])
        if quiz.shuffle_choices:
            rng.shuffle(ids)
        max_points = points if points is not None else default_points
        layout.append({"question": question_id, "points": str(max_points), "choices": ids})
    return layout


def deadline_for(quiz: Quiz, started: datetime.datetime) -> datetime.datetime | None:
    """When an attempt started at ``started`` stops counting answers: the time limit or the
    quiz's closing time, whichever comes first (closing ends every attempt)."""
    candidates = []
    if quiz.time_limit_minutes:
        candidates.append(started + datetime.timedelta(minutes=quiz.time_limit_minutes))
    if quiz.closes_at:
        candidates.append(quiz.closes_at)
    return min(candidates) if candidates else None


def start_attempt(
    student: User,
    quiz: Quiz,
    now: datetime.datetime | None = None,
    rng: random.Random | None = None,
) -> Attempt:
    """Start an attempt, or give back the one in progress (a second tab or a double click lands
    on the same attempt). An attempt whose deadline has passed is submitted first.

    Two concurrent starts race on the ``one_open_attempt`` constraint (and on the attempt
    number): the loser's insert fails, and it returns the winner's attempt instead.

    The whole class starts at the same minute, so the student's attempts and the quiz's
    questions are each read once and every rule is checked on those.
    """
    now = now or timezone.now()
    mine = list(
        Attempt.objects.filter(quiz=quiz, student=student).only("state", "deadline", "number")
    )
    for current in (a for a in mine if a.state == State.IN_PROGRESS):
        if expire_if_due(current, now).state == State.IN_PROGRESS:
            return Attempt.objects.get(pk=current.pk)
    refused = availability(student, quiz, now)
    if refused:
        raise refused
    if quiz.attempts_allowed and len(mine) >= quiz.attempts_allowed:
        raise Refused(_("You have used every attempt this quiz allows."), code="no_attempts_left")
    layout = build_layout(quiz, rng)
    if not layout or "question_count" in settings_errors(quiz, question_total=len(layout)):
        raise Refused(_("This quiz is not ready yet. Ask your teacher."), code="not_ready")
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                quiz=quiz,
                student=student,
                number=max((a.number for a in mine), default=0) + 1,
                layout=layout,
                started_at=now,
                deadline=deadline_for(quiz, now),
                max_score=sum((Decimal(item["points"]) for item in layout), Decimal(0)),
            )
            learning_records.attempted(attempt, now)
            return attempt
    except IntegrityError:
        raced = open_attempt(student, quiz)
        if raced is None:
            raise Refused(_("The attempt could not be started. Try again."), code="race") from None
        return raced


def layout_item(attempt: Attempt, question_id: int) -> dict | None:
    return next((item for item in attempt.layout if item["question"] == question_id), None)


def response_from_values(question: Question, item: dict, values: list[str]) -> dict:
    """An answer as stored (the JSON shapes on ``Question``) from the form values posted for one
    question. Choices outside this attempt's layout are dropped, and texts are cut to a sane
    length, so a tampered request stores nothing the page could not have sent."""
    values = [value for value in values if isinstance(value, str)]
    allowed = set(item.get("choices", []))
    if question.kind == Kind.SINGLE:
        picked = [n for v in values if (n := parse_int(v)) is not None and n in allowed]
        return {"choice": picked[0]} if picked else {}
    if question.kind == Kind.MULTIPLE:
        picked = sorted({n for v in values if (n := parse_int(v)) is not None and n in allowed})
        return {"choices": picked} if picked else {}
    if question.kind == Kind.TRUE_FALSE:
        value = values[0] if values else ""
        return {"value": value == "true"} if value in ("true", "false") else {}
    text = values[0] if values else ""
    limit = ESSAY_TEXT_LIMIT if question.kind == Kind.ESSAY else SHORT_TEXT_LIMIT
    text = text[:limit]
    return {"text": text} if text.strip() else {}


def save_answer(
    attempt: Attempt,
    question_id: int,
    values: list[str],
    now: datetime.datetime | None = None,
) -> Answer:
    """Store the student's current answer to one question of their attempt (autosave).
    See ``save_answers`` for the rules."""
    return _write_answers(attempt, [(question_id, values)], now)[0]


def save_answers(
    attempt: Attempt, data: dict[str, list[str]], now: datetime.datetime | None = None
) -> int:
    """Save every answer of a plain form post (the submit button, the page without JavaScript,
    the page submitting itself at the deadline). Questions absent from the post are left as they
    were; returns how many were saved."""
    pairs = list(_posted_values(attempt, data).items())
    return len(_write_answers(attempt, pairs, now)) if pairs else 0


def _write_answers(
    attempt: Attempt, pairs: list[tuple[int, list[str]]], now: datetime.datetime | None
) -> list[Answer]:
    """Store answers, all or none, in a handful of queries whatever their number (a whole
    quiz is saved on submit by every student at once at the end of a class).

    Refused once the attempt is submitted or its deadline has passed: what was stored before the
    deadline is what gets graded, so a late request cannot change a timed attempt. The attempt
    row is locked while writing (PostgreSQL; SQLite takes its write lock at the start of the
    transaction), so two saves of one answer never both insert it, and a save never slips in
    beside a submit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.state != State.IN_PROGRESS:
            raise Refused(_("This attempt is already submitted."), code="submitted")
        if locked.deadline and now >= locked.deadline:
            raise Refused(_("Time is up: answers can no longer be changed."), code="deadline")
        items = {item["question"]: item for item in locked.layout}
        if any(question_id not in items for question_id, _values in pairs):
            raise ValidationError(_("This question is not part of your attempt."), code="invalid")
        ids = [question_id for question_id, _values in pairs]
        questions = Question.objects.only("pk", "kind").in_bulk(ids)
        existing = {
            a.question_id: a for a in Answer.objects.filter(attempt=locked, question__in=ids)
        }
        new, changed = [], []
        for question_id, values in pairs:
            response = response_from_values(questions[question_id], items[question_id], values)
            answer = existing.get(question_id)
            if answer is None:
                answer = Answer(attempt=locked, question_id=question_id)
                new.append(answer)
            else:
                changed.append(answer)
            answer.response, answer.saved_at = response, now
        Answer.objects.bulk_create(new)
        Answer.objects.bulk_update(changed, ["response", "saved_at"])
        return [*new, *changed]


@transaction.atomic
def submit_attempt(
    attempt: Attempt,
    now: datetime.datetime | None = None,
    data: dict[str, list[str]] | None = None,
) -> Attempt:
    """Submit and grade an attempt, once; ``data`` is the form post that submits it (every
    answer on the page, saved first with the rules of ``save_answers``).

    The attempt row is locked and its state read under the lock (PostgreSQL; SQLite takes its
    write lock when the transaction starts): of two submits racing (a double click, a second
    tab, a replayed request, the periodic task), the first grades and the other waits for it
    and returns the same, stored result. A submit after the deadline counts as submitted at the
    deadline, with the answers stored before it: answers posted with it are not taken.

    Saving and grading are one pass over the answers in a handful of queries whatever the
    quiz's size, because a whole class submits at the same minute at the end of a lesson.
    """
    now = now or timezone.now()
    locked = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("quiz__lesson__section__course", "student")
        .get(pk=attempt.pk)
    )
    if locked.state != State.IN_PROGRESS:
        return locked
    late = locked.deadline is not None and now >= locked.deadline
    posted = {} if late or data is None else _posted_values(locked, data)
    question_ids = [item["question"] for item in locked.layout]
    questions = Question.objects.prefetch_related("choices").in_bulk(question_ids)
    answers = {a.question_id: a for a in Answer.objects.filter(attempt=locked)}
    new, changed = [], []
    for item in locked.layout:
        question = questions.get(item["question"])
        if question is None:
            continue
        answer = answers.get(question.pk)
        if answer is None:
            answer = Answer(attempt=locked, question=question, response={}, saved_at=now)
            new.append(answer)
        else:
            changed.append(answer)
        if question.pk in posted:
            answer.response = response_from_values(question, item, posted[question.pk])
            answer.saved_at = now
        answer.score, answer.graded_at = _auto_score(question, answer.response, item), None
        if answer.score is not None:
            answer.graded_at = now
    Answer.objects.bulk_create(new)
    update_by_pk(
        Answer,
        ["response", "saved_at", "score", "graded_at"],
        ((a.pk, a.response, a.saved_at, a.score, a.graded_at) for a in changed),
    )
    saved = [*new, *changed]
    scores = [answer.score for answer in saved if answer.score is not None]
    locked.submitted_at = min(now, locked.deadline) if locked.deadline else now
    if len(scores) < len(saved):  # an answer waits for the teacher
        locked.state, locked.score, locked.graded_at = State.SUBMITTED, None, None
    else:
        locked.state, locked.score, locked.graded_at = State.GRADED, sum(scores, Decimal(0)), now
    locked.save(update_fields=["state", "submitted_at", "score", "graded_at"])
    with xapi.together():  # the answers, the score, the lesson's and course's completion
        learning_records.handed_in(locked, saved, questions, now)
        if locked.state == State.GRADED:
            update_completion(locked.student, locked.quiz, now)
    return locked


def _posted_values(attempt: Attempt, data: dict[str, list[str]]) -> dict[int, list[str]]:
    """The values a form post carries for each question of the attempt (a question absent from
    the post keeps its stored answer; ``q-<id>-present`` marks a question whose checkboxes were
    all left empty)."""
    posted = {}
    for item in attempt.layout:
        key = f"q-{item['question']}"
        if key in data or f"{key}-present" in data:
            posted[item["question"]] = data.get(key, [])
    return posted


def _auto_score(question: Question, response: dict, item: dict) -> Decimal | None:
    """The automatic score of one answer: objective kinds are graded, an essay waits for the
    teacher (``None``) unless it is blank."""
    if question.kind == Kind.ESSAY:
        return Decimal("0.00") if grading.is_blank(response) else None
    return grading.grade(question, response, Decimal(item["points"]))


def _settle(attempt: Attempt, now: datetime.datetime) -> Attempt:
    """An attempt whose every answer has a score is graded (its score is their sum); otherwise it
    waits for the teacher. Then the lesson completes if the kept grade now passes."""
    every = list(Answer.objects.filter(attempt=attempt).values_list("score", flat=True))
    scores = [score for score in every if score is not None]
    if len(scores) < len(every):  # an answer waits for the teacher
        attempt.state, attempt.score, attempt.graded_at = State.SUBMITTED, None, None
    else:
        attempt.state = State.GRADED
        attempt.score = sum(scores, Decimal(0))
        attempt.graded_at = now
    attempt.save(update_fields=["state", "score", "graded_at"])
    if attempt.state == State.GRADED:
        learning_records.graded(attempt, now)
        update_completion(attempt.student, attempt.quiz, now)
    return attempt


def update_completion(student: User, quiz: Quiz, now: datetime.datetime | None = None) -> bool:
    """Complete the quiz lesson for ``student`` once their kept grade reaches the pass mark (a
    pass mark of 0: once any attempt is fully graded). Completing again keeps the first time."""
    kept = kept_percents(quiz, [student.pk])[student.pk]
    if kept is None or kept < quiz.pass_percent:
        return False
    courses.complete_lesson(student, quiz.lesson, now)
    return True


def expire_if_due(attempt: Attempt, now: datetime.datetime | None = None) -> Attempt:
    """``attempt`` as it stands at ``now``: left open past its deadline, it is submitted first
    (as of the deadline), as ``finalise_expired`` would."""
    now = now or timezone.now()
    if attempt.state == State.IN_PROGRESS and attempt.deadline and attempt.deadline <= now:
        return submit_attempt(attempt, now)
    return attempt


def finalise_expired(
    now: datetime.datetime | None = None,
    *,
    quiz: Quiz | None = None,
    student: User | None = None,
) -> int:
    """Submit attempts left open past their deadline (the tab was closed, the connection lost),
    as of the deadline. Runs on the student's next visit and every minute from the periodic task,
    so a forgotten attempt is graded and counts without anyone opening it again."""
    now = now or timezone.now()
    expired = Attempt.objects.filter(state=State.IN_PROGRESS, deadline__lte=now)
    if quiz is not None:
        expired = expired.filter(quiz=quiz)
    if student is not None:
        expired = expired.filter(student=student)
    count = 0
    for attempt in expired.order_by("deadline"):
        submit_attempt(attempt, now)
        count += 1
    return count


def announce_results(now: datetime.datetime | None = None) -> int:
    """A quiz that shows its scores only after it closes has closed: tell the students whose
    attempts are graded, once per quiz (an essay graded later tells its student then); returns
    how many were told. Quizzes closed more than a day ago are left alone."""
    now = now or timezone.now()
    closed = Quiz.objects.filter(
        show_results=Reveal.AFTER_CLOSE,
        closes_at__lte=now,
        closes_at__gt=now - datetime.timedelta(days=1),
    ).select_related("lesson")
    told = 0
    for quiz in closed:
        told += len(
            notify(
                User.objects.filter(quiz_attempts__quiz=quiz, quiz_attempts__state=State.GRADED),
                gettext_noop("Your quiz results are out: %(title)s"),
                url=reverse("assessments:quiz", args=[quiz.lesson_id]),
                kind=NotificationKind.GRADE,
                params={"title": quiz.lesson.title},
                event=f"quiz-results:{quiz.pk}",
            )
        )
    return told


# --- Showing an attempt and its results -----------------------------------------------------


def revealed(quiz: Quiz, policy: str, now: datetime.datetime | None = None) -> bool:
    """Whether a reveal policy (``show_results`` or ``show_answers``) lets the student see it
    for a submitted attempt now. "After close" with no closing time is never: there is no time
    after which every classmate has finished."""
    now = now or timezone.now()
    if policy == Reveal.NOW:
        return True
    if policy == Reveal.AFTER_CLOSE:
        return quiz.closes_at is not None and now >= quiz.closes_at
    return False


@dataclass
class Shown:
    """One question of an attempt as a page shows it."""

    number: int
    question: Question
    points: Decimal
    choices: list[Choice]
    answer: Answer | None
    response: dict = field(default_factory=dict)

    @property
    def picked(self) -> set[int]:
        if "choice" in self.response:
            return {self.response["choice"]}
        return set(self.response.get("choices", []))

    @property
    def text(self) -> str:
        return str(self.response.get("text", ""))

    @property
    def value(self) -> str:
        value = self.response.get("value")
        return "" if value is None else ("true" if value else "false")

    @property
    def correct_text(self) -> str:
        return grading.correct_answer_text(self.question)

    @property
    def correct_choice_ids(self) -> set[int]:
        return {choice.pk for choice in self.choices if choice.is_correct}


def shown_questions(attempt: Attempt) -> list[Shown]:
    """The attempt's questions in its fixed order, each with its choices in the attempt's order
    and the stored answer (what a reload restores)."""
    ids = [item["question"] for item in attempt.layout]
    questions = Question.objects.prefetch_related("choices").in_bulk(ids)
    answers = {}
    if attempt.pk:  # a teacher's preview is never saved
        answers = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    shown = []
    for number, item in enumerate(attempt.layout, start=1):
        question = questions.get(item["question"])
        if question is None:
            continue
        by_id = {choice.pk: choice for choice in question.choices.all()}
        answer = answers.get(question.pk)
        shown.append(
            Shown(
                number=number,
                question=question,
                points=Decimal(item["points"]),
                choices=[by_id[pk] for pk in item.get("choices", []) if pk in by_id],
                answer=answer,
                response=answer.response if answer else {},
            )
        )
    return shown


def own_attempt(student: User, attempt_id: int) -> Attempt:
    """The student's own attempt, or ``Attempt.DoesNotExist`` for any other id: someone else's
    attempt is as unknown as one that does not exist."""
    return Attempt.objects.select_related("quiz__lesson__section__course").get(
        pk=attempt_id, student=student
    )


# --- Teacher side ---------------------------------------------------------------------------


@transaction.atomic
def grade_answer(
    answer: Answer,
    by: User,
    score: Decimal,
    feedback: str = "",
    now: datetime.datetime | None = None,
) -> Attempt:
    """A teacher scores one answer (an essay, or a regrade of any answer) of a submitted attempt,
    from 0 up to the question's points in that attempt. Who graded and when is kept on the
    answer. Once every answer has a score the attempt is graded, and the lesson may complete."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().get(pk=answer.attempt_id)
    quiz = Quiz.objects.select_related("lesson__section__course").get(pk=attempt.quiz_id)
    if not access.can_manage_course(by, quiz.lesson.section.course):
        raise PermissionDenied(_("You cannot grade this quiz."))
    if attempt.state == State.IN_PROGRESS:
        raise ValidationError(_("The student has not submitted this attempt yet."))
    item = layout_item(attempt, answer.question_id)
    points = Decimal(item["points"]) if item else Decimal(0)
    if score is None or not Decimal(score).is_finite() or not 0 <= score <= points:
        raise ValidationError(
            _("The score must be between 0 and %(points)s.") % {"points": points.normalize()}
        )
    answer.score = Decimal(score).quantize(Decimal("0.01"))
    answer.feedback = feedback.strip()
    answer.graded_by = by
    answer.graded_at = now
    answer.save(update_fields=["score", "feedback", "graded_by", "graded_at"])
    attempt.quiz = quiz
    was_graded = attempt.state == State.GRADED
    attempt = _settle(attempt, now)
    if not was_graded and attempt.state == State.GRADED and revealed(quiz, quiz.show_results, now):
        notify(
            [attempt.student],
            gettext_noop("Your quiz was graded: %(title)s"),
            url=reverse("assessments:quiz_result", args=[attempt.pk]),
            kind=NotificationKind.GRADE,
            params={"title": quiz.lesson.title},
        )
    return attempt


def essays_to_grade(quiz: Quiz, include_graded: bool = False) -> QuerySet[Answer]:
    """Essay answers of submitted attempts, oldest first: those waiting for a score, or all of
    them (for regrading)."""
    answers = Answer.objects.filter(
        attempt__quiz=quiz,
        question__kind=Kind.ESSAY,
        attempt__state__in=[State.SUBMITTED, State.GRADED],
    ).select_related("attempt__student", "question", "graded_by")
    if not include_graded:
        answers = answers.filter(score__isnull=True)
    return answers.order_by("attempt__submitted_at", "pk")


def attempts_overview(quiz: Quiz, viewer: User) -> list[dict]:
    """Per enrolled student the viewer may read: their attempts (state, score) and kept grade."""
    course = quiz.lesson.section.course
    enrolments = (
        access.enrolments_visible_to(viewer, course)
        .select_related("student__organisation")
        .order_by("student__organisation__path", "student__number", "student__name")
    )
    students = [enrolment.student for enrolment in enrolments]
    by_student: dict[int, list[Attempt]] = {student.pk: [] for student in students}
    for attempt in Attempt.objects.filter(quiz=quiz, student__in=students).order_by("number"):
        by_student[attempt.student_id].append(attempt)
    kept = kept_percents(quiz, by_student)
    return [
        {"student": student, "attempts": by_student[student.pk], "kept": kept[student.pk]}
        for student in students
    ]


@dataclass
class ItemStats:
    question: Question
    position: int
    answered: int = 0  # answers in submitted attempts
    graded: int = 0
    correct: int = 0
    blank: int = 0
    total_score: Decimal = Decimal(0)
    total_points: Decimal = Decimal(0)
    choices: list[tuple[Choice, int]] = field(default_factory=list)
    wrong_answers: list[tuple[str, int]] = field(default_factory=list)

    @property
    def percent_correct(self) -> Decimal | None:
        if not self.graded:
            return None
        return (Decimal(self.correct) * 100 / self.graded).quantize(Decimal("0.1"))

    @property
    def average_score(self) -> Decimal | None:
        if not self.graded:
            return None
        return (self.total_score / self.graded).quantize(Decimal("0.01"))

    @property
    def average_percent(self) -> Decimal | None:
        if not self.graded or not self.total_points:
            return None
        return (self.total_score * 100 / self.total_points).quantize(Decimal("0.1"))


def item_statistics(quiz: Quiz, wrong_answers: int = 5) -> list[ItemStats]:
    """Per question, over the answers of submitted attempts: how many answered, the share that
    earned full points, the average score, how many picked each choice (which wrong choice
    misleads), and the most common wrong short or numeric answers (as typed, trimmed)."""
    answers = list(
        Answer.objects.filter(
            attempt__quiz=quiz, attempt__state__in=[State.SUBMITTED, State.GRADED]
        ).select_related("attempt")
    )
    positions = {item.question_id: item.position for item in quiz.items.all()}
    question_ids = {answer.question_id for answer in answers} | set(positions)
    questions = Question.objects.prefetch_related("choices").in_bulk(question_ids)
    stats = {
        pk: ItemStats(question=questions[pk], position=positions.get(pk, 10**9))
        for pk in question_ids
    }
    picks: dict[int, Counter] = {pk: Counter() for pk in question_ids}
    wrong: dict[int, Counter] = {pk: Counter() for pk in question_ids}
    for answer in answers:
        row = stats[answer.question_id]
        question = row.question
        item = layout_item(answer.attempt, answer.question_id)
        points = Decimal(item["points"]) if item else question.points
        row.answered += 1
        if grading.is_blank(answer.response):
            row.blank += 1
        for pk in grading.picked_choice_ids(question, answer.response):
            picks[question.pk][pk] += 1
        if answer.score is None:
            continue
        row.graded += 1
        row.total_score += answer.score
        row.total_points += points
        if answer.score >= points:
            row.correct += 1
        elif question.kind in (Kind.SHORT, Kind.NUMERIC) and not grading.is_blank(answer.response):
            wrong[question.pk][str(answer.response.get("text", "")).strip()] += 1
    for pk, row in stats.items():
        row.choices = [(choice, picks[pk][choice.pk]) for choice in row.question.choices.all()]
        row.wrong_answers = wrong[pk].most_common(wrong_answers)
    return sorted(stats.values(), key=lambda row: (row.position, row.question.pk))
