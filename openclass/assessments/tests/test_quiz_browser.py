"""A timed quiz in a real browser (Debian's chromium, the real server): a student starts it,
answers as they go (autosave, also across a dropped connection), reloads mid-way and finds
every answer, submits; the teacher grades the essay; the student sees the score and the
feedback. A second quiz closing half a minute after it is made shows the page submitting
itself at the server's deadline; a third, submitted in another tab, shows the page stopping and
showing the result when the server refuses its next save.

The quizzes are added to the live server's seeded course (``live_server.seed_course``) by the
``seed_*`` functions below, run through ``manage.py shell`` against the server's own database."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from openclass.core.tests.browser import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scroll,
    log_in,
    serious_axe_violations,
)
from openclass.core.tests.live_server import COURSE_TITLE, STUDENT, TEACHER

pytestmark = pytest.mark.browser

TIMED_QUIZ = "퀴즈: 안전 규칙 확인"
CLOSING_QUIZ = "퀴즈: 마감 임박"
TWO_TABS_QUIZ = "퀴즈: 두 개의 탭"
ESSAY_TEXT = "횡단보도에서는 멈추고 좌우를 살핀 뒤 건넙니다."
FEEDBACK = "좋아요. 신호등 이야기도 써 보세요."


def _quiz_lesson(title: str, questions: list, **settings) -> None:
    from openclass.accounts.models import User
    from openclass.assessments.models import Quiz
    from openclass.assessments.services import quizzes
    from openclass.courses.models import Course, Lesson

    teacher = User.objects.get(username=TEACHER.username)
    section = Course.objects.get(title=COURSE_TITLE).sections.first()
    lesson = Lesson.objects.create(
        section=section,
        title=title,
        kind=Lesson.Kind.QUIZ,
        position=section.lessons.count() + 1,
        is_required=False,
    )
    quiz = quizzes.quiz_for(lesson)
    for name, value in settings.items():
        setattr(quiz, name, value)
    quiz.show_results = quiz.show_answers = Quiz.Reveal.NOW
    quiz.shuffle_choices = False
    quiz.save()
    quizzes.add_questions(quiz, teacher, [q.pk for q in questions])


def seed_timed_quiz() -> None:
    """Run inside the live server's Django (``manage.py shell -c``): an optional quiz lesson
    in the seeded course with a 10-minute limit and four questions of the teacher's bank."""
    from decimal import Decimal

    from openclass.accounts.models import User
    from openclass.assessments.models import Question
    from openclass.assessments.tests.fixtures import make_question

    teacher = User.objects.get(username=TEACHER.username)
    kind = Question.Kind
    questions = [
        make_question(
            teacher, kind.SINGLE, "빨간불에는 어떻게 하나요?", [("건넌다", False), ("멈춘다", True)]
        ),
        make_question(teacher, kind.TRUE_FALSE, "횡단보도에서는 뛰어야 한다.", answer_true=False),
        make_question(
            teacher, kind.SHORT, "길을 건너기 전 보는 두 방향은?", accepted_answers=["좌우"]
        ),
        make_question(
            teacher, kind.ESSAY, "안전하게 길을 건너는 방법을 쓰세요.", points=Decimal(2)
        ),
    ]
    _quiz_lesson(TIMED_QUIZ, questions, time_limit_minutes=10)


def seed_closing_quiz() -> None:
    """A one-question quiz that closes 30 s from now: its attempts end then."""
    import datetime

    from django.utils import timezone

    from openclass.accounts.models import User
    from openclass.assessments.models import Question
    from openclass.assessments.tests.fixtures import make_question

    teacher = User.objects.get(username=TEACHER.username)
    question = make_question(
        teacher, Question.Kind.TRUE_FALSE, "초록불이 깜빡이면 뛰어서 건넌다.", answer_true=False
    )
    closes = timezone.now() + datetime.timedelta(seconds=30)
    _quiz_lesson(CLOSING_QUIZ, [question], closes_at=closes)


def seed_two_tabs_quiz() -> None:
    """A two-question quiz without a time limit."""
    from openclass.accounts.models import User
    from openclass.assessments.models import Question
    from openclass.assessments.tests.fixtures import make_question

    teacher = User.objects.get(username=TEACHER.username)
    kind = Question.Kind
    questions = [
        make_question(teacher, kind.TRUE_FALSE, "노란불에는 멈출 준비를 한다.", answer_true=True),
        make_question(teacher, kind.TRUE_FALSE, "자전거는 인도로만 달린다.", answer_true=False),
    ]
    _quiz_lesson(TWO_TABS_QUIZ, questions)


@pytest.fixture(scope="module")
def seed(server_shell):
    """Runs one of the seed functions above in the live server's Django."""
    return lambda function: server_shell(f"{__name__}.{function}")


def open_quiz(page: Page, title: str) -> None:
    page.goto("/courses/")
    page.get_by_role("link", name=COURSE_TITLE).first.click()
    page.get_by_role("link", name=title).click()
    expect(page.locator("main h1")).to_contain_text(title)


