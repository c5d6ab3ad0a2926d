"""Outside items in the gradebook (grades an outside tool sends through LTI AGS): the services'
rules (enrolled students only, the AGS timestamp rule, only fully graded scores count), the
cells and the weighted total, the weights page, the pages of teachers, students and parents,
the XLSX export and the query count."""

# The fixtures ``book`` and ``big_book`` come from test_gradebook; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from openclass.assessments.models import GradebookSettings, OutsideItem, OutsideScore
from openclass.assessments.services import gradebook, outside
from openclass.assessments.services.gradebook import State

from .test_gradebook import (  # noqa: F401
    FUTURE,
    NOW,
    PAST,
    Book,
    attempt,
    big_book,
    book,
    english,
    row_of,
    submit,
)

LATER = NOW + datetime.timedelta(minutes=5)


def make_item(book: Book, title="시뮬레이션 실험", maximum=10, **fields) -> OutsideItem:
    return outside.create_item(
        book.course,
        title=title,
        score_maximum=maximum,
        source="실험실 도구",
        source_key="lti:1",
        **fields,
    )


def graded_score(item, student, given, maximum=10, when=NOW, **fields):
    values = {
        "activity_progress": "Completed",
        "grading_progress": "FullyGraded",
        "score_given": given,
        "score_maximum": maximum,
        "timestamp": when,
    }
    values.update(fields)
    return outside.record_score(item, student, **values)


def test_an_outside_item_is_a_weighed_column_and_missing_scores_count_after_its_end(
    book: Book,
) -> None:
    north = book.north
    a1, a2 = north.student_a1, north.student_a2
    attempt(book.quiz1, a1, 8)  # 80 %, weight 2
    attempt(book.quiz2, a1, 6)  # 60 %, weight 1
    submit(book.essay, a1, score=45)  # 90 %, weight 3
    item = make_item(book, ends_at=PAST)
    item.weight = Decimal(4)
    item.save()
    graded_score(item, a1, "7.5")  # 75 %

    table = gradebook.table(book.course, north.homeroom_a, now=NOW)

    assert [c.title for c in table.outside] == ["시뮬레이션 실험"]
    assert table.outside[0].kind_label == "Outside tool: 실험실 도구"
    row = row_of(table, a1)
    (cell,) = row.outside_cells
    assert cell.state == State.GRADED and cell.percent == Decimal(75)
    # (80×2 + 60×1 + 90×3 + 75×4) / (2+1+3+4) = 790 / 10
    assert row.total == Decimal("79.00")
    assert [c.label for c in row.all_cells][-2] == "75 %"
    # a2 has nothing: every item is past its end or due date, so all count as 0 except quiz 1
    # and 2 (no closing date: left out).
    other = row_of(table, a2)
    assert other.outside_cells[0].state == State.NO_SCORE
    assert other.outside_cells[0].counted == 0
    assert "counts as 0" in other.outside_cells[0].notes
    assert other.total == Decimal(0)


def test_before_its_end_a_missing_score_is_left_out(book: Book) -> None:
    a1 = book.north.student_a1
    attempt(book.quiz1, a1, 8)
    make_item(book, ends_at=FUTURE)
    make_item(book, title="끝 없는 활동")  # no end at all
    row = row_of(gradebook.table(book.course, book.north.homeroom_a, now=NOW), a1)
    assert [c.state for c in row.outside_cells] == [State.NO_SCORE, State.NO_SCORE]
    assert [c.counted for c in row.outside_cells] == [None, None]
    # the essay is past due and not submitted: 0 with weight 3; quiz 1 80 % with weight 2
    assert row.total == Decimal("32.00")


def test_only_a_fully_graded_score_counts_the_others_show_in_progress(book: Book) -> None:
    a1 = book.north.student_a1
    item = make_item(book, ends_at=PAST)
    graded_score(item, a1, 9, grading_progress="PendingManual", activity_progress="Submitted")
    table = gradebook.table(book.course, book.north.homeroom_a, now=NOW)
    (cell,) = row_of(table, a1).outside_cells
    assert cell.state == State.IN_PROGRESS and cell.percent is None
    assert cell.counted is None  # left out even past the end: the delay is the tool's
    assert cell.label == "In progress"
    # the same score fully graded later counts
    graded_score(item, a1, 9, when=LATER)
    (cell,) = row_of(gradebook.table(book.course, book.north.homeroom_a), a1).outside_cells
    assert cell.percent == Decimal(90)


