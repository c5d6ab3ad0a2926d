"""Demo courses for the demo city: an office course on Dokdo reused by 한빛초 grade 5, a class
course of 1학년 1반, a school course open to self-enrolment, and the office's career courses for
students and for parents (what "진로" finds in search), with real short videos that
ffmpeg generates (and the platform transcodes) the first time, a PDF, links, a dated timeline,
and some progress and attendance so every demo login has something to see.

Idempotent: courses are found by title and never built twice. Dates follow the day it runs, so
the timeline always has a session "today".
"""

from __future__ import annotations

import datetime
import io
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from openclass.accounts.models import Organisation, User
from openclass.catalog.models import AudienceTag, ContentElement, Topic
from openclass.core.registry import DemoOptions

from . import selectors
from .models import Course, Enrolment, Lesson, LessonProgress, Section, Session
from .services import courses as services

DOKDO = "독도 바로 알기"
SAFETY = "1학년 1반 안전한 생활"
CAREER = "한빛초 진로 탐색"
#: The office's career courses for the whole city: one for students, one for parents (what
#: "진로" finds in search beside the school's own).
CAREER_DESIGN = "진로 설계 첫걸음"
CAREER_PARENTS = "학부모 진로 교육: 자녀의 꿈 함께 찾기"


@dataclass(frozen=True)
class DemoLesson:
    title: str
    kind: str
    seconds: int = 0  # length of the generated video
    url: str = ""
    required: bool = True


def _topic(code: str) -> Topic:
    return Topic.objects.get(code=code)