def test_timed_quiz_autosave_reload_submit_and_essay_grading(seed, open_page) -> None:
    seed("seed_timed_quiz")
    page = open_page(**DESKTOP)
    log_in(page, STUDENT)
    open_quiz(page, TIMED_QUIZ)
    page.locator("main form[action$='/start/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/assessments/quizzes/attempts/\d+/$"))
    attempt_url = page.url

    # The countdown comes from the server's deadline: a little under 10 minutes.
    clock = page.locator("[data-quiz-clock]")
    expect(clock).to_have_text(re.compile(r"^(9|10)\D+\d\d\D*$"))
    status = page.locator("[data-quiz-status]")
    expect(status).to_have_attribute("aria-live", "polite")

    questions = page.locator("fieldset.quiz-question")
    expect(questions).to_have_count(4)
    questions.nth(0).get_by_label("멈춘다").check()
    questions.nth(1).locator("input[value=false]").focus()
    page.keyboard.press("Space")  # keyboard works
    questions.nth(2).get_by_role("textbox").fill("좌 우")
    questions.nth(3).get_by_role("textbox").fill(ESSAY_TEXT)
    for index in range(4):
        saved = questions.nth(index).locator(".quiz-saved")
        expect(saved).to_have_attribute("data-state", "saved")
        expect(saved).not_to_be_empty()
    expect(status).to_have_attribute("data-state", "saved")

    # The connection drops: the page says so, keeps the answer and sends it when it is back.
    page.context.set_offline(True)
    questions.nth(2).get_by_role("textbox").fill("좌우")
    expect(status).to_have_attribute("data-state", "retrying")
    page.context.set_offline(False)
    expect(status).to_have_attribute("data-state", "saved", timeout=20_000)
    page.console_errors[:] = [e for e in page.console_errors if "INTERNET_DISCONNECTED" not in e]

    # Reload mid-way: every answer comes back from the server.
    page.reload()
    expect(page).to_have_url(attempt_url)
    expect(questions.nth(0).get_by_label("멈춘다")).to_be_checked()
    expect(questions.nth(1).locator("input[value=false]")).to_be_checked()
    expect(questions.nth(2).get_by_role("textbox")).to_have_value("좌우")
    expect(questions.nth(3).get_by_role("textbox")).to_have_value(ESSAY_TEXT)

    page.locator("[data-quiz-submit]").click()
    expect(page).to_have_url(re.compile(r"/result/$"))
    state = page.locator("[data-attempt-state]")
    expect(state).to_have_attribute("data-attempt-state", "submitted")

    # The teacher grades the essay.
    teacher = open_page(**DESKTOP)
    log_in(teacher, TEACHER)
    open_quiz(teacher, TIMED_QUIZ)
    teacher.locator("main nav.toolbar a[href$='/grading/']").click()
    essay = teacher.locator("section.quiz-question").filter(has_text=ESSAY_TEXT)
    expect(essay).to_have_count(1)
    essay.get_by_role("spinbutton").fill("1.5")
    essay.get_by_role("textbox").fill(FEEDBACK)
    essay.locator("button[type=submit]").click()
    expect(teacher.locator(".messages")).to_contain_text(STUDENT.name)
    expect(teacher.locator("section.quiz-question")).to_have_count(0)

    # The student sees the result: 1 + 1 + 1 + 1.5 of 5 points, and the feedback.
    page.reload()
    expect(state).to_have_attribute("data-attempt-state", "graded")
    expect(page.locator("[data-attempt-score]")).to_contain_text("4.50 / 5")
    expect(page.locator("[data-feedback]")).to_have_text(FEEDBACK)

    # On a phone: no serious accessibility problem, no sideways scrolling (axe is injected as
    # an inline script, so this page alone bypasses the CSP).
    phone = open_page(bypass_csp=True, **PHONE)
    log_in(phone, STUDENT)
    phone.goto(page.url)
    expect(phone.locator("[data-attempt-score]")).to_be_visible()
    assert serious_axe_violations(phone) == []
    assert_no_horizontal_scroll(phone)


def test_the_page_submits_itself_at_the_deadline(seed, open_page) -> None:
    page = open_page(**PHONE)
    log_in(page, STUDENT)
    seed("seed_closing_quiz")
    open_quiz(page, CLOSING_QUIZ)
    page.locator("main form[action$='/start/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/assessments/quizzes/attempts/\d+/$"))
    assert_no_horizontal_scroll(page)
    question = page.locator("fieldset.quiz-question").first
    question.locator("input[value=false]").check()
    expect(question.locator(".quiz-saved")).to_have_attribute("data-state", "saved")
    # Nothing is clicked: at the deadline the page submits, and the server grades what it has.
    expect(page).to_have_url(re.compile(r"/result/$"), timeout=60_000)
    expect(page.locator("[data-attempt-score]")).to_contain_text("1 / 1")


def test_a_save_refused_as_submitted_stops_the_page_and_shows_the_result(seed, open_page) -> None:
    page = open_page(**DESKTOP)
    log_in(page, STUDENT)
    seed("seed_two_tabs_quiz")
    open_quiz(page, TWO_TABS_QUIZ)
    page.locator("main form[action$='/start/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/assessments/quizzes/attempts/\d+/$"))
    questions = page.locator("fieldset.quiz-question")
    questions.nth(0).locator("input[value=true]").check()
    expect(questions.nth(0).locator(".quiz-saved")).to_have_attribute("data-state", "saved")

    # The same attempt is submitted from a second tab.
    other = page.context.new_page()
    other.goto(page.url)
    other.locator("[data-quiz-submit]").click()
    expect(other).to_have_url(re.compile(r"/result/$"))

    # The first tab's next save is refused ("submitted"): it stops and shows the result.
    questions.nth(1).locator("input[value=false]").check()
    expect(page).to_have_url(re.compile(r"/result/$"))
    expect(page.locator("[data-attempt-score]")).to_contain_text("1 / 2")
    # The refused save is the browser's own console line for a 400 answer, not a script error.
    page.console_errors[:] = [e for e in page.console_errors if "400" not in e]
