"""Demo quizzes and assignments in the demo courses (``openclass.courses.demo``), with students'
attempts and submissions made through the same services the pages use, so every demo login
has something to see: 한빛초 grade 5 has taken the Dokdo quiz (essays partly graded) and handed
in the 사이버논술 essay (some graded with the rubric, one published to the class); the demo
student hanbit-0175 has the quiz still to take and a graded essay to read; 1학년 1반 has a
safety quiz and a drawing assignment.

Idempotent: nothing is built when the Dokdo quiz exists. Run after the demo courses.
"""

from __future__ import annotations

import datetime
import random
import time
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation

from openclass.accounts.models import User
from openclass.core.registry import DemoOptions
from openclass.courses.demo import DOKDO, SAFETY, lesson_pdf
from openclass.courses.models import Course, Enrolment, Lesson, Section

from .models import Assignment, Question, Quiz, QuizQuestion, Submission
from .services import assignments, quizzes, rubrics
from .services.bank import QuestionData, save_question

Kind = Question.Kind
DOKDO_QUIZ = "5차시 독도 확인 퀴즈"
DOKDO_ESSAY = "6차시 사이버논술: 독도를 지키는 방법"
SAFETY_QUIZ = "3차시 안전 약속 퀴즈"
SAFETY_DRAWING = "4차시 우리 동네 안전 지도"
DEMO_STUDENT = "hanbit-0175"

ESSAYS = [
    "독도는 역사적으로나 국제법적으로 우리 땅입니다. 옛 지도와 기록이 그것을 보여 줍니다. "
    "우리가 독도를 지키려면 독도에 대해 바르게 알고, 친구들과 가족에게 알려야 합니다.",
    "저는 독도를 지키는 방법으로 세 가지를 생각했습니다. 첫째, 독도의 역사를 공부합니다. "
    "둘째, 독도의 자연을 아끼고 보호합니다. 셋째, 잘못된 정보를 보면 바로잡습니다.",
    "독도는 소중한 섬입니다. 그래서 지켜야 합니다.",
]


def demo_assessments_exist() -> bool:
    return Lesson.objects.filter(title=DOKDO_QUIZ, kind=Lesson.Kind.QUIZ).exists()


def _question(owner: User, kind: str, text: str, choices=(), **fields) -> Question:
    """A question of ``owner``'s bank, saved (and checked) as the bank's form saves it."""
    data = QuestionData(kind=kind, text=text, choices=list(choices), **fields)
    return save_question(owner, data)


def _section(course: Course, title: str) -> Section:
    position = course.sections.count() + 1
    return Section.objects.create(course=course, title=title, position=position)


def _lesson(section: Section, title: str, kind: str) -> Lesson:
    return Lesson.objects.create(
        section=section, title=title, kind=kind, position=section.lessons.count() + 1
    )


def _quiz(lesson: Lesson, owner: User, questions: list[Question], **settings) -> Quiz:
    quiz = quizzes.quiz_for(lesson)
    for field, value in settings.items():
        setattr(quiz, field, value)
    quiz.save()
    QuizQuestion.objects.bulk_create(
        QuizQuestion(quiz=quiz, question=question, position=position)
        for position, question in enumerate(questions, start=1)
    )
    return quiz


def _dokdo_questions(owner: User) -> list[Question]:
    return [
        _question(
            owner,
            Kind.SINGLE,
            "독도는 어느 바다에 있나요?",
            [("서해", False), ("남해", False), ("동해", True), ("황해", False)],
            category="독도",
            explanation="독도는 울릉도에서 동남쪽으로 약 87 km 떨어진 동해의 섬입니다.",
        ),
        _question(
            owner,
            Kind.MULTIPLE,
            "독도를 이루는 큰 섬 두 개를 모두 고르세요.",
            [("동도", True), ("서도", True), ("남도", False), ("울릉도", False)],
            category="독도",
            points=Decimal(2),
        ),
        _question(
            owner,
            Kind.TRUE_FALSE,
            "독도에는 우리나라 경찰(독도경비대)이 머물며 지키고 있다.",
            answer_true=True,
            category="독도",
        ),
        _question(
            owner,
            Kind.SHORT,
            "독도가 속한 행정 구역의 군 이름을 쓰세요. (○○군)",
            accepted_answers=["울릉군", "경상북도 울릉군"],
            category="독도",
        ),
        _question(
            owner,
            Kind.NUMERIC,
            "울릉도에서 독도까지의 거리는 약 몇 km인가요? (±2 km까지 정답)",
            numeric_answer=Decimal("87.4"),
            tolerance=Decimal(2),
            category="독도",
        ),
        _question(
            owner,
            Kind.ESSAY,
            "독도를 지키기 위해 초등학생이 할 수 있는 일을 두 가지 쓰세요.",
            category="독도",
            points=Decimal(3),
        ),
    ]