def test_a_later_timestamp_wins_and_an_older_one_is_ignored(book: Book) -> None:
    a1 = book.north.student_a1
    item = make_item(book)
    assert graded_score(item, a1, 5, when=NOW).changed
    assert graded_score(item, a1, 8, when=LATER).changed
    ignored = graded_score(item, a1, 2, when=NOW)  # a late retry of an older score
    assert not ignored.changed
    score = OutsideScore.objects.get(item=item, student=a1)
    assert score.score_given == Decimal(8) and score.timestamp == LATER
    assert OutsideScore.objects.count() == 1
    graded_score(item, a1, 3, when=LATER, comment="다시 채점")  # the same time replaces
    score.refresh_from_db()
    assert score.score_given == Decimal(3) and score.comment == "다시 채점"


def test_scores_only_for_students_enrolled_in_the_course(book: Book) -> None:
    north, south = book.north, book.courses.city.south
    item = make_item(book)
    for stranger in (north.student_b1, south.student_a1, north.homeroom_a):
        with pytest.raises(ValidationError):
            graded_score(item, stranger, 5)
    assert not OutsideScore.objects.exists()


def test_bad_scores_and_items_are_refused(book: Book) -> None:
    a1 = book.north.student_a1
    item = make_item(book)
    with pytest.raises(ValidationError):
        graded_score(item, a1, 5, maximum=None)  # scoreGiven without its maximum
    with pytest.raises(ValidationError):
        graded_score(item, a1, -1)
    with pytest.raises(ValidationError):
        graded_score(item, a1, "abc")
    with pytest.raises(ValidationError):
        graded_score(item, a1, 5, grading_progress="Done")
    with pytest.raises(ValidationError):
        graded_score(item, a1, 5, activity_progress="Finished")
    with pytest.raises(ValidationError):
        make_item(book, maximum=0)
    with pytest.raises(ValidationError):
        make_item(book, title="  ")
    with pytest.raises(ValidationError):
        make_item(book, starts_at=NOW, ends_at=PAST)
    # a score with no scoreGiven (the tool only reports progress) is kept, not counted
    kept = graded_score(item, a1, None, maximum=None, grading_progress="NotReady")
    assert kept.changed and kept.score.score_given is None


def test_update_and_delete_an_item(book: Book) -> None:
    a1 = book.north.student_a1
    item = make_item(book)
    graded_score(item, a1, 5)
    outside.update_item(item, title="새 제목", score_maximum=20, tag="final")
    item.refresh_from_db()
    assert (item.title, item.score_maximum, item.tag) == ("새 제목", Decimal(20), "final")
    with pytest.raises(ValidationError):
        outside.update_item(item, score_maximum=-3)
    with pytest.raises(ValueError):
        outside.update_item(item, course=book.courses.office_course)
    # the score keeps its own maximum: 5/10
    (cell,) = row_of(gradebook.table(book.course, book.north.homeroom_a), a1).outside_cells
    assert cell.percent == Decimal(50)
    outside.delete_item(item)
    assert not OutsideItem.objects.exists() and not OutsideScore.objects.exists()


def test_weights_of_outside_items_are_set_with_the_others(book: Book) -> None:
    north = book.north
    item = make_item(book)
    weights = {c.lesson.pk: Decimal(1) for c in gradebook.columns_of(book.course)[0]}
    gradebook.set_weights(north.homeroom_a, book.course, weights, Decimal(0), {item.pk: 5})
    item.refresh_from_db()
    assert item.weight == Decimal(5)
    # a stale page (an item the tool added meanwhile) is refused, nothing half applied
    make_item(book, title="새 항목")
    with pytest.raises(ValidationError):
        gradebook.set_weights(north.homeroom_a, book.course, weights, Decimal(0), {item.pk: 1})
    item.refresh_from_db()
    assert item.weight == Decimal(5)


def test_students_see_outside_items_in_the_partial_total(book: Book) -> None:
    """``hide_unrevealed`` hides quiz scores only: an outside score stays and counts."""
    a1 = book.north.student_a1
    book.quiz1.show_results = "never"
    book.quiz1.save()
    attempt(book.quiz1, a1, 8)
    item = make_item(book)
    graded_score(item, a1, 6)
    _table, row = gradebook.student_row(book.course, a1, a1, now=NOW)
    assert row.cells[0].hidden and row.partial_total
    assert row.outside_cells[0].percent == Decimal(60)
    # essay past due: 0 ×3; outside 60 ×1 → 60 / 4
    assert row.total == Decimal("15.00")


