"""Gradebook pages: the teachers' table, weights, overrides and XLSX export; students' and
parents' "My grades"; the course page's links; and every refusal."""

# The fixtures ``book`` and ``big_book`` come from test_gradebook; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.templatetags.static import static
from django.urls import reverse
from openpyxl import load_workbook

from openclass.assessments.models import Assignment, GradebookSettings, GradeOverride, Quiz
from openclass.courses.models import Enrolment

from .test_gradebook import FUTURE, Book, attempt, big_book, book, english, submit  # noqa: F401


@pytest.fixture(autouse=True)
def english_pages(client):
    """Pages in English, whatever the project's default language."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def graded(book: Book) -> Book:
    """a1: quiz1 80 %, quiz2 60 %, essay 45/50 late; a2: nothing (the essay is past due)."""
    a1 = book.north.student_a1
    attempt(book.quiz1, a1, 8)
    attempt(book.quiz2, a1, 6)
    submit(book.essay, a1, score=45, late=True)
    return book


def test_teacher_sees_the_table(client, graded: Book) -> None:
    north = graded.north
    client.force_login(north.homeroom_a)
    page = client.get(reverse("assessments:gradebook", args=[graded.course.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert north.student_a1.name in html and north.student_a2.name in html
    assert "80 %" in html and "90 %" in html and "Not submitted" in html
    assert static("assessments/gradebook.css") in html
    override_url = reverse(
        "assessments:gradebook_override",
        args=[graded.course.pk, north.student_a1.pk, graded.quiz1.lesson.pk],
    )
    assert override_url in html
    assert reverse("assessments:gradebook_weights", args=[graded.course.pk]) in html
    assert "No grade has been overridden." in html


def test_page_takes_a_fixed_handful_of_queries(
    client, big_book, django_assert_max_num_queries
) -> None:
    course, teacher = big_book
    client.force_login(teacher)
    # 20, the access log's fixed 7 (privacy.services.record_read: savepoint, last row, anchor
    # of an empty log, the students' schools, the record, its students, release), and the course
    # tabs' 4 (each tab asks its page's rule: manage, enrol, records, gradebook).
    with django_assert_max_num_queries(31):
        page = client.get(reverse("assessments:gradebook", args=[course.pk]))
    assert page.status_code == 200
    assert page.content.decode().count('class="grade ') == 35 * 21


def test_xlsx_holds_the_grades_weights_and_overrides(client, graded: Book) -> None:
    north = graded.north
    course = graded.course
    GradebookSettings.objects.create(course=course, completion_weight=Decimal(1))
    client.force_login(north.homeroom_a)
    client.post(
        reverse(
            "assessments:gradebook_override",
            args=[course.pk, north.student_a1.pk, graded.quiz2.lesson.pk],
        ),
        {"percent": "75", "reason": "재시험 반영"},
    )
    response = client.get(reverse("assessments:gradebook_xlsx", args=[course.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == course.title
    assert rows[1] == (
        "Class",
        "No.",
        "Name",
        "쪽지 시험 1",
        "쪽지 시험 2",
        "독도 글쓰기",
        "Completion",
        "Total",
    )
    assert rows[2][3:7] == (2, 1, 3, 1)
    a1, a2 = rows[3], rows[4]
    assert a1[2] == north.student_a1.name and a2[2] == north.student_a2.name
    # a1: 80, 75 (overridden from 60), 90, completion 0 → (160 + 75 + 270 + 0) / 7
    assert a1[3:8] == (80, 75, 90, 0, 72.14)
    # a2: quiz1 and quiz2 have no closing date (left out); the essay is past due: 0
    assert a2[3:8] == ("Not attempted", "Not attempted", "Not submitted", 0, 0)
    assert "재시험 반영" in sheet["E4"].comment.text
    assert "Submitted late" in sheet["F4"].comment.text
    assert "Counts as 0" in sheet["F5"].comment.text
    history = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert history[0][0] == "Changed at"
    assert history[1][1:6] == (
        north.student_a1.name,
        "쪽지 시험 2",
        75,
        "재시험 반영",
        north.homeroom_a.name,
    )


def test_exports_hold_only_the_viewers_students(client, book: Book) -> None:
    north = book.north
    course = book.courses.school_course  # managed by the school admin
    Enrolment.objects.create(course=course, student=north.student_a1)
    Enrolment.objects.create(course=course, student=north.student_b1)
    client.force_login(north.subject_teacher)  # teaches class B only
    page = client.get(reverse("assessments:gradebook", args=[course.pk]))
    assert page.status_code == 200
    assert north.student_b1.name in page.content.decode()
    assert north.student_a1.name not in page.content.decode()
    response = client.get(reverse("assessments:gradebook_xlsx", args=[course.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    names = [row[2] for row in sheet.iter_rows(min_row=4, values_only=True) if row and row[2]]
    assert names == [north.student_b1.name]


def test_table_and_export_filter_by_class(client, book: Book) -> None:
    north = book.north
    course = book.courses.school_course
    Enrolment.objects.create(course=course, student=north.student_a1)
    Enrolment.objects.create(course=course, student=north.student_b1)
    client.force_login(north.admin)
    url = reverse("assessments:gradebook", args=[course.pk])
    html = client.get(url).content.decode()
    assert north.student_a1.name in html and north.student_b1.name in html
    html = client.get(url + f"?class={north.class_b.pk}").content.decode()
    assert north.student_b1.name in html and north.student_a1.name not in html
    export = client.get(
        reverse("assessments:gradebook_xlsx", args=[course.pk]) + f"?class={north.class_b.pk}"
    )
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    names = [row[2] for row in sheet.iter_rows(min_row=4, values_only=True) if row and row[2]]
    assert names == [north.student_b1.name]
    # A class whose students the viewer may not read is not a filter they can use.
    client.force_login(north.subject_teacher)
    assert client.get(url + f"?class={north.class_a.pk}").status_code == 404


def test_weights_form_saves_every_weight(client, book: Book) -> None:
    north = book.north
    url = reverse("assessments:gradebook_weights", args=[book.course.pk])
    client.force_login(north.homeroom_a)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for lesson in (book.quiz1.lesson, book.quiz2.lesson, book.essay.lesson):
        assert f'name="weight_{lesson.pk}"' in html
    data = {
        f"weight_{book.quiz1.lesson.pk}": "0.5",
        f"weight_{book.quiz2.lesson.pk}": "0",
        f"weight_{book.essay.lesson.pk}": "10",
        "completion_weight": "2",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert Quiz.objects.get(pk=book.quiz1.pk).weight == Decimal("0.5")
    assert Quiz.objects.get(pk=book.quiz2.pk).weight == 0
    assert Assignment.objects.get().weight == 10
    assert GradebookSettings.objects.get().completion_weight == 2


def test_bad_weights_change_nothing(client, book: Book) -> None:
    north = book.north
    url = reverse("assessments:gradebook_weights", args=[book.course.pk])
    client.force_login(north.homeroom_a)
    data = {
        f"weight_{book.quiz1.lesson.pk}": "7",
        f"weight_{book.quiz2.lesson.pk}": "-1",
        f"weight_{book.essay.lesson.pk}": "abc",
        "completion_weight": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.content.decode().count('class="errorlist') >= 3
    assert Quiz.objects.get(pk=book.quiz1.pk).weight == 2
    assert not GradebookSettings.objects.exists()


def test_weights_are_for_the_courses_managers_only(client, book: Book) -> None:
    north = book.north
    course = book.courses.school_course
    Enrolment.objects.create(course=course, student=north.student_b1)
    client.force_login(north.subject_teacher)
    page = client.get(reverse("assessments:gradebook", args=[course.pk]))
    assert reverse("assessments:gradebook_weights", args=[course.pk]) not in page.content.decode()
    url = reverse("assessments:gradebook_weights", args=[course.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"completion_weight": "5"}).status_code == 403
    assert not GradebookSettings.objects.exists()


def test_override_page_overrides_shows_history_and_lifts(client, graded: Book) -> None:
    north = graded.north
    course = graded.course
    url = reverse(
        "assessments:gradebook_override",
        args=[course.pk, north.student_a1.pk, graded.quiz1.lesson.pk],
    )
    client.force_login(north.homeroom_a)
    page = client.get(url)
    assert page.status_code == 200 and "Never overridden." in page.content.decode()
    response = client.post(url, {"percent": "95", "reason": "채점 오류 정정"})
    assert response.status_code == 302
    override = GradeOverride.objects.get()
    assert (override.percent, override.changed_by) == (Decimal(95), north.homeroom_a)

    table = client.get(reverse("assessments:gradebook", args=[course.pk])).content.decode()
    assert "95 %" in table and "채점 오류 정정" in table and "overridden" in table
    assert "No grade has been overridden." not in table

    assert client.post(url, {"percent": "", "reason": "이의 신청 기각"}).status_code == 302
    assert GradeOverride.objects.count() == 2
    page = client.get(url).content.decode()
    assert "채점 오류 정정" in page and "이의 신청 기각" in page and "lifted" in page
    table = client.get(reverse("assessments:gradebook", args=[course.pk])).content.decode()
    assert "80 %" in table


def test_total_override_through_the_page(client, graded: Book) -> None:
    north = graded.north
    course = graded.course
    url = reverse("assessments:gradebook_override_total", args=[course.pk, north.student_a2.pk])
    client.force_login(north.homeroom_a)
    assert client.get(url).status_code == 200
    assert client.post(url, {"percent": "50", "reason": "전학 전 성적"}).status_code == 302
    override = GradeOverride.objects.get()
    assert override.lesson is None and override.student == north.student_a2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"percent": "80", "reason": ""}, "Give the reason for the change."),
        ({"percent": "150", "reason": "x"}, "less than or equal to 100"),
        ({"percent": "-5", "reason": "x"}, "greater than or equal to 0"),
        ({"percent": "", "reason": "x"}, "there is no override to lift"),
    ],
)
def test_bad_overrides_change_nothing(client, graded: Book, data, message) -> None:
    north = graded.north
    url = reverse(
        "assessments:gradebook_override",
        args=[graded.course.pk, north.student_a1.pk, graded.quiz1.lesson.pk],
    )
    client.force_login(north.homeroom_a)
    response = client.post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not GradeOverride.objects.exists()


def test_override_of_a_lesson_that_is_not_graded_is_404(client, book: Book) -> None:
    north = book.north
    client.force_login(north.homeroom_a)
    url = reverse(
        "assessments:gradebook_override",
        args=[book.course.pk, north.student_a1.pk, book.courses.video.pk],
    )
    assert client.post(url, {"percent": "1", "reason": "x"}).status_code == 404
    assert not GradeOverride.objects.exists()


@pytest.mark.parametrize(
    "who", ["anonymous", "student", "parent", "other_teacher", "other_school_teacher"]
)
def test_teacher_pages_refuse_others(client, graded: Book, who: str) -> None:
    north, south = graded.north, graded.courses.city.south
    user = {
        "anonymous": None,
        "student": north.student_a1,
        "parent": north.parent_a1,
        "other_teacher": north.subject_teacher,
        "other_school_teacher": south.homeroom_a,
    }[who]
    if user is not None:
        client.force_login(user)
    course = graded.course
    a2 = north.student_a2  # not the student's nor the parent's own row
    urls = [
        reverse("assessments:gradebook", args=[course.pk]),
        reverse("assessments:gradebook_xlsx", args=[course.pk]),
        reverse("assessments:gradebook_weights", args=[course.pk]),
        reverse("assessments:gradebook_override", args=[course.pk, a2.pk, graded.quiz1.lesson.pk]),
        reverse("assessments:gradebook_override_total", args=[course.pk, a2.pk]),
    ]
    for url in urls:
        response = client.get(url)
        if user is None:
            assert response.status_code == 302 and "/login" in response["Location"], url
        else:
            assert response.status_code in (403, 404), url
        assert a2.name not in response.content.decode()
        posted = client.post(url, {"percent": "100", "reason": "x", "completion_weight": "9"})
        assert posted.status_code in ((302,) if user is None else (403, 404)), url
    assert not GradeOverride.objects.exists()
    assert not GradebookSettings.objects.exists()


# --- Students and parents ---------------------------------------------------------------------


def test_student_sees_only_their_own_row(client, graded: Book) -> None:
    north = graded.north
    client.force_login(north.student_a1)
    page = client.get(reverse("assessments:course_grades", args=[graded.course.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "My grades" in html and "80 %" in html and "90 %" in html and "late" in html
    assert north.student_a2.name not in html
    overview = client.get(reverse("assessments:my_grades")).content.decode()
    assert graded.course.title in overview and "80 %" in overview


def test_student_cannot_ask_for_another_students_row(client, graded: Book) -> None:
    north = graded.north
    client.force_login(north.student_a2)
    other = f"?student={north.student_a1.pk}"
    course_url = reverse("assessments:course_grades", args=[graded.course.pk])
    assert client.get(course_url + other).status_code == 404
    assert client.get(reverse("assessments:my_grades") + other).status_code == 404
    own = client.get(course_url).content.decode()
    assert north.student_a1.name not in own and "80 %" not in own


def test_student_not_enrolled_gets_404(client, graded: Book) -> None:
    north = graded.north
    client.force_login(north.student_b1)
    response = client.get(reverse("assessments:course_grades", args=[graded.course.pk]))
    assert response.status_code == 404


def test_quiz_scores_follow_the_quizs_show_results(client, graded: Book) -> None:
    north = graded.north
    Quiz.objects.filter(pk=graded.quiz1.pk).update(
        show_results=Quiz.Reveal.AFTER_CLOSE, closes_at=FUTURE.replace(year=2099)
    )
    client.force_login(north.student_a1)
    html = client.get(
        reverse("assessments:course_grades", args=[graded.course.pk])
    ).content.decode()
    assert "Hidden until 2099-" in html and "80 %" not in html
    assert "Scores not shown yet are left out of this total." in html
    client.force_login(north.homeroom_a)
    table = client.get(reverse("assessments:gradebook", args=[graded.course.pk])).content.decode()
    assert "80 %" in table


def test_parent_sees_their_childs_grades(client, graded: Book) -> None:
    north = graded.north
    client.force_login(north.parent_a1)
    page = client.get(reverse("assessments:course_grades", args=[graded.course.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Grades of {north.student_a1.name}" in html and "80 %" in html
    overview = client.get(
        reverse("assessments:my_grades") + f"?student={north.student_a1.pk}"
    ).content.decode()
    assert graded.course.title in overview and "80 %" in overview
    assert f'<option value="{north.student_a1.pk}" selected' in overview


def test_parent_cannot_ask_for_a_non_child(client, graded: Book) -> None:
    north, south = graded.north, graded.courses.city.south
    client.force_login(north.parent_a1)
    other = f"?student={north.student_a2.pk}"
    assert (
        client.get(reverse("assessments:course_grades", args=[graded.course.pk]) + other)
    ).status_code == 404
    assert client.get(reverse("assessments:my_grades") + other).status_code == 404
    client.force_login(south.parent_a1)  # no child in the course
    response = client.get(reverse("assessments:course_grades", args=[graded.course.pk]))
    assert response.status_code == 404  # the course is not even visible to them


def test_parent_without_a_child_in_the_course_is_told_so(client, book: Book) -> None:
    north = book.north
    Enrolment.objects.filter(student=north.student_a1).delete()
    book.course.organisation = north.school  # published school-wide: visible to the parent
    book.course.scope = "school"
    book.course.save()
    client.force_login(north.parent_a1)
    page = client.get(reverse("assessments:course_grades", args=[book.course.pk]))
    assert page.status_code == 200
    assert "None of your children is enrolled in this course." in page.content.decode()


def test_teacher_asking_for_my_grades_goes_to_the_gradebook(client, book: Book) -> None:
    client.force_login(book.north.homeroom_a)
    response = client.get(reverse("assessments:course_grades", args=[book.course.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:gradebook", args=[book.course.pk])
    assert client.get(reverse("assessments:my_grades")).status_code == 403


# --- The course page's links -------------------------------------------------------------------


def test_course_page_links(client, book: Book) -> None:
    north = book.north
    course_url = reverse("courses:detail", args=[book.course.pk])
    gradebook_url = reverse("assessments:gradebook", args=[book.course.pk])
    grades_url = reverse("assessments:course_grades", args=[book.course.pk])
    client.force_login(north.homeroom_a)
    html = client.get(course_url).content.decode()
    assert gradebook_url in html and grades_url not in html
    client.force_login(north.student_a1)
    html = client.get(course_url).content.decode()
    assert grades_url in html and gradebook_url not in html
    client.force_login(north.parent_a1)
    html = client.get(course_url).content.decode()
    assert grades_url in html and gradebook_url not in html

    school_course = book.courses.school_course  # a teacher using someone else's course
    Enrolment.objects.create(course=school_course, student=north.student_b1)
    client.force_login(north.subject_teacher)
    html = client.get(reverse("courses:detail", args=[school_course.pk])).content.decode()
    assert reverse("assessments:gradebook", args=[school_course.pk]) in html


@pytest.mark.parametrize("who", ["anonymous", "other_teacher", "other_school_parent"])
def test_grade_pages_refuse_outsiders(client, graded: Book, who: str) -> None:
    north, south = graded.north, graded.courses.city.south
    user = {
        "anonymous": None,
        "other_teacher": north.subject_teacher,
        "other_school_parent": south.parent_a1,
    }[who]
    if user is not None:
        client.force_login(user)
    wanted = f"?student={north.student_a1.pk}"
    for url in (
        reverse("assessments:course_grades", args=[graded.course.pk]) + wanted,
        reverse("assessments:my_grades") + wanted,
    ):
        response = client.get(url)
        if user is None:
            assert response.status_code == 302 and "/login" in response["Location"], url
        else:
            assert response.status_code in (403, 404), url
        assert "80 %" not in response.content.decode()


def test_page_shows_the_newest_overrides_and_says_the_export_has_all(
    client, big_book, monkeypatch
) -> None:
    from openclass.assessments.views import gradebook as pages

    monkeypatch.setattr(pages, "HISTORY_SHOWN", 5)
    course, teacher = big_book
    client.force_login(teacher)
    html = client.get(reverse("assessments:gradebook", args=[course.pk])).content.decode()
    history = html.split('id="history"')[1]
    assert history.count("<tr>") == 1 + 5
    assert "the XLSX download holds every one" in history
    export = client.get(reverse("assessments:gradebook_xlsx", args=[course.pk]))
    overrides = load_workbook(io.BytesIO(export.content)).worksheets[1]
    assert overrides.max_row == 1 + 14


def test_xlsx_keeps_formula_like_titles_names_and_reasons_as_text(graded: Book) -> None:
    """A course, an item, a student or an override reason starting with =, +, - or @ became a
    formula in the workbook: text is written as text, grades stay numbers."""
    from openclass.assessments.services import gradebook

    north = graded.north
    course = graded.course
    course.title = '=HYPERLINK("http://evil.example","성적")'
    course.save(update_fields=["title"])
    lesson = graded.quiz1.lesson
    lesson.title = "+1+1"
    lesson.save(update_fields=["title"])
    north.student_a1.name = "@SUM(1)"
    north.student_a1.save(update_fields=["name"])
    gradebook.set_override(
        north.homeroom_a, course, north.student_a1, graded.quiz2.lesson, Decimal(75), "-재시험"
    )
    content = gradebook.table_xlsx(gradebook.table(course, north.homeroom_a))
    workbook = load_workbook(io.BytesIO(content))
    cells = {
        cell.value: cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }
    for text in (course.title, "+1+1", "@SUM(1)", "-재시험"):
        assert (cells[text].data_type, cells[text].quotePrefix) == ("s", True), text
    a1 = workbook.worksheets[0][4]
    assert a1[2].value == "@SUM(1)"
    assert [(cell.value, cell.data_type) for cell in a1[3:5]] == [(80, "n"), (75, "n")]