def _safety_questions(owner: User) -> list[Question]:
    return [
        _question(
            owner,
            Kind.SINGLE,
            "초록불이 깜빡일 때는 어떻게 해야 하나요?",
            [("뛰어서 건넌다", False), ("다음 신호를 기다린다", True), ("천천히 건넌다", False)],
            category="안전",
        ),
        _question(
            owner,
            Kind.TRUE_FALSE,
            "횡단보도를 건널 때는 손을 들고 좌우를 살핀다.",
            answer_true=True,
            category="안전",
        ),
        _question(
            owner,
            Kind.SHORT,
            "불이 나면 누르는 전화번호는? (숫자 세 자리)",
            accepted_answers=["119"],
            category="안전",
        ),
    ]


def _right_values(question: Question, item: dict, rng: random.Random, skill: float) -> list[str]:
    """Form values a student of ``skill`` (chance of a right answer) would send."""
    right = rng.random() < skill
    if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        correct = {c.pk for c in question.choices.all() if c.is_correct}
        picked = correct if right else {rng.choice(item["choices"])}
        return [str(pk) for pk in picked]
    if question.kind == Kind.TRUE_FALSE:
        return ["true" if question.answer_true == right else "false"]
    if question.kind == Kind.SHORT:
        return [question.accepted_answers[0] if right else "울릉도"]
    if question.kind == Kind.NUMERIC:
        return [str(question.numeric_answer) if right else "120"]
    return [rng.choice(ESSAYS)]


def _take(student: User, quiz: Quiz, when: datetime.datetime, rng: random.Random) -> None:
    attempt = quizzes.start_attempt(student, quiz, now=when, rng=rng)
    skill = rng.uniform(0.4, 1.0)
    questions = {
        q.pk: q
        for q in Question.objects.filter(
            pk__in=[i["question"] for i in attempt.layout]
        ).prefetch_related("choices")
    }
    for item in attempt.layout:
        question = questions[item["question"]]
        values = _right_values(question, item, rng, skill)
        quizzes.save_answer(attempt, question.pk, values, now=when + datetime.timedelta(minutes=2))
    quizzes.submit_attempt(attempt, now=when + datetime.timedelta(minutes=9))


def _grade_essays(quiz: Quiz, teacher: User, share: float, rng: random.Random) -> None:
    pending = list(quizzes.essays_to_grade(quiz))
    for answer in pending[: int(len(pending) * share)]:
        points = Decimal(3) if len(answer.response.get("text", "")) > 60 else Decimal(1)
        quizzes.grade_answer(
            answer,
            teacher,
            points,
            feedback="근거를 들어 잘 썼어요." if points == 3 else "한 가지를 더 써 보세요.",
        )


def _essay_assignment(lesson: Lesson, teacher: User) -> Assignment:
    assignment = assignments.assignment_for(lesson)
    assignment.instructions = (
        "‘독도를 지키는 방법’에 대해 400자 이상으로 논술하세요. 주장과 근거를 분명히 쓰고, "
        "수업에서 배운 내용을 한 가지 이상 인용하세요. 평가 기준표(루브릭)를 확인하세요."
    )
    assignment.due_at = timezone.now() + datetime.timedelta(days=5)
    assignment.late_policy = Assignment.LatePolicy.PENALTY
    assignment.late_penalty_percent = 10
    assignment.allow_files = False
    with translation.override("ko"):
        assignment.rubric = rubrics.create_essay_rubric(teacher)
    assignments.save_settings(teacher, assignment)
    return assignment


def _drawing_assignment(lesson: Lesson, teacher: User) -> Assignment:
    assignment = assignments.assignment_for(lesson)
    assignment.instructions = (
        "집에서 학교까지 가는 길을 그리고, 조심해야 할 곳에 빨간색 동그라미를 그려 오세요. "
        "사진을 찍어 올리거나 글로 설명해도 좋아요."
    )
    assignment.due_at = timezone.now() - datetime.timedelta(days=1)
    assignment.accept_until = timezone.now() + datetime.timedelta(days=3)
    assignment.max_score = Decimal(10)
    assignments.save_settings(teacher, assignment)
    handout = SimpleUploadedFile(
        "안전지도_예시.pdf",
        lesson_pdf(
            "우리 동네 안전 지도 예시",
            ["1. 집에서 학교까지 길을 그려요.", "2. 위험한 곳을 표시해요."],
        ),
        content_type="application/pdf",
    )
    assignments.add_instruction_files(teacher, assignment, [handout])
    return assignment