def test_table_with_outside_items_takes_the_same_queries(
    big_book, django_assert_max_num_queries
) -> None:
    course, teacher = big_book
    students = [e.student for e in course.enrolments.select_related("student")]
    for number in range(3):
        item = outside.create_item(
            course, title=f"도구 {number}", score_maximum=10, source="t", source_key="lti:1"
        )
        for index, student in enumerate(students[: 10 * (number + 1)]):
            grading = "FullyGraded" if index % 3 else "Pending"
            outside.record_score(
                item,
                student,
                timestamp=NOW,
                activity_progress="Completed",
                grading_progress=grading,
                score_given=index % 11,
                score_maximum=10,
            )
    with django_assert_max_num_queries(10):
        table = gradebook.table(course, teacher, now=NOW)
        rendered = [[cell.label for cell in row.all_cells] for row in table.rows]
    assert len(table.outside) == 3 and len(rendered) == 35
    assert all(len(cells) == 20 + 3 + 1 for cells in rendered)
    graded = sum(
        1 for row in table.rows for cell in row.outside_cells if cell.state == State.GRADED
    )
    assert graded == sum(1 for s in OutsideScore.objects.all() if s.counts)


# --- Pages and the export ---------------------------------------------------------------------


@pytest.fixture
def scored(book: Book, client) -> tuple[Book, OutsideItem]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    item = make_item(book)
    graded_score(item, book.north.student_a1, "8.5", comment="잘했어요")
    graded_score(item, book.north.student_a2, 3, grading_progress="Pending")
    return book, item


def test_teachers_gradebook_and_weights_pages_show_the_item(client, scored) -> None:
    book, item = scored
    client.force_login(book.north.homeroom_a)
    html = client.get(reverse("assessments:gradebook", args=[book.course.pk])).content.decode()
    assert "시뮬레이션 실험" in html and "Outside tool: 실험실 도구" in html
    assert "85 %" in html and "In progress" in html and "잘했어요" in html
    weights_url = reverse("assessments:gradebook_weights", args=[book.course.pk])
    form = client.get(weights_url).content.decode()
    assert f'name="outside_{item.pk}"' in form
    data = {f"weight_{c.lesson.pk}": "1" for c in gradebook.columns_of(book.course)[0]}
    data.update({"completion_weight": "0", f"outside_{item.pk}": "2.5"})
    assert client.post(weights_url, data).status_code == 302
    item.refresh_from_db()
    assert item.weight == Decimal("2.5")


def test_students_and_parents_grades_pages_show_the_item(client, scored) -> None:
    book, _item = scored
    north = book.north
    client.force_login(north.student_a1)
    page = client.get(reverse("assessments:course_grades", args=[book.course.pk]))
    html = page.content.decode()
    assert "시뮬레이션 실험" in html and "85 %" in html and "잘했어요" in html
    overview = client.get(reverse("assessments:my_grades")).content.decode()
    assert "시뮬레이션 실험" in overview and "85 %" in overview
    client.force_login(north.student_a2)
    html = client.get(reverse("assessments:course_grades", args=[book.course.pk])).content
    assert "In progress" in html.decode() and "85 %" not in html.decode()
    client.force_login(north.parent_a1)
    html = client.get(reverse("assessments:course_grades", args=[book.course.pk])).content
    assert "시뮬레이션 실험" in html.decode() and "85 %" in html.decode()


def test_xlsx_has_the_outside_column(client, scored) -> None:
    book, item = scored
    item.weight = Decimal(2)
    item.save()
    GradebookSettings.objects.create(course=book.course, completion_weight=Decimal(1))
    client.force_login(book.north.homeroom_a)
    response = client.get(reverse("assessments:gradebook_xlsx", args=[book.course.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[2]]
    column = header.index("시뮬레이션 실험") + 1
    assert header[column:] == ["Completion", "Total"]
    assert sheet.cell(row=3, column=column).value == 2  # its weight
    values = {sheet.cell(row=r, column=3).value: sheet.cell(row=r, column=column) for r in (4, 5)}
    a1, a2 = book.north.student_a1, book.north.student_a2
    assert values[a1.name].value == 85
    assert values[a1.name].comment is not None and "잘했어요" in values[a1.name].comment.text
    assert values[a2.name].value == "In progress"


def test_a_course_without_students_still_lists_its_outside_items(book: Book) -> None:
    from openclass.courses.models import Enrolment

    Enrolment.objects.filter(course=book.course).delete()
    GradebookSettings.objects.create(course=book.course, completion_weight=Decimal(3))
    make_item(book)
    table = gradebook.table(book.course, book.north.homeroom_a, now=NOW)
    assert table.rows == [] and [c.title for c in table.outside] == ["시뮬레이션 실험"]
    assert table.completion_weight == Decimal(3)
