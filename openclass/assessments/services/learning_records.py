"""Quizzes and assignments as xAPI statements (F-18), recorded with ``xapi.services.record`` in
the transaction of the event (the callers are atomic); the context (course, class, school, the
enrolment's registration) is ``courses``' (``courses.services.learning_records.where``).

- ``attempted`` (the quiz): an attempt starts (a second tab landing on the open attempt records
  nothing: it is the same attempt).
- ``answered`` (each question of the attempt answered, the quiz as its parent; one left blank
  records nothing): when the attempt is submitted — the answer as handed in, not each
  autosave. ``result.response`` is the answer in the cmi.interaction way (the ids of the
  chosen choices joined by ``[,]``, ``true`` / ``false``, the short or numeric answer as
  typed); ``result.success`` and the question's score when it is graded automatically. An
  essay's text is never put in a statement (it may say anything about anyone), so its
  ``answered`` has no response.
- ``scored`` (the quiz): once the attempt is fully graded (on submission, or when the teacher
  grades its last essay; a regrade records the new score), ``result.score`` raw / min / max /
  scaled; then ``passed`` or ``failed`` against the quiz's pass mark when it has one (0: none,
  only ``scored``).
- ``completed`` (the quiz): the attempt is handed in.
- ``submitted`` (the assignment): a version is handed in; ``result.response`` is empty — never
  the student's text nor their files' names.
- ``scored`` (the assignment): the teacher returns a grade. The actor is the learner, so the
  verb is ADL's ``scored`` (tincan's ``graded`` has the grader as its actor); the teacher is not
  named (no ``context.instructor``). ``passed`` / ``failed`` follow when the assignment has a pass
  score.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from openclass.accounts.models import User
from openclass.courses.services import learning_records as course_records
from openclass.xapi import services as xapi

from ..models import Answer, Assignment, Attempt, Question, Quiz
from . import grading

Kind = Question.Kind


def quiz_activity(quiz: Quiz) -> xapi.Activity:
    return xapi.Activity("quiz", quiz.pk, quiz.lesson.title)


def assignment_activity(assignment: Assignment) -> xapi.Activity:
    return xapi.Activity("assignment", assignment.pk, assignment.lesson.title)


def _where(student: User, quiz_or_assignment: Quiz | Assignment, **extra: Any) -> xapi.Where:
    return course_records.where(student, quiz_or_assignment.lesson.section.course, **extra)


def score_of(raw: Decimal, maximum: Decimal) -> dict[str, Any]:
    """``result.score``: raw, min, max and scaled (−1…1, to four places)."""
    score: dict[str, Any] = {"raw": float(raw), "min": 0, "max": float(maximum)}
    if maximum > 0:
        score["scaled"] = float(
            max(Decimal(-1), min(Decimal(1), raw / maximum)).quantize(Decimal("0.0001"))
        )
    return score


def response_text(question: Question, response: dict) -> str | None:
    """An answer as cmi.interaction's response, or None for an essay (never recorded)."""
    if question.kind == Kind.ESSAY:
        return None
    if question.kind == Kind.SINGLE:
        return str(response["choice"]) if "choice" in response else ""
    if question.kind == Kind.MULTIPLE:
        return "[,]".join(str(choice) for choice in response.get("choices", []))
    if question.kind == Kind.TRUE_FALSE:
        return ("true" if response["value"] else "false") if "value" in response else ""
    return str(response.get("text", ""))


# --- Quizzes -----------------------------------------------------------------------------------


def attempted(attempt: Attempt, now: datetime.datetime) -> None:
    quiz = attempt.quiz
    xapi.record(
        attempt.student,
        "attempted",
        quiz_activity(quiz),
        where=_where(attempt.student, quiz),
        result=None,
        timestamp=now,
    )


def handed_in(
    attempt: Attempt,
    answers: list[Answer],
    questions: dict[int, Question],
    now: datetime.datetime,
) -> None:
    """An attempt was submitted: each question answered, in the attempt's order, then the quiz
    scored (and passed or failed) when it is fully graded, then completed — stored together,
    since a whole class hands in at the same minute."""
    quiz = attempt.quiz
    student = attempt.student
    parent = quiz_activity(quiz)
    context = _where(student, quiz)
    in_quiz = xapi.Where(course=context.course, registration=context.registration, parent=parent)
    by_question = {answer.question_id: answer for answer in answers}
    events: list[xapi.Event] = []
    for item in attempt.layout:
        question = questions.get(item["question"])
        answer = by_question.get(item["question"])
        if question is None or answer is None or grading.is_blank(answer.response):
            continue  # a question left blank was not answered
        result: dict[str, Any] = {}
        response = response_text(question, answer.response or {})
        if response is not None:
            result["response"] = response
        if question.kind in Question.AUTO_GRADED and answer.score is not None:
            result["success"] = answer.score >= Decimal(item["points"])
            result["score"] = score_of(answer.score, Decimal(item["points"]))
        activity = xapi.Activity("question", question.pk, question.text[:100])
        events.append(xapi.Event("answered", activity, in_quiz, result or None))
    if attempt.state == Attempt.State.GRADED:
        events += _graded(attempt, context)
    events.append(xapi.Event("completed", parent, context, {"completion": True}))
    xapi.record_many(student, events, timestamp=now)


def _graded(attempt: Attempt, context: xapi.Where) -> list[xapi.Event]:
    quiz = attempt.quiz
    score = score_of(attempt.score or Decimal(0), attempt.max_score)
    events = [xapi.Event("scored", quiz_activity(quiz), context, {"score": score})]
    if quiz.pass_percent:
        passed = (attempt.percent or Decimal(0)) >= quiz.pass_percent
        events.append(
            xapi.Event(
                "passed" if passed else "failed",
                quiz_activity(quiz),
                context,
                {"score": score, "success": passed},
            )
        )
    return events


def graded(attempt: Attempt, now: datetime.datetime) -> None:
    """The attempt is fully graded (a teacher graded its last essay, or regraded an answer):
    scored, then passed or failed against the pass mark."""
    events = _graded(attempt, _where(attempt.student, attempt.quiz))
    xapi.record_many(attempt.student, events, timestamp=now)


# --- Assignments -------------------------------------------------------------------------------


def submitted(student: User, assignment: Assignment, now: datetime.datetime) -> None:
    xapi.record(
        student,
        "submitted",
        assignment_activity(assignment),
        where=_where(student, assignment),
        result={"response": ""},
        timestamp=now,
    )


def assignment_scored(
    student: User, assignment: Assignment, score: Decimal, now: datetime.datetime
) -> None:
    result: dict[str, Any] = {"score": score_of(score, assignment.max_score)}
    context = _where(student, assignment)
    xapi.record(
        student,
        "scored",
        assignment_activity(assignment),
        where=context,
        result=result,
        timestamp=now,
    )
    if assignment.pass_score is not None:
        passed = score >= assignment.pass_score
        xapi.record(
            student,
            "passed" if passed else "failed",
            assignment_activity(assignment),
            where=context,
            result={**result, "success": passed},
            timestamp=now,
        )
