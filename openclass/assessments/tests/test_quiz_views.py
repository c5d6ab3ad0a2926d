"""The quiz pages through the test client: a student's whole flow (autosave, reload, submit,
results as the reveal settings allow), the teacher's pages, and every refusal."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from openclass.assessments.models import Answer, Attempt, Quiz
from openclass.assessments.services import quizzes
from openclass.assessments.tests.test_quizzes import QuizSetup, make_quiz, right_answers
from openclass.courses.models import LessonProgress
from openclass.courses.services import courses as course_services

State = Attempt.State


@pytest.fixture
def setup(bank, courses) -> QuizSetup:
    north = courses.city.north
    course_services.enrol(
        north.homeroom_a, courses.class_course, [north.student_a1, north.student_a2]
    )
    quiz = make_quiz(bank, courses, show_answers=Quiz.Reveal.NOW)
    return QuizSetup(bank, quiz, north.homeroom_a, north.student_a1, north.student_a2)


def url(name: str, *args) -> str:
    return reverse(f"assessments:{name}", args=args)


def start(client, setup: QuizSetup) -> Attempt:
    client.force_login(setup.student)
    response = client.post(url("quiz_start", setup.quiz.lesson_id))
    attempt = Attempt.objects.get(student=setup.student, quiz=setup.quiz, state=State.IN_PROGRESS)
    assert response.status_code == 302
    assert response["Location"] == url("quiz_attempt", attempt.pk)
    return attempt


def save(client, attempt: Attempt, question, values: list[str]):
    return client.post(
        url("quiz_attempt_save", attempt.pk),
        {"question": str(question.pk), f"q-{question.pk}": values},
    )


# --- The student's flow ---------------------------------------------------------------------


def test_the_lesson_page_sends_students_to_the_quiz(client, setup: QuizSetup) -> None:
    client.force_login(setup.student)
    course = setup.quiz.lesson.section.course
    response = client.get(reverse("courses:lesson", args=[course.pk, setup.quiz.lesson_id]))
    assert response["Location"] == url("quiz", setup.quiz.lesson_id)
    page = client.get(url("quiz", setup.quiz.lesson_id)).content.decode()
    assert f'action="{url("quiz_start", setup.quiz.lesson_id)}"' in page
    assert "My attempts" not in page and "data-kept-grade" not in page


def test_autosave_reload_and_submit(client, setup: QuizSetup) -> None:
    bank = setup.bank
    attempt = start(client, setup)
    page = client.get(url("quiz_attempt", attempt.pk)).content.decode()
    assert page.count('class="quiz-question"') == 6
    assert re.search(r"assessments/quiz\.(\w+\.)?js", page)
    five = bank.single.choices.get(text="5")
    response = save(client, attempt, bank.single, [str(five.pk)])
    assert response.status_code == 200 and response.json()["ok"] is True
    assert save(client, attempt, bank.short, ["Dokdo"]).json()["ok"]
    assert save(client, attempt, bank.essay, ["길을 건널 때는 멈춥니다."]).json()["ok"]
    # A reload shows what was saved.
    page = client.get(url("quiz_attempt", attempt.pk)).content.decode()
    assert re.search(rf'value="{five.pk}"\s+checked', page)
    assert 'value="Dokdo"' in page
    assert "길을 건널 때는 멈춥니다.</textarea>" in page
    # Submitting: the plain form carries every answer (here the true/false one is new).
    response = client.post(
        url("quiz_attempt_submit", attempt.pk),
        {
            f"q-{bank.single.pk}": str(five.pk),
            f"q-{bank.single.pk}-present": "1",
            f"q-{bank.true_false.pk}": "true",
            f"q-{bank.true_false.pk}-present": "1",
        },
    )
    assert response["Location"] == url("quiz_result", attempt.pk)
    attempt.refresh_from_db()
    assert attempt.state == State.SUBMITTED  # the essay waits
    assert Answer.objects.get(attempt=attempt, question=bank.true_false).score == Decimal(1)
    # The attempt page now shows the result; saving is refused.
    assert client.get(url("quiz_attempt", attempt.pk))["Location"] == url("quiz_result", attempt.pk)
    refused = save(client, attempt, bank.single, [str(five.pk)])
    assert refused.status_code == 400
    body = refused.json()
    assert (body["ok"], body["reason"], body["code"]) == (False, "invalid", "submitted")
    assert body["message"]  # what the page says, in the student's language
    result = client.get(url("quiz_result", attempt.pk)).content.decode()
    assert "data-attempt-score" in result


def test_submitting_twice_is_a_no_op(client, setup: QuizSetup) -> None:
    attempt = start(client, setup)
    first = client.post(url("quiz_attempt_submit", attempt.pk), {})
    attempt.refresh_from_db()
    graded_at, submitted_at = attempt.graded_at, attempt.submitted_at
    second = client.post(
        url("quiz_attempt_submit", attempt.pk), {f"q-{setup.bank.true_false.pk}": "true"}
    )
    assert first["Location"] == second["Location"] == url("quiz_result", attempt.pk)
    attempt.refresh_from_db()
    assert (attempt.graded_at, attempt.submitted_at, attempt.score) == (
        graded_at,
        submitted_at,
        Decimal(0),
    )


def test_a_second_start_returns_to_the_open_attempt(client, setup: QuizSetup) -> None:
    attempt = start(client, setup)
    response = client.post(url("quiz_start", setup.quiz.lesson_id))
    assert response["Location"] == url("quiz_attempt", attempt.pk)
    assert Attempt.objects.filter(student=setup.student).count() == 1


def test_no_attempt_left_is_refused_with_a_message(client, setup: QuizSetup) -> None:
    attempt = start(client, setup)
    client.post(url("quiz_attempt_submit", attempt.pk), {})
    response = client.post(url("quiz_start", setup.quiz.lesson_id), follow=True)
    assert Attempt.objects.filter(student=setup.student).count() == 1
    assert response.redirect_chain[-1][0] == url("quiz", setup.quiz.lesson_id)
    assert 'class="message error"' in response.content.decode()


def test_time_limit_on_the_server_late_save_and_finalised_on_the_next_visit(
    client, setup: QuizSetup
) -> None:
    quiz = setup.quiz
    quiz.time_limit_minutes = 10
    quiz.save()
    past = timezone.now() - datetime.timedelta(minutes=11)
    attempt = quizzes.start_attempt(setup.student, quiz, past)
    quizzes.save_answer(attempt, setup.bank.true_false.pk, ["true"], past)
    client.force_login(setup.student)
    late = save(client, attempt, setup.bank.true_false, ["false"])
    assert late.status_code == 400 and late.json()["code"] == "deadline"
    # Opening the attempt again submits it, as of its deadline.
    response = client.get(url("quiz_attempt", attempt.pk))
    assert response["Location"] == url("quiz_result", attempt.pk)
    attempt.refresh_from_db()
    assert attempt.state == State.GRADED
    assert attempt.submitted_at == past + datetime.timedelta(minutes=10)
    answer = Answer.objects.get(attempt=attempt, question=setup.bank.true_false)
    assert answer.response == {"value": True} and answer.score == Decimal(1)


def test_the_attempt_page_counts_down_from_the_server_deadline(client, setup: QuizSetup) -> None:
    quiz = setup.quiz
    quiz.time_limit_minutes = 10
    quiz.save()
    quizzes.start_attempt(setup.student, quiz, timezone.now() - datetime.timedelta(minutes=4))
    attempt = Attempt.objects.get(student=setup.student)
    client.force_login(setup.student)
    page = client.get(url("quiz_attempt", attempt.pk)).content.decode()
    remaining = int(re.search(r'data-remaining="(\d+)"', page).group(1))
    assert 355 <= remaining <= 360


@pytest.mark.parametrize(
    "show_results,show_answers,closes_in,score_shown,answers_shown",
    [
        (Quiz.Reveal.NOW, Quiz.Reveal.NOW, None, True, True),
        (Quiz.Reveal.NOW, Quiz.Reveal.NEVER, None, True, False),
        (Quiz.Reveal.NEVER, Quiz.Reveal.NEVER, None, False, False),
        (Quiz.Reveal.AFTER_CLOSE, Quiz.Reveal.AFTER_CLOSE, 60, False, False),
    ],
)
def test_results_follow_the_reveal_settings_and_the_teacher_sees_all(
    client, setup: QuizSetup, show_results, show_answers, closes_in, score_shown, answers_shown
) -> None:
    quiz = setup.quiz
    quiz.show_results, quiz.show_answers = show_results, show_answers
    if closes_in:
        quiz.closes_at = timezone.now() + datetime.timedelta(minutes=closes_in)
    quiz.save()
    attempt = start(client, setup)
    wrong = setup.bank.single.choices.get(text="4")
    save(client, attempt, setup.bank.single, [str(wrong.pk)])
    client.post(url("quiz_attempt_submit", attempt.pk), {})
    page = client.get(url("quiz_result", attempt.pk)).content.decode()
    assert ("data-attempt-score" in page) is score_shown
    assert ('class="tag done"' in page) is answers_shown  # the correct choice is marked
    assert (setup.bank.single.explanation in page) is answers_shown
    intro = client.get(url("quiz", quiz.lesson_id)).content.decode()
    assert ("data-kept-grade" in intro) is score_shown  # the blank essay scored 0: graded
    client.force_login(setup.teacher)
    page = client.get(url("quiz_result", attempt.pk)).content.decode()
    assert "data-attempt-score" in page and 'class="tag done"' in page


def test_results_after_close_are_shown_once_the_quiz_has_closed(client, setup: QuizSetup) -> None:
    quiz = setup.quiz
    quiz.show_results = quiz.show_answers = Quiz.Reveal.AFTER_CLOSE
    quiz.closes_at = timezone.now() + datetime.timedelta(minutes=30)
    quiz.save()
    attempt = start(client, setup)
    client.post(url("quiz_attempt_submit", attempt.pk), {})
    assert "data-attempt-score" not in client.get(url("quiz_result", attempt.pk)).content.decode()
    Quiz.objects.filter(pk=quiz.pk).update(closes_at=timezone.now())
    page = client.get(url("quiz_result", attempt.pk)).content.decode()
    assert "data-attempt-score" in page
    intro = client.get(url("quiz", quiz.lesson_id)).content.decode()
    assert "data-kept-grade" in intro


# --- Teacher pages --------------------------------------------------------------------------


def test_the_teacher_manages_the_quiz(client, setup: QuizSetup) -> None:
    quiz = setup.quiz
    client.force_login(setup.teacher)
    page = client.get(url("quiz", quiz.lesson_id)).content.decode()
    assert url("quiz_settings", quiz.lesson_id) in page
    assert page.count('class="quiz-item"') == 6
    # Settings: an impossible combination is refused and nothing changes.
    response = client.post(
        url("quiz_settings", quiz.lesson_id),
        {
            "opens_at": "2026-04-06T10:00",
            "closes_at": "2026-04-06T09:00",
            "attempts_allowed": "2",
            "grading": "best",
            "question_count": "9",
            "show_results": "now",
            "show_answers": "now",
            "pass_percent": "0",
            "weight": "1",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"closes_at", "question_count"}
    quiz.refresh_from_db()
    assert quiz.attempts_allowed == 1 and quiz.closes_at is None
    response = client.post(
        url("quiz_settings", quiz.lesson_id),
        {
            "opens_at": "2026-04-06T09:00",
            "closes_at": "2026-04-06T10:00",
            "time_limit_minutes": "15",
            "attempts_allowed": "2",
            "grading": "last",
            "question_count": "3",
            "shuffle_questions": "on",
            "show_results": "now",
            "show_answers": "after_close",
            "pass_percent": "60",
            "weight": "2",
        },
    )
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert (quiz.attempts_allowed, quiz.question_count, quiz.time_limit_minutes) == (2, 3, 15)
    assert quiz.shuffle_questions and not quiz.shuffle_choices
    # Items: move, points, remove.
    first, second = list(quiz.items.all())[:2]
    client.post(url("quiz_item", quiz.lesson_id, second.pk), {"action": "up"})
    assert list(quiz.items.values_list("pk", flat=True))[:2] == [second.pk, first.pk]
    client.post(url("quiz_item", quiz.lesson_id, first.pk), {"action": "points", "points": "3"})
    first.refresh_from_db()
    assert first.points == Decimal(3)
    response = client.post(
        url("quiz_item", quiz.lesson_id, first.pk),
        {"action": "points", "points": "many"},
        follow=True,
    )
    assert 'class="message error"' in response.content.decode()
    first.refresh_from_db()
    assert first.points == Decimal(3)
    client.post(url("quiz_item", quiz.lesson_id, first.pk), {"action": "remove"})
    assert quiz.items.count() == 5
    # Preview renders without saving anything.
    preview = client.get(url("quiz_preview", quiz.lesson_id))
    assert preview.status_code == 200 and not Attempt.objects.filter(quiz=quiz).exists()


def test_a_new_quiz_does_not_warn_about_its_own_defaults(client, bank, courses) -> None:
    """Answers after the quiz closes, no closing time: the default, no warning; a teacher who
    chooses a reveal after closing without a closing time is told at once."""
    quiz = make_quiz(bank, courses)
    assert quiz.show_answers == Quiz.Reveal.AFTER_CLOSE and quiz.closes_at is None
    client.force_login(courses.city.north.homeroom_a)
    warning = "Set a closing time to show results after the quiz closes."
    page = client.get(url("quiz", quiz.lesson_id), HTTP_ACCEPT_LANGUAGE="en")
    assert warning not in page.content.decode()
    settings = {
        "attempts_allowed": "1",
        "grading": "best",
        "show_results": "now",
        "show_answers": "after_close",
        "pass_percent": "0",
        "weight": "1",
        "time_limit_minutes": "20",
        "shuffle_choices": "on",
    }
    response = client.post(url("quiz_settings", quiz.lesson_id), settings)
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert quiz.time_limit_minutes == 20
    # Choosing "score after closing" without a closing time is refused, with the reason.
    settings["show_results"] = "after_close"
    response = client.post(
        url("quiz_settings", quiz.lesson_id), settings, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["closes_at"] == [warning]
    assert "data-form-errors" in response.content.decode()


def test_the_teacher_adds_questions_from_their_bank_only(client, setup: QuizSetup, courses) -> None:
    from openclass.assessments.models import Question
    from openclass.assessments.tests.fixtures import make_question

    quiz = setup.quiz
    mine = make_question(setup.teacher, Question.Kind.TRUE_FALSE, "새 문제", answer_true=False)
    foreign = make_question(courses.city.south.homeroom_a, Question.Kind.TRUE_FALSE, "남의 문제")
    client.force_login(setup.teacher)
    page = client.get(url("quiz_questions", quiz.lesson_id)).content.decode()
    assert "새 문제" in page and "남의 문제" not in page
    client.post(url("quiz_questions", quiz.lesson_id), {"question": [str(foreign.pk)]})
    assert not quiz.items.filter(question=foreign).exists()
    response = client.post(url("quiz_questions", quiz.lesson_id), {"question": [str(mine.pk)]})
    assert response.status_code == 302
    assert quiz.items.filter(question=mine).exists()


def test_essay_grading_through_the_pages(client, setup: QuizSetup) -> None:
    bank, quiz = setup.bank, setup.quiz
    attempt = quizzes.start_attempt(setup.student, quiz)
    for question, values in right_answers(bank).items():
        quizzes.save_answer(attempt, question.pk, values)
    quizzes.submit_attempt(attempt)
    essay = Answer.objects.get(attempt=attempt, question=bank.essay)
    client.force_login(setup.teacher)
    queue = client.get(url("quiz_grading", quiz.lesson_id)).content.decode()
    assert "횡단보도에서는 좌우를 살핍니다." in queue
    prefix = f"a{essay.pk}"
    too_much = client.post(
        url("quiz_answer_grade", essay.pk), {f"{prefix}-score": "5", f"{prefix}-feedback": ""}
    )
    assert too_much.status_code == 302
    essay.refresh_from_db()
    assert essay.score is None
    client.post(
        url("quiz_answer_grade", essay.pk),
        {f"{prefix}-score": "1.5", f"{prefix}-feedback": "근거를 더 쓰세요."},
    )
    attempt.refresh_from_db()
    assert attempt.state == State.GRADED and attempt.score == Decimal("7.50")
    assert LessonProgress.objects.get(student=setup.student, lesson=quiz.lesson).completed_at
    # The student sees the score and the feedback.
    client.force_login(setup.student)
    result = client.get(url("quiz_result", attempt.pk)).content.decode()
    assert "7.50 / 8" in result and "근거를 더 쓰세요." in result
    # The overview and the statistics.
    client.force_login(setup.teacher)
    overview = client.get(url("quiz_attempts", quiz.lesson_id)).content.decode()
    assert setup.student.name in overview and "93.75 %" in overview
    stats = client.get(url("quiz_stats", quiz.lesson_id)).content.decode()
    assert stats.count("data-stat-correct>100.0 %") == 5


# --- Refusals -------------------------------------------------------------------------------


def test_another_students_attempt_is_not_found(client, setup: QuizSetup) -> None:
    attempt = quizzes.start_attempt(setup.classmate, setup.quiz)
    client.force_login(setup.student)
    assert client.get(url("quiz_attempt", attempt.pk)).status_code == 404
    assert save(client, attempt, setup.bank.true_false, ["true"]).status_code == 404
    assert client.post(url("quiz_attempt_submit", attempt.pk), {}).status_code == 404
    quizzes.submit_attempt(attempt)
    assert client.get(url("quiz_result", attempt.pk)).status_code == 404
    attempt.refresh_from_db()
    assert not Answer.objects.filter(attempt=attempt, response={"value": True}).exists()


def test_students_of_another_class_and_parents_cannot_take_or_read(
    client, setup: QuizSetup, courses
) -> None:
    north = courses.city.north
    attempt = quizzes.start_attempt(setup.student, setup.quiz)
    quizzes.submit_attempt(attempt)
    lesson_id = setup.quiz.lesson_id
    for outsider in (north.student_b1, north.parent_a1, courses.city.south.student_a1):
        client.force_login(outsider)
        assert client.get(url("quiz", lesson_id)).status_code == 404
        assert client.post(url("quiz_start", lesson_id)).status_code == 404
        assert client.get(url("quiz_result", attempt.pk)).status_code == 404
    assert Attempt.objects.count() == 1


def test_teachers_of_other_courses_cannot_manage_or_grade(
    client, setup: QuizSetup, courses
) -> None:
    attempt = quizzes.start_attempt(setup.student, setup.quiz)
    for question, values in right_answers(setup.bank).items():
        quizzes.save_answer(attempt, question.pk, values)
    quizzes.submit_attempt(attempt)
    essay = Answer.objects.get(attempt=attempt, question=setup.bank.essay)
    lesson_id = setup.quiz.lesson_id
    item = setup.quiz.items.first()
    for teacher in (courses.city.north.subject_teacher, courses.city.south.homeroom_a):
        client.force_login(teacher)
        for name in ("quiz", "quiz_settings", "quiz_questions", "quiz_preview", "quiz_attempts"):
            assert client.get(url(name, lesson_id)).status_code == 404, name
        for name in ("quiz_grading", "quiz_stats"):
            assert client.get(url(name, lesson_id)).status_code == 404, name
        assert client.get(url("quiz_result", attempt.pk)).status_code == 404
        assert (
            client.post(url("quiz_item", lesson_id, item.pk), {"action": "remove"}).status_code
            == 404
        )
        prefix = f"a{essay.pk}"
        response = client.post(url("quiz_answer_grade", essay.pk), {f"{prefix}-score": "2"})
        assert response.status_code == 404
    essay.refresh_from_db()
    assert essay.score is None and setup.quiz.items.count() == 6


def test_submitting_a_whole_quiz_takes_a_few_queries(
    client, setup: QuizSetup, django_assert_max_num_queries
) -> None:
    attempt = start(client, setup)
    data = {}
    for question, values in right_answers(setup.bank).items():
        data[f"q-{question.pk}"] = values
        data[f"q-{question.pk}-present"] = "1"
    # Saving every answer and grading: the same few queries for 6 questions or 60, the learning
    # records too (xAPI: one statement per answer, then scored and completed, stored as one
    # batch whatever its size).
    with django_assert_max_num_queries(25):
        client.post(url("quiz_attempt_submit", attempt.pk), data)
    assert Answer.objects.filter(attempt=attempt, response={}).count() == 0


def test_a_teacher_weighing_a_reusable_course_previews_its_quiz(client, courses) -> None:
    from openclass.assessments.models import Question
    from openclass.assessments.tests.fixtures import make_question
    from openclass.courses.models import Lesson, Section

    city = courses.city
    section = Section.objects.create(course=courses.office_course, title="1단원", position=1)
    lesson = Lesson.objects.create(section=section, title="독도 퀴즈", kind=Lesson.Kind.QUIZ)
    quiz = quizzes.quiz_for(lesson)
    question = make_question(city.instructor, Question.Kind.TRUE_FALSE, "독도는 섬이다.")
    quizzes.add_questions(quiz, city.instructor, [question.pk])
    client.force_login(city.north.homeroom_a)
    page = client.get(url("quiz", lesson.pk)).content.decode()
    assert "독도는 섬이다." in page and "data-quiz-form" not in page
    assert url("quiz_settings", lesson.pk) not in page
    assert client.get(url("quiz_settings", lesson.pk)).status_code == 404
    assert client.post(url("quiz_start", lesson.pk)).status_code == 404
    assert not Attempt.objects.exists()


@pytest.mark.parametrize(
    "elsewhere", ["//evil.example/", "/\\evil.example/", "https://evil.example/"]
)
def test_grading_goes_back_to_a_page_of_this_site_only(
    client, setup: QuizSetup, elsewhere: str
) -> None:
    """``next`` is a path of this site or ignored: "/\\host" is "//host" to a browser."""
    attempt = quizzes.start_attempt(setup.student, setup.quiz)
    for question, values in right_answers(setup.bank).items():
        quizzes.save_answer(attempt, question.pk, values)
    quizzes.submit_attempt(attempt)
    essay = Answer.objects.get(attempt=attempt, question=setup.bank.essay)
    client.force_login(setup.teacher)
    score = {f"a{essay.pk}-score": "1"}
    refused = client.post(url("quiz_answer_grade", essay.pk), {**score, "next": elsewhere})
    assert refused["Location"] == url("quiz_grading", setup.quiz.lesson_id)
    kept = client.post(url("quiz_answer_grade", essay.pk), {**score, "next": "/courses/?all=1"})
    assert kept["Location"] == "/courses/?all=1"
