"""Notifications for what matters (issue 18, item 9), each sent by the area it is about through
``notifications.services.notify``: a grade returned, an assignment due tomorrow, a live class
about to start (students and their parents), a lesson published. Each fires once, only to those
who may see what it points to, as each person chose for its kind."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from openclass.assessments.services import assignments
from openclass.courses.models import Lesson, Session
from openclass.courses.services import courses as course_services
from openclass.live.services import rooms
from openclass.notifications import services
from openclass.notifications.models import Channel, Kind, Notification


def _told(kind: str) -> dict[str, list[str]]:
    rows = Notification.objects.filter(kind=kind).select_related("recipient").order_by("pk")
    told: dict[str, list[str]] = {}
    for row in rows:
        told.setdefault(row.recipient.username, []).append(row.url)
    return told


def _handed_in(homework, student) -> None:
    assignments.submit(student, homework.assignment, text="제 과제입니다.", files=[])


@pytest.mark.django_db
def test_a_graded_assignment_tells_its_student_only(homework) -> None:
    north = homework.north
    homework.assignment.save()
    _handed_in(homework, north.student_a1)
    _handed_in(homework, north.student_a2)
    submission = homework.assignment.submissions.get(student=north.student_a1)
    assignments.grade(north.homeroom_a, submission, score=Decimal(8))
    url = reverse("assessments:assignment", args=[homework.lesson.pk])
    assert _told(Kind.GRADE) == {north.student_a1.username: [url]}
    [row] = Notification.objects.filter(kind=Kind.GRADE)
    assert homework.lesson.title in row.subject


@pytest.mark.django_db
def test_none_for_grades_tells_nothing_and_email_sends_one(
    homework, mailoutbox, huey_immediate, django_capture_on_commit_callbacks
) -> None:
    north = homework.north
    a1, a2 = north.student_a1, north.student_a2
    a1.email, a2.email = "a1@example.kr", "a2@example.kr"
    a1.save()
    a2.save()
    services.set_channels(a1, {Kind.GRADE: Channel.NONE})
    services.set_channels(a2, {Kind.GRADE: Channel.EMAIL})
    _handed_in(homework, a1)
    _handed_in(homework, a2)
    with django_capture_on_commit_callbacks(execute=True):
        for submission in homework.assignment.submissions.all():
            assignments.grade(north.homeroom_a, submission, score=Decimal(5))
    assert list(_told(Kind.GRADE)) == [a2.username]
    assert [message.to for message in mailoutbox] == [["a2@example.kr"]]


@pytest.mark.django_db
def test_due_tomorrow_tells_those_who_have_not_handed_in_once(homework) -> None:
    north = homework.north
    now = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    homework.assignment.due_at = now + datetime.timedelta(days=1, hours=8)
    homework.assignment.save()
    _handed_in(homework, north.student_a2)
    # Too early in the morning: nobody is woken.
    assert assignments.remind_due_tomorrow(now.replace(hour=5)) == 0
    assert assignments.remind_due_tomorrow(now) == 1
    assert assignments.remind_due_tomorrow(now + datetime.timedelta(hours=1)) == 0
    url = reverse("assessments:assignment", args=[homework.lesson.pk])
    # Not the one who handed in, not the other class's student.
    assert _told(Kind.DUE) == {north.student_a1.username: [url]}
    # Due the day after tomorrow: not yet.
    Notification.objects.all().delete()
    homework.assignment.due_at = now + datetime.timedelta(days=2)
    homework.assignment.save()
    assert assignments.remind_due_tomorrow(now) == 0


@pytest.mark.django_db
def test_a_live_class_reminds_its_students_and_their_parents_once(courses) -> None:
    north = courses.city.north
    course_services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    now = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    session = Session.objects.create(
        course=courses.class_course,
        kind=Session.Kind.LIVE,
        title="실시간 수업",
        day=now.date(),
        starts_at=datetime.time(10, 8),
        ends_at=datetime.time(10, 48),
    )
    later = Session.objects.create(
        course=courses.class_course,
        kind=Session.Kind.LIVE,
        title="오후 수업",
        day=now.date(),
        starts_at=datetime.time(14, 0),
        ends_at=datetime.time(14, 40),
    )
    assert rooms.remind_starting_classes(now) == 2
    assert rooms.remind_starting_classes(now + datetime.timedelta(minutes=1)) == 0
    classroom = reverse("live:classroom", args=[session.pk])
    assert _told(Kind.LIVE) == {
        north.student_a1.username: [classroom],
        north.parent_a1.username: [reverse("web:home")],
    }
    parent_row = Notification.objects.get(recipient=north.parent_a1)
    assert north.student_a1.name in parent_row.subject
    assert parent_row.event == f"live:{session.pk}" and later.pk != session.pk
    # The parent was e-mailed by default (no address here: kept for the list).
    assert services.channels_for(north.parent_a1)[Kind.LIVE] == Channel.EMAIL


@pytest.mark.django_db
def test_a_lesson_added_to_a_published_course_tells_its_students(courses) -> None:
    north = courses.city.north
    course_services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    section = courses.video.section
    lesson = Lesson(title="5차시 새 영상", kind=Lesson.Kind.LINK, url="https://example.org/5")
    course_services.save_lesson(north.homeroom_a, section, lesson)
    url = reverse("courses:lesson", args=[courses.class_course.pk, lesson.pk])
    assert _told(Kind.LESSON) == {north.student_a1.username: [url]}
    # Changing it again tells nobody again.
    lesson.title = "5차시 새 영상 (고침)"
    course_services.save_lesson(north.homeroom_a, section, lesson)
    assert Notification.objects.filter(kind=Kind.LESSON).count() == 1


@pytest.mark.django_db
def test_a_draft_course_tells_nobody_until_it_is_published(courses) -> None:
    north = courses.city.north
    course = courses.class_course
    course.is_published = False
    course.save()
    course_services.enrol(north.homeroom_a, course, [north.student_a1])
    lesson = Lesson(title="5차시", kind=Lesson.Kind.LINK, url="https://example.org/5")
    course_services.save_lesson(north.homeroom_a, courses.video.section, lesson)
    assert not Notification.objects.exists()
    course_services.publish_course(north.homeroom_a, course)
    course_services.publish_course(north.homeroom_a, course)  # again: nothing new
    assert _told(Kind.LESSON) == {
        north.student_a1.username: [reverse("courses:detail", args=[course.pk])]
    }


@pytest.mark.django_db
def test_a_teachers_message_reaches_their_class_and_parents_only(client, city) -> None:
    north = city.north
    client.force_login(north.homeroom_a)
    page = client.get(reverse("notifications:message_class"))
    assert list(page.context["form"].fields["klass"].queryset) == [north.class_a]
    response = client.post(
        reverse("notifications:message_class"),
        {"klass": north.class_a.pk, "text": "내일은 체육복을 입고 오세요.", "with_parents": "on"},
    )
    assert response.status_code == 302
    told = {row.recipient for row in Notification.objects.filter(kind=Kind.MESSAGE)}
    assert told == {north.student_a1, north.student_a2, north.parent_a1}
    row = Notification.objects.get(recipient=north.parent_a1)
    assert row.note == "내일은 체육복을 입고 오세요." and north.homeroom_a.name in row.subject
    # Without parents: the students only.
    Notification.objects.all().delete()
    client.post(reverse("notifications:message_class"), {"klass": north.class_a.pk, "text": "안녕"})
    told = {row.recipient for row in Notification.objects.filter(kind=Kind.MESSAGE)}
    assert told == {north.student_a1, north.student_a2}


@pytest.mark.django_db
def test_a_class_one_does_not_teach_is_refused(client, city) -> None:
    north = city.north
    client.force_login(north.homeroom_a)
    # Another class of the same school: not offered, and refused if posted.
    response = client.post(
        reverse("notifications:message_class"), {"klass": north.class_b.pk, "text": "몰래"}
    )
    assert response.status_code == 200 and "klass" in response.context["form"].errors
    with pytest.raises(PermissionDenied):
        services.send_class_message(north.homeroom_a, north.class_b, "몰래")
    # Students and parents may not send at all.
    for person in (north.student_a1, north.parent_a1):
        client.force_login(person)
        assert client.get(reverse("notifications:message_class")).status_code == 403
    assert not Notification.objects.exists()


def _quiz(courses, bank, questions, **settings):
    from openclass.assessments.services import quizzes

    lesson = Lesson.objects.create(
        section=courses.video.section, title="확인 퀴즈", kind=Lesson.Kind.QUIZ, position=9
    )
    quiz = quizzes.quiz_for(lesson)
    for name, value in settings.items():
        setattr(quiz, name, value)
    quiz.save()
    quizzes.add_questions(quiz, bank.owner, [q.pk for q in questions])
    return quiz


@pytest.mark.django_db
def test_a_quiz_graded_by_the_teacher_tells_its_student_once(courses, bank) -> None:
    from openclass.assessments.models import Answer
    from openclass.assessments.services import quizzes

    north = courses.city.north
    course_services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    quiz = _quiz(courses, bank, [bank.essay])
    now = timezone.now()
    attempt = quizzes.start_attempt(north.student_a1, quiz, now)
    quizzes.save_answer(attempt, bank.essay.pk, ["좌우를 살핍니다."], now)
    quizzes.submit_attempt(attempt, now)
    assert not Notification.objects.exists()  # the essay waits for the teacher
    answer = Answer.objects.get(attempt=attempt)
    quizzes.grade_answer(answer, north.homeroom_a, Decimal(2))
    quizzes.grade_answer(answer, north.homeroom_a, Decimal(1))  # a regrade: told already
    url = reverse("assessments:quiz_result", args=[attempt.pk])
    assert _told(Kind.GRADE) == {north.student_a1.username: [url]}


@pytest.mark.django_db
def test_results_shown_after_closing_are_announced_once_closed(courses, bank) -> None:
    from openclass.assessments.services import quizzes

    north = courses.city.north
    course_services.enrol(
        north.homeroom_a, courses.class_course, [north.student_a1, north.student_a2]
    )
    now = timezone.now()
    quiz = _quiz(
        courses,
        bank,
        [bank.true_false],
        show_results=quizzes.Reveal.AFTER_CLOSE,
        closes_at=now + datetime.timedelta(hours=1),
    )
    attempt = quizzes.start_attempt(north.student_a1, quiz, now)
    quizzes.save_answer(attempt, bank.true_false.pk, ["true"], now)
    quizzes.submit_attempt(attempt, now)
    assert quizzes.announce_results(now) == 0  # not closed yet
    later = now + datetime.timedelta(hours=2)
    assert quizzes.announce_results(later) == 1
    assert quizzes.announce_results(later) == 0
    # Only the student who took it; the classmate who did not is not told.
    url = reverse("assessments:quiz", args=[quiz.lesson_id])
    assert _told(Kind.GRADE) == {north.student_a1.username: [url]}
