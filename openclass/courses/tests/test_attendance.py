"""Attendance reports and the timeline: the grid, derived absences, one student's record, the
XLSX export, corrections through the page, and who may see which of them."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from openclass.courses.models import Attendance, AttendanceCorrection, Session
from openclass.courses.services import courses as services
from openclass.courses.services import reports
from openclass.courses.tests.fixtures import Courses

Status = Attendance.Status


@pytest.fixture
def week(courses: Courses) -> Courses:
    """Class A of north enrolled in the class course, with a session ten days ago (long past its
    late window), one yesterday and one tomorrow."""
    north = courses.city.north
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1, north.student_a2])
    today = timezone.localdate()
    for days, lesson in ((-10, courses.document), (-1, courses.video), (1, courses.link)):
        Session.objects.create(
            course=courses.class_course,
            kind=Session.Kind.RECORDED,
            title=lesson.title,
            lesson=lesson,
            day=today + datetime.timedelta(days=days),
        )
    return courses


def test_grid_derives_absence_and_open_marks(week: Courses) -> None:
    north = week.city.north
    services.open_lesson(north.student_a1, week.document)  # ten days late: absent anyway
    grid = reports.course_grid(north.homeroom_a, week.class_course)
    assert [s.title for s in grid.sessions] == [week.document.title, week.video.title]
    by_name = {row.student.username: [cell.status for cell in row.cells] for row in grid.rows}
    assert by_name == {
        north.student_a1.username: [Status.ABSENT, None],
        north.student_a2.username: [Status.ABSENT, None],
    }
    assert grid.rows[0].totals[Status.ABSENT] == 1


def test_grid_shows_only_the_students_the_viewer_may_see(week: Courses) -> None:
    north = week.city.north
    assert {r.student.pk for r in reports.course_grid(north.admin, week.class_course).rows} == {
        north.student_a1.pk,
        north.student_a2.pk,
    }
    own = reports.course_grid(north.student_a1, week.class_course).rows
    assert [row.student.pk for row in own] == [north.student_a1.pk]
    assert not reports.course_grid(north.subject_teacher, week.class_course).rows


def test_attendance_page_and_export_for_the_teacher(client, week: Courses) -> None:
    north = week.city.north
    client.force_login(north.homeroom_a)
    page = client.get(reverse("courses:attendance", args=[week.class_course.pk]))
    assert page.status_code == 200
    assert north.student_a2.name in page.content.decode()
    export = client.get(reverse("courses:attendance_xlsx", args=[week.class_course.pk]))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == week.class_course.title
    names = [row[2] for row in rows[2:] if row and row[2]]
    assert names == [north.student_a1.name, north.student_a2.name]


@pytest.mark.parametrize("who", ["student", "parent", "other_teacher", "other_admin"])
def test_attendance_pages_refuse_others(client, week: Courses, who: str) -> None:
    north, south = week.city.north, week.city.south
    user = {
        "student": north.student_a1,
        "parent": north.parent_a1,
        "other_teacher": north.subject_teacher,
        "other_admin": south.admin,
    }[who]
    client.force_login(user)
    course = week.class_course
    session = course.sessions.first()
    for url in (
        reverse("courses:attendance", args=[course.pk]),
        reverse("courses:attendance_xlsx", args=[course.pk]),
        reverse("courses:attendance_correct", args=[course.pk, session.pk, north.student_a2.pk]),
    ):
        assert client.get(url).status_code in (403, 404), url
    response = client.post(
        reverse("courses:attendance_correct", args=[course.pk, session.pk, north.student_a2.pk]),
        {"status": Status.PRESENT, "reason": "x"},
    )
    assert response.status_code in (403, 404)
    assert not AttendanceCorrection.objects.exists()


def test_correction_through_the_page_needs_a_reason(client, week: Courses) -> None:
    north = week.city.north
    course = week.class_course
    session = course.sessions.first()
    client.force_login(north.homeroom_a)
    url = reverse("courses:attendance_correct", args=[course.pk, session.pk, north.student_a2.pk])
    missing = client.post(url, {"status": Status.EXCUSED, "reason": ""})
    assert missing.status_code == 200 and not AttendanceCorrection.objects.exists()
    done = client.post(url, {"status": Status.EXCUSED, "reason": "체험학습 신청"})
    assert done.status_code == 302
    mark = Attendance.objects.get(session=session, student=north.student_a2)
    assert mark.status == Status.EXCUSED and mark.corrected
    assert "체험학습 신청" in client.get(url).content.decode()


def test_student_record_for_the_student_and_parent_only(client, week: Courses) -> None:
    north = week.city.north
    url = reverse("courses:student_attendance", args=[north.student_a1.pk])
    for allowed in (north.student_a1, north.parent_a1, north.homeroom_a, north.admin):
        client.force_login(allowed)
        assert client.get(url).status_code == 200, allowed
    for refused in (north.student_a2, north.subject_teacher, week.city.south.admin):
        client.force_login(refused)
        assert client.get(url).status_code == 404, refused


def test_timeline_lists_sessions_and_managers_add_them(client, week: Courses) -> None:
    north = week.city.north
    course = week.class_course
    client.force_login(north.student_a1)
    page = client.get(reverse("courses:timeline", args=[course.pk])).content.decode()
    assert week.link.title in page
    assert client.post(
        reverse("courses:timeline", args=[course.pk]),
        {"kind": "recorded", "title": "x", "lesson": week.link.pk, "day": "2026-12-01"},
    ).status_code in (200, 302)
    assert course.sessions.count() == 3  # a student's post adds nothing
    client.force_login(north.homeroom_a)
    response = client.post(
        reverse("courses:timeline", args=[course.pk]),
        {"kind": "live", "title": "실시간 질문 시간", "day": "2026-12-01", "starts_at": "10:00"},
    )
    assert response.status_code == 200  # a live class needs its end time
    response = client.post(
        reverse("courses:timeline", args=[course.pk]),
        {
            "kind": "live",
            "title": "실시간 질문 시간",
            "day": "2026-12-01",
            "starts_at": "10:00",
            "ends_at": "10:40",
        },
    )
    assert response.status_code == 302
    assert course.sessions.filter(kind=Session.Kind.LIVE).count() == 1


def _links_in_main(html: str) -> list[str]:
    main = html[html.index("<main") : html.index("</main>")]
    return sorted(
        set(re.findall(r'href="(/[^"#?]*)"', main)) - {reverse("web:home")},
    )


def _assert_every_link_opens(client, page_url: str) -> list[str]:
    page = client.get(page_url)
    assert page.status_code == 200
    links = _links_in_main(page.content.decode())
    refused = [(link, client.get(link).status_code) for link in links]
    assert [pair for pair in refused if pair[1] >= 400] == []
    return links


def test_the_timeline_links_only_what_the_viewer_may_open(client, week: Courses) -> None:
    """A parent reads the timeline of their child's course but studies no lesson: the session
    titles are not links (each answered 403 before)."""
    north = week.city.north
    timeline = reverse("courses:timeline", args=[week.class_course.pk])
    lesson = reverse("courses:lesson", args=[week.class_course.pk, week.video.pk])
    client.force_login(north.parent_a1)
    assert lesson not in _assert_every_link_opens(client, timeline)
    client.force_login(north.student_a1)
    assert lesson in _assert_every_link_opens(client, timeline)


def test_the_grid_links_to_the_student_records_the_viewer_may_open(client, week: Courses) -> None:
    """The instructor of an office course reads its grid, not the students' records across
    their other courses (those links answered 404); their homeroom teacher reads both."""
    north, instructor = week.city.north, week.city.instructor
    services.enrol(week.city.office_admin, week.office_course, [north.student_a1])
    Session.objects.create(
        course=week.office_course,
        kind=Session.Kind.RECORDED,
        title="독도의 역사",
        day=timezone.localdate() - datetime.timedelta(days=1),
    )
    record = reverse("courses:student_attendance", args=[north.student_a1.pk])
    client.force_login(instructor)
    grid = reverse("courses:attendance", args=[week.office_course.pk])
    assert north.student_a1.name in client.get(grid).content.decode()
    assert record not in _assert_every_link_opens(client, grid)
    assert client.get(record).status_code == 404
    client.force_login(north.homeroom_a)
    assert record in _assert_every_link_opens(
        client, reverse("courses:attendance", args=[week.class_course.pk])
    )


def test_export_keeps_formula_like_titles_and_names_as_text(week: Courses) -> None:
    """A course titled ``=HYPERLINK(…)`` or a student named so became a formula in the
    workbook: every text is written as text (with Excel's quote prefix), numbers stay numbers."""
    north = week.city.north
    course = week.class_course
    course.title = '=HYPERLINK("http://evil.example","출석부")'
    course.save(update_fields=["title"])
    course.sessions.filter(title=week.document.title).update(title="+1+1")
    north.student_a1.name = "@SUM(1)"
    north.student_a1.save(update_fields=["name"])
    north.student_a2.name = "-2+3"
    north.student_a2.save(update_fields=["name"])
    content = reports.grid_xlsx(reports.course_grid(north.homeroom_a, course))
    sheet = load_workbook(io.BytesIO(content)).active
    texts = {cell.value: cell for row in sheet.iter_rows() for cell in row}
    header = [cell.value for cell in sheet[2]]
    session = next(value for value in header if isinstance(value, str) and "+1+1" in value)
    for text in (course.title, "@SUM(1)", "-2+3", session):
        assert (texts[text].data_type, texts[text].quotePrefix) == ("s", text[0] in "=+-@"), text
    totals = [cell for cell in sheet[3][-5:]]
    assert all(cell.data_type == "n" and isinstance(cell.value, int) for cell in totals)


def test_recorded_days_resolve_from_when_the_lesson_was_completed(week: Courses) -> None:
    """A lesson completed before its day (no mark was written then: the session had not
    started) is present; completed within the late window, late; an open cell says until
    when it counts, and after that it is absent, never "not yet" for good."""
    from openclass.courses.models import LessonProgress

    north = week.city.north
    course = week.class_course
    now = timezone.now()
    # student_a1 completed yesterday's video three days before its day.
    LessonProgress.objects.create(
        student=north.student_a1,
        lesson=week.video,
        opened_at=now - datetime.timedelta(days=4),
        completed_at=now - datetime.timedelta(days=4),
    )
    # student_a2 completed the document (ten days ago) two days after its day: late.
    LessonProgress.objects.create(
        student=north.student_a2,
        lesson=week.document,
        opened_at=now - datetime.timedelta(days=8),
        completed_at=now - datetime.timedelta(days=8),
    )
    assert not Attendance.objects.exists()
    grid = reports.course_grid(north.homeroom_a, course)
    cells = {row.student.pk: row.cells for row in grid.rows}
    assert [c.status for c in cells[north.student_a1.pk]] == [Status.ABSENT, Status.PRESENT]
    assert [c.status for c in cells[north.student_a2.pk]] == [Status.LATE, None]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    open_cell = cells[north.student_a2.pk][1]
    assert open_cell.until == yesterday + datetime.timedelta(days=course.late_days)
    # The day after the window, the open cell is absent.
    later = reports.course_grid(north.homeroom_a, course, today=open_cell.until)
    assert [c.status for c in later.rows[1].cells][1] is None
    later = reports.course_grid(
        north.homeroom_a, course, today=open_cell.until + datetime.timedelta(days=1)
    )
    assert later.rows[1].cells[1].status == Status.ABSENT
    # Counting opening instead of completion uses the day the lesson was opened.
    course.attendance_needs_completion = False
    course.save()
    LessonProgress.objects.filter(student=north.student_a2, lesson=week.document).update(
        opened_at=now - datetime.timedelta(days=10), completed_at=None
    )
    grid = reports.course_grid(north.homeroom_a, course)
    assert grid.rows[1].cells[0].status == Status.PRESENT


def test_the_pages_totals_count_left_early_as_the_export_does(client, week: Courses) -> None:
    north = week.city.north
    course = week.class_course
    session = course.sessions.get(lesson=week.document)
    services.correct_attendance(
        north.homeroom_a, session, north.student_a1, Status.LEFT_EARLY, "보건실"
    )
    client.force_login(north.homeroom_a)
    page = client.get(reverse("courses:attendance", args=[course.pk])).content.decode()
    row = page.split(north.student_a1.name, 1)[1].split("</tr>")[0]
    totals = re.findall(r"<td>(\d+)</td>", row)
    # present, late, left early, absent, excused: the export's columns, in its order.
    assert totals == ["0", "0", "1", "0", "0"]
    export = client.get(reverse("courses:attendance_xlsx", args=[course.pk]))
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[2][-5:]) == [0, 0, 1, 0, 0]
