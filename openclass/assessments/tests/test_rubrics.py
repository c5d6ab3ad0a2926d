"""Rubrics: the 사이버논술 starting rubric, editing criteria and levels, locking once used for
grades, copying, deleting only when unused, and who may touch whose rubric."""

from __future__ import annotations

import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from openclass.assessments.models import Rubric, RubricCriterion, RubricLevel
from openclass.assessments.services import assignments, rubrics
from openclass.assessments.tests.fixtures import Homework

migration = importlib.import_module("openclass.assessments.migrations.0003_essay_rubric_korean")


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
    assert Rubric.objects.get(pk=rubric.pk).title == title == "사이버논술 루브릭"
    assert expected == ["논제 이해", "논리적 전개", "근거 활용", "표현"]
    levels = RubricLevel.objects.filter(criterion__rubric=rubric)
    assert set(levels.values_list("title", flat=True)) == {"매우 잘함", "잘함", "보통", "노력 필요"}
    # Every text of the template has its Korean (no English word left).
    texts = [rubric.title, rubric.description]
    for criterion in rubric.criteria.all():
        texts += [criterion.title, criterion.description]
    texts += [text for level in levels for text in (level.title, level.description)]
    assert not [text for text in texts if re.search("[A-Za-z]", text)]


def test_the_migration_turns_english_essay_rubrics_korean_but_keeps_teachers_words(
    courses,
) -> None:
    """assessments 0003: rubrics made from the template while its strings were not in the
    catalogue (stored in English) get the Korean wording where the text is still the
    template's; what the teacher changed stays, and other rubrics are left alone."""
    teacher = courses.city.north.homeroom_a
    made = rubrics.create_essay_rubric(teacher)
    copy = rubrics.copy_rubric(teacher, made)
    edited = made.criteria.get(position=4)
    edited.title = "My own criterion"
    edited.save()
    other = Rubric.objects.create(owner=teacher, title="Lab report", description="Fair")
    other_criterion = RubricCriterion.objects.create(rubric=other, title="Excellent")

    migration.to_korean(django_apps, None)

    made.refresh_from_db()
    copy.refresh_from_db()
    assert made.title == "사이버논술 루브릭"
    assert made.description.startswith("평가 요소 4개")
    assert copy.title == "사이버논술 루브릭 (copy)"
    titles = list(made.criteria.values_list("title", flat=True))
    assert titles == ["논제 이해", "논리적 전개", "근거 활용", "My own criterion"]
    assert list(copy.criteria.values_list("title", flat=True))[:1] == ["논제 이해"]
    assert set(
        RubricLevel.objects.filter(criterion__rubric=made).values_list("title", flat=True)
    ) == {"매우 잘함", "잘함", "보통", "노력 필요"}
    assert RubricLevel.objects.get(
        criterion__rubric=made, points=6, criterion__position=1
    ).description == ("논제를 잘못 이해하거나 다른 내용을 답함.")
    other.refresh_from_db()
    other_criterion.refresh_from_db()
    assert (other.title, other.description, other_criterion.title) == (
        "Lab report",
        "Fair",
        "Excellent",
    )
    # Back again on unapplying.
    migration.to_english(django_apps, None)
    made.refresh_from_db()
    assert made.title == "Online essay (사이버논술) rubric"
    assert made.criteria.get(position=1).title == "Understanding the question"


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