def lesson_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page handout in Korean (reportlab, NanumGothic)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from openclass.accounts.services.sheets import FONT, FONT_BOLD, register_fonts

    register_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(title)
    pdf.setFont(FONT_BOLD, 20)
    pdf.drawString(60, 770, title)
    pdf.setFont(FONT, 12)
    for index, line in enumerate(lines):
        pdf.drawString(60, 730 - index * 24, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _video(owner: User, title: str, seconds: int, frequency: int):
    from openclass.core import ffmpeg
    from openclass.media import services as media

    with tempfile.TemporaryDirectory() as folder:
        path = ffmpeg.make_test_pattern(
            Path(folder) / "lesson.mp4", seconds=seconds, size="1280x720", frequency=frequency
        )
        return media.create_video_from_file(path, owner, title, transcode_now=True)


def _build_course(
    *,
    title: str,
    owner: User,
    organisation: Organisation,
    scope: str,
    topic: Topic,
    sections: dict[str, list[DemoLesson]],
    with_videos: bool,
    **settings,
) -> Course:
    course = Course.objects.create(
        title=title,
        owner=owner,
        organisation=organisation,
        scope=scope,
        topic=topic,
        is_published=True,
        **settings,
    )
    course.teachers.add(owner)
    frequency = 330
    for section_position, (section_title, lessons) in enumerate(sections.items(), start=1):
        section = Section.objects.create(
            course=course, title=section_title, position=section_position
        )
        position = 0
        for demo in lessons:
            if demo.kind == Lesson.Kind.VIDEO and not with_videos:
                continue
            position += 1
            lesson = Lesson(
                section=section,
                title=demo.title,
                kind=demo.kind,
                position=position,
                url=demo.url,
                is_required=demo.required,
            )
            if demo.kind == Lesson.Kind.VIDEO:
                frequency += 110
                lesson.video = _video(owner, demo.title, demo.seconds, frequency)
                lesson.duration = lesson.video.duration
            if demo.kind == Lesson.Kind.DOCUMENT:
                lesson.document.save(
                    "handout.pdf",
                    ContentFile(lesson_pdf(demo.title, [course.title, section.title])),
                    save=False,
                )
            lesson.save()
    return course


def _schedule(course: Course, first_day: datetime.date, every: int = 2) -> None:
    """One recorded session per lesson, ``every`` days apart, the last ones after today."""
    for index, lesson in enumerate(selectors.lessons_in_order(course)):
        Session.objects.create(
            course=course,
            kind=Session.Kind.RECORDED,
            title=lesson.title,
            lesson=lesson,
            day=first_day + datetime.timedelta(days=index * every),
        )


def _watch(student: User, lesson: Lesson, fraction: float, when: datetime.datetime) -> None:
    """Record that ``student`` watched the first ``fraction`` of a video lesson by ``when``."""
    progress = services.open_lesson(student, lesson, now=when)
    if not lesson.is_video or not lesson.duration:
        return
    seconds = round(lesson.duration * fraction, 1)
    progress.intervals = [[0.0, seconds]]
    progress.watched = seconds
    progress.furthest = seconds
    progress.position = seconds
    progress.duration = lesson.duration
    progress.last_beat_at = when
    progress.save()
    threshold = lesson.section.course.completion_threshold
    if fraction * 100 >= threshold:
        LessonProgress.objects.filter(pk=progress.pk).update(completed_at=when)
        progress.completed_at = when
        services.lesson_completed(progress, when)


def demo_courses_exist() -> bool:
    return Course.objects.filter(title=DOKDO).exists()


@transaction.atomic
def build_demo_courses(*, with_videos: bool = True) -> int:
    """Build the demo courses once; returns how many were created (0 when they exist)."""
    if demo_courses_exist():
        return 0
    users = {u.username: u for u in User.objects.filter(username__startswith="hanbit-")}
    office_admin = User.objects.get(username="office-admin")
    assert office_admin.organisation is not None  # an office admin belongs to the office
    instructor = User.objects.filter(username="instructor01").first()
    school = Organisation.objects.get(kind=Organisation.Kind.SCHOOL, code="hanbit")
    grade5 = school.children.get(number=5)
    class11 = school.children.get(number=1).children.get(number=1)
    today = timezone.localdate()

    dokdo = _build_course(
        title=DOKDO,
        owner=office_admin,
        organisation=office_admin.organisation,
        scope=Course.Scope.OFFICE,
        topic=_topic("dokdo"),
        arrangement=Course.Arrangement.OFFICE_INSTRUCTOR,
        summary="독도의 자연과 역사를 영상과 자료로 배우는 교육청 제공 강좌입니다.",
        sections={
            "1단원 독도의 자연": [
                DemoLesson("1차시 독도는 어떤 섬일까요", Lesson.Kind.VIDEO, seconds=40),
                DemoLesson("2차시 독도 학습지", Lesson.Kind.DOCUMENT),
            ],
            "2단원 독도의 역사": [
                DemoLesson("3차시 옛 지도 속 독도", Lesson.Kind.VIDEO, seconds=30),
                DemoLesson(
                    "4차시 더 알아보기",
                    Lesson.Kind.LINK,
                    url="https://dokdo.mofa.go.kr/kor/",
                    required=False,
                ),
            ],
        },
        with_videos=with_videos,
    )
    if instructor:
        dokdo.teachers.add(instructor)
    safety = _build_course(
        title=SAFETY,
        owner=users["hanbit-t01"],
        organisation=class11,
        scope=Course.Scope.CLASS,
        topic=_topic("safety-health"),
        summary="등하굣길과 교실에서 지키는 안전 약속을 배워요.",
        sections={
            "1단원 안전한 등하굣길": [
                DemoLesson("1차시 횡단보도 건너기", Lesson.Kind.VIDEO, seconds=20),
                DemoLesson("2차시 안전 약속 학습지", Lesson.Kind.DOCUMENT),
            ]
        },
        with_videos=with_videos,
        allowed_speeds=[1.0],
    )
    _build_course(
        title=CAREER,
        owner=users["hanbit-admin"],
        organisation=school,
        scope=Course.Scope.SCHOOL,
        topic=_topic("career"),
        summary=(
            "여러 직업을 알아보고 나의 꿈을 그려 보는 학교 강좌입니다. 누구나 신청할 수 있어요."
        ),
        self_enrolment=True,
        no_skip=False,
        sections={
            "1단원 직업 세계 탐험": [
                DemoLesson(
                    "1차시 커리어넷 둘러보기", Lesson.Kind.LINK, url="https://www.career.go.kr/"
                ),
                DemoLesson("2차시 나의 꿈 학습지", Lesson.Kind.DOCUMENT),
            ]
        },
        with_videos=with_videos,
    )
    services.enrol_organisation(users["hanbit-admin"], dokdo, grade5)
    services.enrol_organisation(users["hanbit-t01"], safety, class11)
    _schedule(dokdo, today - datetime.timedelta(days=4))
    _schedule(safety, today - datetime.timedelta(days=2), every=2)

    # Some history: most of grade 5 has finished the first Dokdo lesson; the demo student is
    # part-way through it, so "continue learning" has something to offer.
    first, *rest = selectors.lessons_in_order(dokdo)
    started = timezone.now() - datetime.timedelta(days=4)
    grade5_students = list(User.objects.filter(enrolments__course=dokdo).order_by("username"))
    for index, student in enumerate(grade5_students):
        if student.username == "hanbit-0175":
            _watch(student, first, 0.4, started)
        elif index % 4 != 3:
            _watch(student, first, 1.0, started + datetime.timedelta(hours=index % 30))
    if rest:
        for student in grade5_students[::3]:
            if student.username != "hanbit-0175":
                services.open_lesson(student, rest[0], now=timezone.now())
    Enrolment.objects.filter(course=dokdo, student__username="hanbit-0175").update(
        last_activity_at=timezone.now()
    )
    return 3


@dataclass(frozen=True)
class OfficeCourse:
    """A course the office opens for the whole city, with its catalog codes."""

    title: str
    topic: str  # catalog.Topic code
    elements: tuple[str, ...]  # catalog.ContentElement codes
    audience: tuple[str, ...]  # catalog.AudienceTag codes
    summary: str
    sections: dict[str, list[DemoLesson]]


CAREER_COURSES = (
    OfficeCourse(
        title=CAREER_DESIGN,
        topic="career",
        elements=("career-exploration",),
        audience=("student",),
        summary=(
            "나의 흥미와 강점을 알아보고 여러 직업을 탐색하며 진로를 설계하는 "
            "교육청 제공 진로 강좌입니다."
        ),
        sections={
            "1단원 나를 알아보기": [
                DemoLesson(
                    "1차시 커리어넷 진로심리검사", Lesson.Kind.LINK, url="https://www.career.go.kr/"
                ),
                DemoLesson("2차시 나의 흥미와 강점 학습지", Lesson.Kind.DOCUMENT),
            ],
            "2단원 직업 세계와 진로 설계": [
                DemoLesson("3차시 나의 진로 설계 학습지", Lesson.Kind.DOCUMENT),
                DemoLesson(
                    "4차시 직업 정보 더 알아보기",
                    Lesson.Kind.LINK,
                    url="https://www.work24.go.kr/",
                    required=False,
                ),
            ],
        },
    ),
    OfficeCourse(
        title=CAREER_PARENTS,
        topic="parent-career",
        elements=(),
        audience=("parent",),
        summary=(
            "자녀의 흥미와 적성을 함께 살피고 진로에 대해 대화하는 방법을 배우는 학부모 강좌입니다."
        ),
        sections={
            "1단원 자녀와 진로 대화": [
                DemoLesson("1차시 진로 대화 안내서", Lesson.Kind.DOCUMENT),
                DemoLesson(
                    "2차시 커리어넷 학부모 진로 정보",
                    Lesson.Kind.LINK,
                    url="https://www.career.go.kr/",
                ),
            ]
        },
    ),
)


@transaction.atomic
def build_career_courses() -> int:
    """The office's career courses, each built unless a course of its title exists (so a demo
    city built before them gets them on the next ``demo_data``); returns how many were built.
    Links and handouts only: no video to generate."""
    office_admin = User.objects.filter(username="office-admin").first()
    if office_admin is None or office_admin.organisation is None:
        return 0
    built = 0
    for plan in CAREER_COURSES:
        if Course.objects.filter(title=plan.title).exists():
            continue
        course = _build_course(
            title=plan.title,
            owner=office_admin,
            organisation=office_admin.organisation,
            scope=Course.Scope.OFFICE,
            topic=_topic(plan.topic),
            arrangement=Course.Arrangement.OFFICE_INSTRUCTOR,
            summary=plan.summary,
            sections=plan.sections,
            with_videos=False,
        )
        course.content_elements.set(ContentElement.objects.filter(code__in=plan.elements))
        course.audience.set(AudienceTag.objects.filter(code__in=plan.audience))
        built += 1
    return built


def build_demo(options: DemoOptions) -> list[str]:
    """The demo courses for ``manage.py demo_data`` (registered in ``CoursesConfig.ready``)."""
    started = time.monotonic()
    lines = []
    if created := build_demo_courses(with_videos=options.with_videos):
        lines.append(f"Created {created} demo courses in {time.monotonic() - started:.1f} s.")
    if career := build_career_courses():
        lines.append(f"Created {career} career courses of the office.")
    return lines
