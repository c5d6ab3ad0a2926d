"""Demo data of the operations area: an open call, the instructor pool (approved, waiting, not
approved, with available times), the office's rate table and point rules, and the 한빛초 teacher's
applications in every state, the finished one with its confirmed sessions, last month's closed
pay and survey answers.

Made through the workflow's own functions, so every application has a real history. Idempotent;
dates follow the day it runs.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from openclass.accounts.models import User
from openclass.accounts.scoping import homeroom_classes
from openclass.catalog.models import Topic
from openclass.core.registry import DemoOptions
from openclass.courses.models import Attendance
from openclass.live.models import LiveRoom

from .models import (
    Application,
    AvailabilitySlot,
    Call,
    InstructorProfile,
    PointRule,
    Rate,
    RateTable,
)
from .services import closing, pay, workflow

CALL_TITLE = "2027학년도 범교과 강좌 개설 신청"
Kind = InstructorProfile.Kind
Status = InstructorProfile.Status

HEADLINES = [
    ("생명존중·자살예방 교육 전문 강사", "상담교사 출신, 학생 생명존중 교육 12년"),
    ("진로 탐색 워크숍 강사", "진로진학상담 8년, 메이커 교육 연구회"),
    ("디지털 시민교육 강사", "정보윤리 교육 연구원 6년"),
    ("안전교육 강사", "소방 안전교육 강사 10년"),
    ("환경·생태 교육 강사", "생태 전환 교육 연구회 7년"),
    ("인권·평화 교육 강사", "인권교육센터 교육팀 9년"),
    ("보건·성교육 강사", "보건교사 출신 15년"),
    ("다문화 이해 교육 강사", "다문화 교육 지원센터 5년"),
    ("민주시민 교육 강사", "학생자치 컨설턴트 4년"),
    ("독도·통일 교육 강사", "통일교육원 강사 11년"),
]


#: Approved instructors of the pool who teach in the career field (진로), beside their others:
#: what "진로" finds among the instructors in search.
CAREER_FIELDS = {
    "instructor01": ("career",),  # a former counselling teacher (상담교사)
    "instructor02": ("career", "creative-career"),  # 진로 탐색 워크숍 강사
}


def demo_operations_exist() -> bool:
    return Call.objects.filter(title=CALL_TITLE).exists()


def _wish(day: datetime.date, hour: int) -> workflow.SessionWish:
    return workflow.SessionWish(day, datetime.time(hour), datetime.time(hour, 40))


@transaction.atomic
def build_demo_operations() -> int:
    """Build it once; returns how many applications were made."""
    office = User.objects.filter(username="office-admin").first()
    teacher = User.objects.filter(username="hanbit-t01").first()
    school_admin = User.objects.filter(username="hanbit-admin").first()
    if demo_operations_exist() or not (office and teacher and school_admin):
        return 0
    today = timezone.localdate()
    topics = list(Topic.objects.order_by("position"))
    call = Call.objects.create(
        title=CALL_TITLE,
        description="교육청이 강사를 지원하는 범교과 학습 강좌의 개설 신청을 받습니다.",
        opens_on=today - datetime.timedelta(days=40),
        closes_on=today + datetime.timedelta(days=30),
        is_published=True,
        created_by=office,
    )
    call.topics.set(topics[:6])
    _pool(office, topics, today)
    _rates(office)

    klass = homeroom_classes(teacher).first()
    assert klass is not None  # the demo city's teachers each have a homeroom class
    week = datetime.timedelta(days=7)
    instructor = User.objects.get(username="instructor01")

    class_size = User.objects.filter(role=User.Role.STUDENT, organisation=klass).count()

    def application(title: str, topic: Topic, delivery: str = "live") -> Application:
        return workflow.submit_application(
            teacher,
            call,
            audience=klass,
            topic=topic,
            title=title,
            plan=f"{klass.full_name} 학생들과 함께하는 {topic} 수업입니다. 활동지를 씁니다.",
            expected_students=class_size or 25,
            delivery=delivery,
            sessions=[_wish(today + week, 10), _wish(today + 2 * week, 10)],
        )

    made = []
    made.append(application("생명존중 교육: 소중한 나", topics[0]))  # submitted
    changes = application("진로 탐색 워크숍", topics[1], "blended")
    workflow.request_changes(office, changes, "차시별 활동 계획을 더 자세히 적어 주세요.")
    rejected = application("디지털 시민교육 특강", topics[2])
    workflow.reject_application(
        office, rejected, "같은 학기에 학년 단위 강좌가 이미 개설되었습니다."
    )
    withdrawn = application("안전교육 체험", topics[3])
    workflow.withdraw_application(
        teacher, withdrawn, "학교 행사와 겹쳐 다음 학기에 다시 신청합니다."
    )
    approved = application("환경·생태 교육", topics[4])
    workflow.approve_application(office, approved)
    invited = application("인권·평화 교육", topics[5])
    workflow.approve_application(office, invited)
    workflow.invite_instructor(school_admin, invited, instructor)
    accepted = application("생명존중 교육: 함께 사는 우리", topics[0])
    workflow.approve_application(office, accepted)
    workflow.invite_instructor(teacher, accepted, instructor)
    workflow.accept_invitation(instructor, accepted)
    running = application("진로 교육: 나의 꿈 지도", topics[1])
    workflow.approve_application(office, running)
    second = User.objects.get(username="instructor02")
    workflow.invite_instructor(teacher, running, second)
    workflow.accept_invitation(second, running)
    workflow.open_course(teacher, running)
    made += [changes, rejected, withdrawn, approved, invited, accepted, running]
    made.append(_finished_last_month(application, topics[0], office, teacher, instructor, today))
    return len(made)


def _pool(office: User, topics: list[Topic], today: datetime.date) -> None:
    kinds = [Kind.GENERAL, Kind.EXPERT, Kind.GENERAL, Kind.EXPERT, Kind.GENERAL]
    for number, (headline, career) in enumerate(HEADLINES, start=1):
        user = User.objects.filter(username=f"instructor{number:02d}").first()
        if user is None:
            continue
        status = (
            Status.APPROVED if number <= 7 else (Status.PENDING if number <= 9 else Status.REJECTED)
        )
        profile = InstructorProfile.objects.create(
            user=user,
            kind=kinds[number % len(kinds)] if number > 1 else Kind.GENERAL,
            headline=headline,
            career=career,
            status=status,
            reviewed_by=office if status != Status.PENDING else None,
            reviewed_at=timezone.now() if status != Status.PENDING else None,
            review_note="경력 증빙 서류를 다시 올려 주세요." if status == Status.REJECTED else "",
        )
        profile.topics.set([topics[(number - 1) % 6], topics[(number + 2) % len(topics)]])
        for offset in range(1, 22):
            day = today + datetime.timedelta(days=offset)
            if day.weekday() < 5 and (offset + number) % 3 != 0:
                AvailabilitySlot.objects.create(
                    profile=profile, day=day, starts_at=datetime.time(9), ends_at=datetime.time(13)
                )


def _rates(office: User) -> None:
    table = RateTable.objects.create(
        name="범교과 강사료 지원 기준", effective_from=datetime.date(2026, 1, 1), created_by=office
    )
    hourly = {Kind.GENERAL: 40_000, Kind.EXPERT: 60_000, Kind.TEACHER: 30_000}
    for kind, won in hourly.items():
        for session_kind in Rate.SessionKind.values:
            Rate.objects.create(
                table=table,
                instructor_kind=kind,
                session_kind=session_kind,
                hourly_won=won if session_kind != Rate.SessionKind.RECORDED else won // 2,
                max_minutes=120,
                travel_won=20_000 if session_kind == Rate.SessionKind.IN_PERSON else 0,
                min_attendance_percent=50,
                reduced_percent=80,
                monthly_cap_won=2_000_000,
            )
    PointRule.objects.create(event=PointRule.Event.ATTENDED, points=10)
    PointRule.objects.create(event=PointRule.Event.COMPLETED, points=50)


def _finished_last_month(application, topic, office, teacher, instructor, today) -> Application:
    """A course held last month: two live classes confirmed by the teacher, the application
    completed and closed, last month's pay closed, survey answers from the class."""
    finished = application("생명존중 교육: 마음 건강 지키기", topic)
    workflow.approve_application(office, finished)
    workflow.invite_instructor(teacher, finished, instructor)
    workflow.accept_invitation(instructor, finished)
    finished = workflow.open_course(teacher, finished)
    assert finished.course is not None  # "open" made it
    last_month = pay.first_of_month(today) - datetime.timedelta(days=1)
    days = [last_month.replace(day=10), last_month.replace(day=17)]
    students = list(User.objects.filter(enrolments__course=finished.course).order_by("username"))
    for session, day in zip(finished.course.sessions.order_by("day"), days, strict=True):
        session.day = day
        session.save(update_fields=["day"])
        assert session.starts_at is not None  # a live session, at the application's times
        start = timezone.make_aware(datetime.datetime.combine(day, session.starts_at))
        LiveRoom.objects.create(
            session=session,
            status=LiveRoom.Status.ENDED,
            started_at=start,
            started_by=instructor,
            ended_at=start + datetime.timedelta(minutes=42),
        )
        for index, student in enumerate(students):
            status = Attendance.Status.ABSENT if index % 9 == 4 else Attendance.Status.PRESENT
            Attendance.objects.create(session=session, student=student, status=status, minutes=40)
        pay.confirm_session(teacher, session, minutes=40)
    pay.close_month(office, days[0])
    finished.refresh_from_db()
    closing.decide_recordings(teacher, finished, Application.Recording.DELETE, 90)
    for index, student in enumerate(students[:6]):
        closing.answer_survey(
            student,
            finished,
            clarity=4 + index % 2,
            instructor=5,
            overall=4 + (index % 3 == 0),
            comment=["활동이 재미있었어요.", "", "친구들과 이야기해서 좋았어요."][index % 3],
        )
    return workflow.close_application(teacher, finished)


def add_career_fields() -> int:
    """Put the career field on the approved profiles of ``CAREER_FIELDS`` that lack it (so a
    pool built before gets it on the next ``demo_data``); returns how many profiles changed."""
    changed = 0
    profiles = InstructorProfile.objects.filter(
        user__username__in=CAREER_FIELDS, status=Status.APPROVED
    ).select_related("user")
    for profile in profiles:
        wanted = Topic.objects.filter(code__in=CAREER_FIELDS[profile.user.username])
        missing = wanted.exclude(pk__in=profile.topics.values("pk"))
        if missing.exists():
            profile.topics.add(*missing)
            changed += 1
    return changed


def build_demo(options: DemoOptions) -> list[str]:
    """The demo applications, pool and pay for ``manage.py demo_data`` (registered in
    ``OperationsConfig.ready``)."""
    lines = []
    if created := build_demo_operations():
        lines.append(
            f"Created {created} demo course applications (every state), the instructor pool, "
            "the rate table and last month's closed pay."
        )
    if changed := add_career_fields():
        lines.append(f"Put {changed} pool instructors in the career field.")
    return lines
