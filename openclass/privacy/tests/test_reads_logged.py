"""The pages that show or export students' records write the access log (issue 15, item 3): who
opened whose grades, attendance, submissions and person pages, from which address."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from openclass.assessments.models import Submission, SubmissionFile, SubmissionVersion
from openclass.assessments.services.quizzes import quiz_for
from openclass.courses.models import Enrolment, Lesson
from openclass.privacy import services
from openclass.privacy.models import AccessRecord

What = AccessRecord.What


def _last() -> AccessRecord:
    return AccessRecord.objects.order_by("-seq").first()


def _named(record: AccessRecord) -> list[int]:
    return sorted(record.subjects.values_list("student_id", flat=True))


def test_the_gradebook_and_its_export_name_every_student_shown(client, homework) -> None:
    north = homework.courses.city.north
    course = homework.courses.class_course
    client.force_login(north.homeroom_a)
    assert client.get(reverse("assessments:gradebook", args=[course.pk])).status_code == 200
    record = _last()
    assert (record.what, record.actor_id, record.course_id, record.address) == (
        What.GRADEBOOK,
        north.homeroom_a.pk,
        course.pk,
        "127.0.0.1",
    )
    assert _named(record) == sorted([north.student_a1.pk, north.student_a2.pk])
    response = client.get(
        reverse("assessments:gradebook_xlsx", args=[course.pk]), {"class": north.class_a.pk}
    )
    assert response.status_code == 200
    record = _last()
    assert (record.what, record.klass_id) == (What.GRADEBOOK_XLSX, north.class_a.pk)
    assert len(_named(record)) == 2
    assert services.verify_chain().ok


def test_the_attendance_grid_its_export_and_one_students_page(client, homework) -> None:
    north = homework.courses.city.north
    course = homework.courses.class_course
    client.force_login(north.homeroom_a)
    client.get(reverse("courses:attendance", args=[course.pk]))
    assert (_last().what, len(_named(_last()))) == (What.ATTENDANCE, 2)
    client.get(reverse("courses:attendance_xlsx", args=[course.pk]))
    assert _last().what == What.ATTENDANCE_XLSX
    page = client.get(reverse("courses:student_attendance", args=[north.student_a1.pk]))
    assert page.status_code == 200
    assert (_last().what, _named(_last())) == (What.STUDENT_ATTENDANCE, [north.student_a1.pk])


def test_a_refused_page_writes_nothing(client, homework) -> None:
    south = homework.courses.city.south
    client.force_login(south.homeroom_a)
    response = client.get(reverse("assessments:gradebook", args=[homework.courses.class_course.pk]))
    assert response.status_code in (403, 404)
    assert not AccessRecord.objects.exists()


def test_a_student_reading_their_own_records_is_not_logged(client, homework) -> None:
    north = homework.courses.city.north
    client.force_login(north.student_a1)
    assert client.get(reverse("assessments:my_grades")).status_code == 200
    assert (
        client.get(reverse("courses:student_attendance", args=[north.student_a1.pk])).status_code
        == 200
    )
    assert not AccessRecord.objects.exists()


def test_a_parent_reading_a_childs_course_grades_is_logged(client, homework) -> None:
    north = homework.courses.city.north
    client.force_login(north.parent_a1)
    url = reverse("assessments:course_grades", args=[homework.courses.class_course.pk])
    assert client.get(url).status_code == 200
    record = _last()
    assert (record.what, record.actor_id, _named(record)) == (
        What.GRADES,
        north.parent_a1.pk,
        [north.student_a1.pk],
    )


def test_a_students_person_page_is_logged_a_teachers_is_not(client, homework) -> None:
    north = homework.courses.city.north
    client.force_login(north.admin)
    assert client.get(reverse("accounts:person", args=[north.student_b1.pk])).status_code == 200
    assert (_last().what, _named(_last())) == (What.PERSON, [north.student_b1.pk])
    count = AccessRecord.objects.count()
    client.get(reverse("accounts:person", args=[north.homeroom_a.pk]))
    assert AccessRecord.objects.count() == count


def test_submissions_their_files_and_quiz_results_are_logged(client, homework) -> None:
    north = homework.courses.city.north
    item = homework.assignment
    now = timezone.now()
    submission = Submission.objects.create(
        assignment=item, student=north.student_a1, submitted_at=now
    )
    version = SubmissionVersion.objects.create(submission=submission, number=1, submitted_at=now)
    file = SubmissionFile(version=version, name="a.txt")
    file.file.save("a.txt", ContentFile(b"hello"))
    client.force_login(north.homeroom_a)
    client.get(reverse("assessments:assignment_submissions", args=[item.lesson_id]))
    assert (_last().what, len(_named(_last()))) == (What.SUBMISSION, 2)
    client.get(
        reverse("assessments:assignment_student", args=[item.lesson_id, north.student_a1.pk])
    )
    assert (_last().what, _last().object_id) == (What.SUBMISSION, submission.pk)
    client.get(reverse("assessments:submission_file", args=[file.pk]))
    assert (_last().what, _last().object_id) == (What.SUBMISSION_FILE, file.pk)
    quiz_lesson = Lesson.objects.create(
        section=homework.courses.video.section, title="퀴즈", kind=Lesson.Kind.QUIZ, position=10
    )
    quiz = quiz_for(quiz_lesson)
    assert (
        client.get(reverse("assessments:quiz_attempts", args=[quiz_lesson.pk])).status_code == 200
    )
    assert (_last().what, _last().object_id) == (What.QUIZ_ATTEMPTS, quiz.pk)
    assert Enrolment.objects.filter(course=homework.courses.class_course).count() == 2
    assert services.verify_chain().ok
