"""Quiz rules (``services.quizzes``): who may take a quiz and when, attempts and time limits
enforced on the server, autosave and restore, submitting once, deadlines, grading of every kind,
essay grading, reveal policies, item statistics and lesson completion. Times are explicit
(``now=``): nothing sleeps."""

from __future__ import annotations

import datetime
import random
import threading
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openclass.accounts.models import User
from openclass.assessments.models import Answer, Attempt, Question, Quiz
from openclass.assessments.services import quizzes
from openclass.assessments.tests.fixtures import Bank, make_question
from openclass.courses.models import Course, Enrolment, Lesson, LessonProgress
from openclass.courses.services import courses as course_services

State = Attempt.State
NOW = timezone.make_aware(datetime.datetime(2026, 4, 6, 10, 0))


def minutes(n: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


@dataclass
class QuizSetup:
    bank: Bank
    quiz: Quiz
    teacher: User
    student: User
    classmate: User


def make_quiz(bank: Bank, courses, **settings) -> Quiz:
    """A quiz lesson in the class course with the bank's six questions in order (max 8 points),
    choices not shuffled unless asked."""
    section = courses.video.section
    lesson = Lesson.objects.create(
        section=section, title="확인 퀴즈", kind=Lesson.Kind.QUIZ, position=9
    )
    quiz = quizzes.quiz_for(lesson)
    settings.setdefault("shuffle_choices", False)
    for name, value in settings.items():
        setattr(quiz, name, value)
    quiz.save()
    quizzes.add_questions(quiz, bank.owner, [q.pk for q in bank.questions])
    return quiz


@pytest.fixture
def setup(bank: Bank, courses) -> QuizSetup:
    north = courses.city.north
    course_services.enrol(
        north.homeroom_a, courses.class_course, [north.student_a1, north.student_a2]
    )
    quiz = make_quiz(bank, courses)
    return QuizSetup(bank, quiz, north.homeroom_a, north.student_a1, north.student_a2)


def right_answers(bank: Bank) -> dict[Question, list[str]]:
    return {
        bank.single: [str(bank.single.choices.get(text="5").pk)],
        bank.multiple: [str(c.pk) for c in bank.multiple.choices.filter(is_correct=True)],
        bank.true_false: ["true"],
        bank.short: ["독도는우리 땅"],
        bank.numeric: ["3.145"],
        bank.essay: ["횡단보도에서는 좌우를 살핍니다."],
    }


def answer_all(attempt: Attempt, answers: dict[Question, list[str]], now=NOW) -> None:
    for question, values in answers.items():
        quizzes.save_answer(attempt, question.pk, values, now)


# --- Authoring ------------------------------------------------------------------------------


def test_quiz_for_makes_the_quiz_once_and_only_for_quiz_lessons(setup: QuizSetup, courses) -> None:
    assert quizzes.quiz_for(setup.quiz.lesson) == setup.quiz
    assert Quiz.objects.filter(lesson=setup.quiz.lesson).count() == 1
    with pytest.raises(ValueError, match="not a quiz"):
        quizzes.quiz_for(courses.video)


def test_questions_come_only_from_the_teachers_bank(setup: QuizSetup, courses) -> None:
    north, south = courses.city.north, courses.city.south
    colleague_private = make_question(north.subject_teacher, Question.Kind.TRUE_FALSE, "private")
    colleague_shared = make_question(
        north.subject_teacher, Question.Kind.TRUE_FALSE, "shared", is_shared=True
    )
    other_school = make_question(south.homeroom_a, Question.Kind.TRUE_FALSE, "x", is_shared=True)
    quiz = setup.quiz
    with pytest.raises(ValidationError):
        quizzes.add_questions(quiz, setup.teacher, [colleague_shared.pk, colleague_private.pk])
    with pytest.raises(ValidationError):
        quizzes.add_questions(quiz, setup.teacher, [other_school.pk])
    assert quiz.items.count() == 6  # nothing half added
    assert quizzes.add_questions(quiz, setup.teacher, [colleague_shared.pk, setup.bank.single.pk])
    assert list(quiz.items.values_list("question_id", flat=True))[-1] == colleague_shared.pk
    assert quiz.items.count() == 7


def test_settings_errors(setup: QuizSetup) -> None:
    quiz = setup.quiz
    # The defaults show answers after the quiz closes, which needs a closing time...
    assert set(quizzes.settings_errors(quiz)) == {"closes_at"}
    # ... but only when the teacher chose that reveal or cleared the closing time: a page
    # that changes nothing, or a save of other settings, keeps the defaults without a warning.
    assert quizzes.settings_errors(quiz, changed=()) == {}
    assert quizzes.settings_errors(quiz, changed=["time_limit_minutes"]) == {}
    assert set(quizzes.settings_errors(quiz, changed=["show_answers"])) == {"closes_at"}
    assert set(quizzes.settings_errors(quiz, changed=["closes_at"])) == {"closes_at"}
    quiz.show_answers = Quiz.Reveal.NEVER
    assert quizzes.settings_errors(quiz, changed=["show_answers", "closes_at"]) == {}
    quiz.show_answers = Quiz.Reveal.AFTER_CLOSE
    quiz.show_answers = Quiz.Reveal.NOW
    assert set(quizzes.settings_errors(quiz)) == set()
    quiz.show_results = Quiz.Reveal.NEVER
    assert set(quizzes.settings_errors(quiz)) == {"show_answers"}
    quiz.show_results = Quiz.Reveal.NOW
    quiz.opens_at, quiz.closes_at = NOW, NOW
    quiz.question_count = 7
    errors = quizzes.settings_errors(quiz)
    assert set(errors) == {"closes_at", "question_count"}
    quiz.question_count = 0
    assert "question_count" in quizzes.settings_errors(quiz)


def test_removing_a_question_keeps_the_question_count_possible(setup: QuizSetup) -> None:
    quiz = setup.quiz
    quiz.question_count = 6
    quiz.save()
    quizzes.remove_item(quiz, quiz.items.last())
    quiz.refresh_from_db()
    assert quiz.question_count == 5
    assert "question_count" not in quizzes.settings_errors(quiz)


def test_move_and_points_override(setup: QuizSetup) -> None:
    quiz = setup.quiz
    first, second = list(quiz.items.all())[:2]
    quizzes.move_item(quiz, second, "up")
    assert list(quiz.items.values_list("pk", flat=True))[:2] == [second.pk, first.pk]
    quizzes.set_item_points(first, "2,5")
    first.refresh_from_db()
    assert first.points == Decimal("2.50") and first.max_points == Decimal("2.50")
    with pytest.raises(ValidationError):
        quizzes.set_item_points(first, "-1")
    quizzes.set_item_points(first, "")
    first.refresh_from_db()
    assert first.points is None and first.max_points == setup.bank.single.points


# --- Starting: who, when, how many ----------------------------------------------------------


def test_layout_is_fixed_at_start_with_a_random_pick_and_shuffle(setup: QuizSetup) -> None:
    quiz = setup.quiz
    quiz.question_count, quiz.shuffle_questions, quiz.shuffle_choices = 4, True, True
    quiz.save()
    attempt = quizzes.start_attempt(setup.student, quiz, NOW, rng=random.Random(7))
    assert len(attempt.layout) == 4
    bank_ids = {q.pk for q in setup.bank.questions}
    assert {item["question"] for item in attempt.layout} <= bank_ids
    for item in attempt.layout:
        question = Question.objects.get(pk=item["question"])
        assert sorted(item["choices"]) == sorted(question.choices.values_list("pk", flat=True))
    assert attempt.max_score == sum(Decimal(item["points"]) for item in attempt.layout)
    # Reloading (starting again) gives the same attempt with the same layout.
    again = quizzes.start_attempt(setup.student, quiz, NOW + minutes(1))
    assert again.pk == attempt.pk and again.layout == attempt.layout
    shown = quizzes.shown_questions(again)
    assert [s.question.pk for s in shown] == [item["question"] for item in attempt.layout]


def test_deadline_is_the_time_limit_or_the_closing_time(setup: QuizSetup) -> None:
    quiz = setup.quiz
    quiz.time_limit_minutes = 30
    quiz.closes_at = NOW + minutes(20)
    quiz.save()
    attempt = quizzes.start_attempt(setup.student, quiz, NOW)
    assert attempt.deadline == NOW + minutes(20)
    quiz.closes_at = NOW + minutes(90)
    quiz.save()
    other = quizzes.start_attempt(setup.classmate, quiz, NOW)
    assert other.deadline == NOW + minutes(30)


def test_only_enrolled_students_of_an_open_course_within_the_dates(
    setup: QuizSetup, courses
) -> None:
    quiz = setup.quiz
    north = courses.city.north

    def refused(student, at) -> str:
        with pytest.raises(quizzes.Refused) as refusal:
            quizzes.start_attempt(student, quiz, at)
        return refusal.value.code

    assert refused(north.student_b1, NOW) == "not_enrolled"  # another class
    quiz.opens_at = NOW + minutes(5)
    quiz.closes_at = NOW + minutes(60)
    quiz.save()
    assert refused(setup.student, NOW) == "not_yet_open"
    assert refused(setup.student, NOW + minutes(60)) == "closed"
    assert quizzes.start_attempt(setup.student, quiz, NOW + minutes(5)).number == 1
    Course.objects.filter(pk=courses.class_course.pk).update(is_published=False)
    quiz = Quiz.objects.get(pk=quiz.pk)
    assert refused(setup.classmate, NOW + minutes(6)) == "course_closed"
    assert not Attempt.objects.filter(student=setup.classmate).exists()


@pytest.mark.parametrize("allowed,expected", [(1, 1), (2, 2), (0, 4)])
def test_attempts_policy(setup: QuizSetup, allowed: int, expected: int) -> None:
    quiz = setup.quiz
    quiz.attempts_allowed = allowed
    quiz.save()
    started = 0
    for turn in range(4):
        at = NOW + minutes(turn * 10)
        try:
            attempt = quizzes.start_attempt(setup.student, quiz, at)
        except quizzes.Refused as refused:
            assert refused.code == "no_attempts_left"
            break
        started += 1
        quizzes.submit_attempt(attempt, at + minutes(1))
    assert started == expected
    assert Attempt.objects.filter(quiz=quiz, student=setup.student).count() == expected
    assert quizzes.attempts_left(setup.student, quiz) == (None if allowed == 0 else 0)


def test_a_lost_start_race_returns_the_open_attempt(setup: QuizSetup, monkeypatch) -> None:
    """Two tabs start at once: both find no open attempt, one insert wins, the other hits the
    ``one_open_attempt`` constraint and gets the winner's attempt."""
    winner = quizzes.start_attempt(setup.student, setup.quiz, NOW)
    real = quizzes.open_attempt
    calls = []

    def stale_then_real(student, quiz):
        calls.append(1)
        return None if len(calls) == 1 else real(student, quiz)

    monkeypatch.setattr(quizzes, "open_attempt", stale_then_real)
    monkeypatch.setattr(quizzes, "attempts_left", lambda student, quiz: None)
    loser = quizzes.start_attempt(setup.student, setup.quiz, NOW)
    assert loser.pk == winner.pk
    assert Attempt.objects.filter(student=setup.student).count() == 1


# --- Answering, submitting, deadlines -------------------------------------------------------


def test_autosave_and_restore(setup: QuizSetup) -> None:
    bank = setup.bank
    attempt = quizzes.start_attempt(setup.student, setup.quiz, NOW)
    four = bank.single.choices.get(text="4")
    quizzes.save_answer(attempt, bank.single.pk, [str(four.pk)], NOW)
    quizzes.save_answer(attempt, bank.short.pk, ["Dok"], NOW)
    quizzes.save_answer(attempt, bank.short.pk, ["Dokdo"], NOW + minutes(1))  # typed on
    quizzes.save_answer(attempt, bank.true_false.pk, ["false"], NOW)
    quizzes.save_answer(attempt, bank.multiple.pk, ["999999", "abc"], NOW)  # not its choices
    shown = {s.question.pk: s for s in quizzes.shown_questions(attempt)}
    assert shown[bank.single.pk].picked == {four.pk}
    assert shown[bank.short.pk].text == "Dokdo"
    assert shown[bank.true_false.pk].value == "false"
    assert shown[bank.multiple.pk].response == {}
    assert Answer.objects.filter(attempt=attempt).count() == 4  # one row per question
    other = make_question(setup.teacher, Question.Kind.TRUE_FALSE, "not in the quiz")
    with pytest.raises(ValidationError):
        quizzes.save_answer(attempt, other.pk, ["true"], NOW)


def test_plain_form_submit_saves_everything_including_cleared_answers(setup: QuizSetup) -> None:
    bank = setup.bank
    attempt = quizzes.start_attempt(setup.student, setup.quiz, NOW)
    prime = bank.multiple.choices.get(text="2")
    quizzes.save_answer(attempt, bank.multiple.pk, [str(prime.pk)], NOW)
    data = {
        f"q-{bank.multiple.pk}-present": ["1"],  # every box unticked: cleared
        f"q-{bank.true_false.pk}": ["true"],
    }
    assert quizzes.save_answers(attempt, data, NOW) == 2
    shown = {s.question.pk: s for s in quizzes.shown_questions(attempt)}
    assert shown[bank.multiple.pk].response == {}
    assert shown[bank.true_false.pk].value == "true"


def test_grading_of_every_kind_and_the_essay_waits(setup: QuizSetup) -> None:
    bank = setup.bank
    attempt = quizzes.start_attempt(setup.student, setup.quiz, NOW)
    answer_all(attempt, right_answers(bank))
    done = quizzes.submit_attempt(attempt, NOW + minutes(5))
    assert done.state == State.SUBMITTED and done.score is None  # the essay waits
    scores = dict(Answer.objects.filter(attempt=attempt).values_list("question_id", "score"))
    assert scores == {
        bank.single.pk: Decimal("1.00"),
        bank.multiple.pk: Decimal("2.00"),
        bank.true_false.pk: Decimal("1.00"),
        bank.short.pk: Decimal("1.00"),
        bank.numeric.pk: Decimal("1.00"),  # 3.145 is within 3.14 ± 0.01
        bank.essay.pk: None,
    }
    assert not LessonProgress.objects.filter(
        student=setup.student, lesson=setup.quiz.lesson, completed_at__isnull=False
    ).exists()


def test_wrong_and_blank_answers_score_zero_and_a_blank_essay_needs_no_teacher(
    setup: QuizSetup,
) -> None:
    bank = setup.bank
    attempt = quizzes.start_attempt(setup.student, setup.quiz, NOW)
    quizzes.save_answer(attempt, bank.numeric.pk, ["3.2"], NOW)
    multiple = bank.multiple.choices
    picked = [str(multiple.get(text="2").pk), str(multiple.get(text="4").pk)]
    quizzes.save_answer(attempt, bank.multiple.pk, picked, NOW)
    done = quizzes.submit_attempt(attempt, NOW + minutes(1))
    assert done.state == State.GRADED
    assert done.score == Decimal("0.00") and done.percent == Decimal("0.00")
    assert Answer.objects.filter(attempt=attempt).count() == 6  # blanks recorded too


def test_submitting_twice_grades_once_and_returns_the_same_result(setup: QuizSetup) -> None:
    bank = setup.bank
    attempt = quizzes.start_attempt(setup.student, setup.quiz, NOW)
    answers = right_answers(bank)
    del answers[bank.essay]
    answer_all(attempt, answers)
    stale = Attempt.objects.get(pk=attempt.pk)  # a second tab still holds it in progress
    first = quizzes.submit_attempt(attempt, NOW + minutes(2))
    assert first.state == State.GRADED and first.score == Decimal("6.00")
    Answer.objects.filter(attempt=attempt).update(score=0)  # a regrade would show
    second = quizzes.submit_attempt(stale, NOW + minutes(3))
    assert stale.state == State.IN_PROGRESS  # it really was stale: the conditional update path
    assert (second.pk, second.state, second.score, second.submitted_at, second.graded_at) == (
        first.pk,
        first.state,
        first.score,
        first.submitted_at,
        first.graded_at,
    )
    assert set(Answer.objects.filter(attempt=attempt).values_list("score", flat=True)) == {0}
    with pytest.raises(quizzes.Refused) as refused:
        quizzes.save_answer(stale, bank.single.pk, ["1"], NOW + minutes(3))
    assert refused.value.code == "submitted"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_submits_racing_in_threads_grade_once(bank: Bank, courses, monkeypatch) -> None:
    """Two requests submit the same attempt at the same moment on a real database connection
    each: on PostgreSQL the attempt's row is locked, on SQLite the IMMEDIATE transactions
    queue (the suite's SQLite database is a file both connections open)."""
    north = courses.city.north
    course_services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    quiz = make_quiz(bank, courses)
    attempt = quizzes.start_attempt(north.student_a1, quiz, NOW)
    answer_all(attempt, right_answers(bank))
    barrier = threading.Barrier(2)
    results, errors, gradings = [], [], []
    auto_score = quizzes._auto_score

    def counted(question, response, item):
        gradings.append(question.pk)
        return auto_score(question, response, item)

    monkeypatch.setattr(quizzes, "_auto_score", counted)

    def submit() -> None:
        from django.db import connection as own

        try:
            barrier.wait()
            results.append(quizzes.submit_attempt(Attempt.objects.get(pk=attempt.pk), NOW))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(gradings) == sorted(item["question"] for item in attempt.layout)  # once
    assert [r.state for r in results] == [State.SUBMITTED, State.SUBMITTED]
    assert results[0].submitted_at == results[1].submitted_at
    assert Answer.objects.filter(attempt=attempt).count() == 6


def test_a_save_after_the_deadline_is_refused_and_the_earlier_answer_counts(
    setup: QuizSetup,
) -> None:
    bank = setup.bank
    quiz = setup.quiz
    quiz.time_limit_minutes = 10
    quiz.save()
    attempt = quizzes.start_attempt(setup.student, quiz, NOW)
    assert attempt.deadline == NOW + minutes(10)
    quizzes.save_answer(attempt, bank.true_false.pk, ["true"], NOW + minutes(9))
    with pytest.raises(quizzes.Refused) as refused:
        quizzes.save_answer(attempt, bank.true_false.pk, ["false"], NOW + minutes(10))
    assert refused.value.code == "deadline"
    # A late submit (the request arrived after the deadline) is graded as of the deadline.
    done = quizzes.submit_attempt(attempt, NOW + minutes(15))
    assert done.submitted_at == NOW + minutes(10)
    assert Answer.objects.get(attempt=attempt, question=bank.true_false).score == Decimal("1.00")


def test_attempts_left_open_past_the_deadline_are_submitted(setup: QuizSetup) -> None:
    quiz = setup.quiz
    quiz.time_limit_minutes = 10
    quiz.attempts_allowed = 2
    quiz.save()
    attempt = quizzes.start_attempt(setup.student, quiz, NOW)
    quizzes.save_answer(attempt, setup.bank.true_false.pk, ["true"], NOW + minutes(1))
    other = quizzes.start_attempt(setup.classmate, quiz, NOW + minutes(5))
    # The periodic task: only the expired one.
    assert quizzes.finalise_expired(NOW + minutes(11)) == 1
    attempt.refresh_from_db()
    # Graded at once: everything answered is objective, the blank essay scores 0.
    assert attempt.state == State.GRADED and attempt.submitted_at == NOW + minutes(10)
    other.refresh_from_db()
    assert other.state == State.IN_PROGRESS
    # The next visit finalises the classmate's too, then starts a fresh attempt.
    fresh = quizzes.start_attempt(setup.classmate, quiz, NOW + minutes(30))
    other.refresh_from_db()
    assert other.state == State.GRADED and fresh.number == 2
    assert quizzes.finalise_expired(NOW + minutes(31)) == 0


def test_the_periodic_task_runs_the_same_rule(setup: QuizSetup) -> None:
    from openclass.assessments.tasks import submit_expired_attempts_task

    quiz = setup.quiz
    quiz.time_limit_minutes = 1
    quiz.save()
    past = timezone.now() - minutes(5)
    attempt = quizzes.start_attempt(setup.student, quiz, past)
    submit_expired_attempts_task.call_local()
    attempt.refresh_from_db()
    assert attempt.state != State.IN_PROGRESS
    assert attempt.submitted_at == past + minutes(1)


# --- Essays, completion, reveal, statistics -------------------------------------------------


def test_essay_grading_flow_and_completion(setup: QuizSetup, courses) -> None:
    bank, quiz = setup.bank, setup.quiz
    quiz.pass_percent = 75
    quiz.save()
    attempt = quizzes.start_attempt(setup.student, quiz, NOW)
    answer_all(attempt, right_answers(bank))
    quizzes.submit_attempt(attempt, NOW + minutes(5))
    queue = list(quizzes.essays_to_grade(quiz))
    assert [a.attempt_id for a in queue] == [attempt.pk]
    essay = queue[0]
    with pytest.raises(ValidationError):
        quizzes.grade_answer(essay, setup.teacher, Decimal("2.5"), "", NOW)  # > 2 points
    with pytest.raises(PermissionDenied):
        quizzes.grade_answer(essay, courses.city.north.subject_teacher, Decimal(1), "", NOW)
    done = quizzes.grade_answer(essay, setup.teacher, Decimal(0), " 다시 써 보세요 ", NOW)
    # 6 / 8 = 75 %: passes.
    assert done.state == State.GRADED and done.score == Decimal("6.00")
    progress = LessonProgress.objects.get(student=setup.student, lesson=quiz.lesson)
    assert progress.completed_at == NOW
    assert list(quizzes.essays_to_grade(quiz)) == []
    # A regrade is allowed and logged; the completion stays.
    later = NOW + minutes(60)
    regraded = quizzes.grade_answer(essay, setup.teacher, Decimal("1.5"), "좋아요", later)
    assert regraded.score == Decimal("7.50") and regraded.graded_at == later
    essay.refresh_from_db()
    assert (essay.graded_by, essay.graded_at, essay.feedback) == (setup.teacher, later, "좋아요")
    assert list(quizzes.essays_to_grade(quiz, include_graded=True)) == [essay]


def test_completion_when_the_kept_grade_reaches_the_pass_mark(setup: QuizSetup) -> None:
    bank, quiz = setup.bank, setup.quiz
    quiz.items.filter(question=bank.essay).delete()
    quiz.pass_percent, quiz.attempts_allowed = 60, 0
    quiz.save()
    done = LessonProgress.objects.filter(
        student=setup.student, lesson=quiz.lesson, completed_at__isnull=False
    )
    first = quizzes.start_attempt(setup.student, quiz, NOW)
    quizzes.save_answer(first, bank.multiple.pk, right_answers(bank)[bank.multiple], NOW)
    assert quizzes.submit_attempt(first, NOW).percent == Decimal("33.33")  # 2 of 6
    assert not done.exists()
    second = quizzes.start_attempt(setup.student, quiz, NOW + minutes(1))
    answer_all(second, {q: v for q, v in right_answers(bank).items() if q != bank.essay})
    assert quizzes.submit_attempt(second, NOW + minutes(2)).percent == Decimal("100.00")
    assert done.get().completed_at == NOW + minutes(2)


def test_pass_mark_zero_completes_on_submission_when_all_auto_graded(setup: QuizSetup) -> None:
    quiz = setup.quiz
    quiz.items.filter(question=setup.bank.essay).delete()
    attempt = quizzes.start_attempt(setup.student, quiz, NOW)
    quizzes.submit_attempt(attempt, NOW + minutes(1))  # nothing answered: 0 %
    assert LessonProgress.objects.get(
        student=setup.student, lesson=quiz.lesson
    ).completed_at == NOW + minutes(1)


@pytest.mark.parametrize(
    "policy,closes,now,shown",
    [
        (Quiz.Reveal.NOW, None, NOW, True),
        (Quiz.Reveal.NEVER, None, NOW, False),
        (Quiz.Reveal.AFTER_CLOSE, None, NOW, False),
        (Quiz.Reveal.AFTER_CLOSE, NOW + minutes(10), NOW, False),
        (Quiz.Reveal.AFTER_CLOSE, NOW + minutes(10), NOW + minutes(10), True),
    ],
)
def test_reveal_policies(policy, closes, now, shown) -> None:
    quiz = Quiz(closes_at=closes)
    assert quizzes.revealed(quiz, policy, now) is shown


def test_item_statistics_computed_by_hand(setup: QuizSetup, courses) -> None:
    """Three students, answers chosen so every figure is known:

    - single (1 pt): A picks 5 (right), B picks 4, C picks 4 → 1 of 3 correct, 33.3 %, average
      0.33; choices 4: 2, 5: 1, 6: 0.
    - short (1 pt): A "Dokdo" (right), B "독 도", C " 독도 " → 1 of 3 correct; the wrong answers
      are listed as typed, trimmed: "독 도" ×1 and "독도" ×1.
    - numeric (1 pt): A 3.14, B 3, C blank → 1 of 3, blank 1, wrong "3" ×1.
    """
    north = courses.city.north
    third = north.student_b1
    Enrolment.objects.create(course=courses.class_course, student=third)
    bank, quiz = setup.bank, setup.quiz
    quiz.items.exclude(question__in=[bank.single, bank.short, bank.numeric]).delete()
    choice = {c.text: str(c.pk) for c in bank.single.choices.all()}
    plan = {
        setup.student: {bank.single: [choice["5"]], bank.short: ["Dokdo"], bank.numeric: ["3.14"]},
        setup.classmate: {bank.single: [choice["4"]], bank.short: ["독 도"], bank.numeric: ["3"]},
        third: {bank.single: [choice["4"]], bank.short: [" 독도 "], bank.numeric: [""]},
    }
    for student, answers in plan.items():
        attempt = quizzes.start_attempt(student, quiz, NOW)
        answer_all(attempt, answers)
        quizzes.submit_attempt(attempt, NOW + minutes(1))
    stats = {row.question.pk: row for row in quizzes.item_statistics(quiz)}
    single = stats[bank.single.pk]
    assert (single.answered, single.graded, single.correct) == (3, 3, 1)
    assert single.percent_correct == Decimal("33.3")
    assert single.average_score == Decimal("0.33")
    assert [(c.text, n) for c, n in single.choices] == [("4", 2), ("5", 1), ("6", 0)]
    short = stats[bank.short.pk]
    assert short.correct == 1 and short.percent_correct == Decimal("33.3")
    assert sorted(short.wrong_answers) == [("독 도", 1), ("독도", 1)]
    numeric = stats[bank.numeric.pk]
    assert (numeric.correct, numeric.blank, numeric.wrong_answers) == (1, 1, [("3", 1)])
    assert numeric.average_percent == Decimal("33.3")


def test_attempts_overview_lists_the_readable_students(setup: QuizSetup, courses) -> None:
    attempt = quizzes.start_attempt(setup.student, setup.quiz, NOW)
    rows = quizzes.attempts_overview(setup.quiz, setup.teacher)
    assert [row["student"] for row in rows] == [setup.student, setup.classmate]
    assert rows[0]["attempts"] == [attempt] and rows[1]["attempts"] == []
    parent_rows = quizzes.attempts_overview(setup.quiz, courses.city.north.parent_a1)
    assert [row["student"] for row in parent_rows] == [setup.student]