def _rubric_picks(assignment: Assignment, rng: random.Random) -> list[assignments.RubricPick]:
    assert assignment.rubric is not None  # the demo's assignment is graded with its rubric
    picks = []
    for criterion in assignment.rubric.criteria.prefetch_related("levels"):
        levels = list(criterion.levels.all())
        level = levels[min(len(levels) - 1, rng.randint(1, len(levels)))]
        picks.append(assignments.RubricPick(criterion.pk, level.pk))
    return picks


@transaction.atomic
def build_demo_assessments() -> int:
    """Build the demo quizzes and assignments once; returns how many lessons were created."""
    if demo_assessments_exist() or not Course.objects.filter(title=DOKDO).exists():
        return 0
    rng = random.Random(20261125)  # noqa: S311 (deterministic demo data)
    dokdo = Course.objects.get(title=DOKDO)
    safety = Course.objects.get(title=SAFETY)
    office_admin = User.objects.get(username="office-admin")
    homeroom = User.objects.get(username="hanbit-t01")
    now = timezone.now()

    section = _section(dokdo, "3단원 확인하기")
    dokdo_quiz = _quiz(
        _lesson(section, DOKDO_QUIZ, Lesson.Kind.QUIZ),
        office_admin,
        _dokdo_questions(office_admin),
        time_limit_minutes=15,
        attempts_allowed=2,
        grading=Quiz.Grading.BEST,
        show_answers=Quiz.Reveal.NOW,
        pass_percent=60,
    )
    essay = _essay_assignment(_lesson(section, DOKDO_ESSAY, Lesson.Kind.ASSIGNMENT), office_admin)

    section = _section(safety, "2단원 안전 약속 확인")
    safety_quiz = _quiz(
        _lesson(section, SAFETY_QUIZ, Lesson.Kind.QUIZ),
        homeroom,
        _safety_questions(homeroom),
        attempts_allowed=0,
        grading=Quiz.Grading.LAST,
    )
    drawing = _drawing_assignment(
        _lesson(section, SAFETY_DRAWING, Lesson.Kind.ASSIGNMENT), homeroom
    )

    grade5 = list(
        User.objects.filter(enrolments__course=dokdo)
        .exclude(username=DEMO_STUDENT)
        .order_by("username")
    )
    for index, student in enumerate(grade5[: len(grade5) * 2 // 3]):
        _take(student, dokdo_quiz, now - datetime.timedelta(days=2, hours=index % 20), rng)
    _grade_essays(dokdo_quiz, office_admin, 0.6, rng)

    writers = [*grade5[::4], User.objects.get(username=DEMO_STUDENT)]
    for index, student in enumerate(writers):
        assignments.submit(
            student, essay, text=rng.choice(ESSAYS), now=now - datetime.timedelta(hours=index % 30)
        )
    submissions = list(
        Submission.objects.filter(assignment=essay)
        .select_related("student")
        .order_by("student__username")
    )
    for submission in submissions[::2] + [
        s for s in submissions if s.student.username == DEMO_STUDENT
    ]:
        assignments.grade(
            office_admin,
            submission,
            picks=_rubric_picks(essay, rng),
            feedback="주장이 분명해요. 근거를 한 가지 더 들면 더 설득력 있는 글이 됩니다.",
        )
    assignments.set_published(office_admin, essay, [submissions[0].pk], True)

    class11 = list(User.objects.filter(enrolments__course=safety).order_by("username"))
    for index, student in enumerate(class11[: len(class11) * 3 // 4]):
        _take(student, safety_quiz, now - datetime.timedelta(days=1, hours=index % 6), rng)
    for index, student in enumerate(class11[::2]):
        version = assignments.submit(
            student,
            drawing,
            text="학교 앞 큰길 횡단보도와 공사장 옆 길에 동그라미를 그렸어요.",
            now=now - datetime.timedelta(days=2 - index % 3),
        )
        if index % 3 == 0:
            assignments.grade(
                homeroom, version.submission, score=Decimal(9), feedback="위험한 곳을 잘 찾았어요!"
            )
    Enrolment.objects.filter(student__username=DEMO_STUDENT, course=dokdo).update(
        last_activity_at=now
    )
    return 4


def build_demo(options: DemoOptions) -> list[str]:
    """The demo quizzes and assignments for ``manage.py demo_data`` (registered in
    ``AssessmentsConfig.ready``)."""
    started = time.monotonic()
    if created := build_demo_assessments():
        return [
            f"Created {created} demo quizzes and assignments with students' work in "
            f"{time.monotonic() - started:.1f} s."
        ]
    return []
