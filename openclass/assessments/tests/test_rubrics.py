"""Rubrics: the 사이버논술 starting rubric, editing criteria and levels, locking once used for
grades, copying, deleting only when unused, and who may touch whose rubric."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from openclass.assessments.models import Rubric, RubricCriterion, RubricLevel
from openclass.assessments.services import assignments, rubrics
from openclass.assessments.tests.fixtures import Homework


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client() -> Client:
    return Client(headers={"accept-language": "en"})


def url(name: str, *args) -> str:
    return reverse(f"assessments:{name}", args=args)


def test_the_essay_rubric_has_four_criteria_of_four_levels(courses) -> None:
    teacher = courses.city.north.homeroom_a
    rubric = rubrics.create_essay_rubric(teacher)
    criteria = list(rubric.criteria.prefetch_related("levels"))
    assert [c.title for c in criteria] == [
        "Understanding the question",
        "Logical development",
        "Use of evidence",
        "Expression",
    ]
    assert all(len(c.levels.all()) == 4 for c in criteria)
    assert [level.points for level in criteria[0].levels.all()] == [6, 12, 18, 25]
    assert assignments.rubric_max(rubric) == Decimal(100)
    assert assignments.rubric_problem(rubric) is None
    assert rubric.owner == teacher


def test_the_essay_rubric_is_made_in_the_teachers_language(courses) -> None:
    with translation.override("ko"):
        rubric = rubrics.create_essay_rubric(courses.city.north.homeroom_a)
        expected = [str(title) for title, _d, _l in rubrics.ESSAY_TEMPLATE["criteria"]]
        title = str(rubrics.ESSAY_TEMPLATE["title"])
    assert list(rubric.criteria.values_list("title", flat=True)) == expected
    assert Rubric.objects.get(pk=rubric.pk).title == title


def test_only_staff_make_rubrics(courses) -> None:
    north = courses.city.north
    for user in (north.student_a1, north.parent_a1):
        with pytest.raises(PermissionDenied):
            rubrics.create_essay_rubric(user)
        assert not rubrics.rubrics_of(user).exists()
    assert not Rubric.objects.exists()


def test_a_rubric_without_levels_cannot_grade(homework: Homework) -> None:
    teacher = homework.north.homeroom_a
    rubric = Rubric.objects.create(owner=teacher, title="빈 루브릭")
    assert "no criteria" in assignments.rubric_problem(rubric)
    RubricCriterion.objects.create(rubric=rubric, title="내용")
    assert "has no levels" in assignments.rubric_problem(rubric)
    assignment = homework.assignment
    assignment.rubric = rubric
    with pytest.raises(ValidationError):
        assignments.save_settings(teacher, assignment)


def test_a_rubric_used_for_grades_is_locked_and_copied(homework: Homework) -> None:
    north = homework.north
    teacher = north.homeroom_a
    rubric = rubrics.create_essay_rubric(teacher)
    assignment = homework.assignment
    assignment.rubric = rubric
    assignment.save()
    rubrics.check_editable(teacher, rubric)  # not used for a grade yet
    assignments.submit(north.student_a1, assignment, text="답")
    submission = assignment.submissions.get()
    picks = [
        assignments.RubricPick(c.pk, c.levels.all()[0].pk)
        for c in rubric.criteria.prefetch_related("levels")
    ]
    assignments.grade(teacher, submission, picks=picks)
    assert rubrics.is_locked(rubric)
    with pytest.raises(ValidationError, match="Copy it"):
        rubrics.check_editable(teacher, rubric)
    with pytest.raises(ValidationError):
        rubrics.delete_criterion(teacher, rubric.criteria.first())
    copy = rubrics.copy_rubric(teacher, rubric)
    assert copy.title.endswith("(copy)") and not rubrics.is_locked(copy)
    assert RubricLevel.objects.filter(criterion__rubric=copy).count() == 16
    rubrics.check_editable(teacher, copy)


def test_a_rubric_in_use_is_not_deleted(homework: Homework) -> None:
    teacher = homework.north.homeroom_a
    rubric = rubrics.create_essay_rubric(teacher)
    homework.assignment.rubric = rubric
    homework.assignment.save()
    with pytest.raises(ValidationError, match="uses this rubric"):
        rubrics.delete_rubric(teacher, rubric)
    assert Rubric.objects.filter(pk=rubric.pk).exists()
    homework.assignment.rubric = None
    homework.assignment.save()
    rubrics.delete_rubric(teacher, rubric)
    assert not Rubric.objects.exists() and not RubricLevel.objects.exists()


def test_nobody_else_touches_a_teachers_rubric(courses) -> None:
    north = courses.city.north
    rubric = rubrics.create_essay_rubric(north.homeroom_a)
    for other in (north.subject_teacher, north.student_a1):
        with pytest.raises(PermissionDenied):
            rubrics.check_editable(other, rubric)
        with pytest.raises(PermissionDenied):
            rubrics.copy_rubric(other, rubric)
        with pytest.raises(PermissionDenied):
            rubrics.delete_rubric(other, rubric)
    assert Rubric.objects.count() == 1


# --- Pages ---------------------------------------------------------------------------------


def test_teacher_makes_the_essay_rubric_from_the_page(client: Client, courses) -> None:
    teacher = courses.city.north.homeroom_a
    client.force_login(teacher)
    assert client.get(url("rubrics")).status_code == 200
    response = client.post(url("rubrics"))
    rubric = Rubric.objects.get()
    assert response.status_code == 302 and response.url == url("rubric_edit", rubric.pk)
    page = client.get(url("rubrics")).content.decode()
    assert rubric.title in page and "100" in page


def test_building_a_rubric_with_criteria_and_levels(client: Client, courses) -> None:
    client.force_login(courses.city.north.homeroom_a)
    response = client.post(url("rubric_create"), {"title": "발표 평가", "description": ""})
    rubric = Rubric.objects.get()
    assert response.url == url("rubric_edit", rubric.pk)
    response = client.post(
        url("rubric_edit", rubric.pk),
        {"action": "criterion", "criterion-title": "목소리", "criterion-description": ""},
    )
    criterion = rubric.criteria.get()
    assert response.url == url("rubric_criterion", rubric.pk, criterion.pk)
    levels = {
        "criterion-title": "목소리 크기",
        "criterion-description": "",
        "levels-TOTAL_FORMS": "3",
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "1",
        "levels-MAX_NUM_FORMS": "1000",
        "levels-0-title": "잘함",
        "levels-0-points": "10",
        "levels-1-title": "보통",
        "levels-1-points": "5",
        "levels-2-title": "",
        "levels-2-points": "",
    }
    bad = client.post(
        url("rubric_criterion", rubric.pk, criterion.pk), levels | {"levels-1-points": "-1"}
    )
    assert bad.status_code == 200 and not RubricLevel.objects.exists()
    response = client.post(url("rubric_criterion", rubric.pk, criterion.pk), levels)
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.title == "목소리 크기"
    assert sorted(criterion.levels.values_list("points", flat=True)) == [5, 10]
    assert assignments.rubric_max(rubric) == Decimal(10)
    none_left = {
        "criterion-title": "목소리 크기",
        "levels-TOTAL_FORMS": "0",
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "1",
        "levels-MAX_NUM_FORMS": "1000",
    }
    refused = client.post(url("rubric_criterion", rubric.pk, criterion.pk), none_left)
    assert refused.status_code == 200 and criterion.levels.count() == 2


def test_rubric_pages_refuse_others(client: Client, courses) -> None:
    north = courses.city.north
    rubric = rubrics.create_essay_rubric(north.homeroom_a)
    criterion = rubric.criteria.first()
    client.force_login(north.subject_teacher)
    for name, args in [
        ("rubric_edit", (rubric.pk,)),
        ("rubric_criterion", (rubric.pk, criterion.pk)),
    ]:
        assert client.get(url(name, *args)).status_code == 404
    assert client.post(url("rubric_edit", rubric.pk), {"rubric-title": "x"}).status_code == 404
    assert client.post(url("rubric_copy", rubric.pk)).status_code == 404
    assert client.post(url("rubric_delete", rubric.pk)).status_code == 404
    client.force_login(north.student_a1)
    assert client.get(url("rubrics")).status_code == 403
    assert client.post(url("rubrics")).status_code == 403
    assert client.get(url("rubric_create")).status_code == 403
    assert Rubric.objects.count() == 1
    rubric.refresh_from_db()
    assert rubric.title != "x"


def test_locked_rubric_pages_change_nothing(client: Client, homework: Homework) -> None:
    north = homework.north
    teacher = north.homeroom_a
    rubric = rubrics.create_essay_rubric(teacher)
    homework.assignment.rubric = rubric
    homework.assignment.save()
    assignments.submit(north.student_a1, homework.assignment, text="답")
    picks = [
        assignments.RubricPick(c.pk, c.levels.all()[0].pk)
        for c in rubric.criteria.prefetch_related("levels")
    ]
    assignments.grade(teacher, homework.assignment.submissions.get(), picks=picks)
    client.force_login(teacher)
    criterion = rubric.criteria.first()
    client.post(url("rubric_edit", rubric.pk), {"rubric-title": "바꿈"})
    client.post(url("rubric_criterion", rubric.pk, criterion.pk), {"delete": "1"})
    response = client.post(url("rubric_delete", rubric.pk), follow=True)
    assert "uses this rubric" in response.content.decode()
    rubric.refresh_from_db()
    assert rubric.title != "바꿈" and rubric.criteria.count() == 4
    response = client.post(url("rubric_copy", rubric.pk))
    assert Rubric.objects.count() == 2
    assert "Copy" in client.get(url("rubric_edit", rubric.pk)).content.decode()
