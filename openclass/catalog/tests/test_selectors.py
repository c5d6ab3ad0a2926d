"""The catalog page's structure and the form select, and what they cost in queries."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation

from openclass.catalog import selectors
from openclass.catalog.models import ContentElement, Topic

pytestmark = pytest.mark.django_db

KINDS = ["cross_curricular", "creative_experiential", "subject", "parent_education"]


def test_topics_by_kind_is_ordered_kind_group_topic_element(django_assert_num_queries) -> None:
    with django_assert_num_queries(2):
        sections = selectors.list_topics_by_kind()
        # Touching every element must not query again: they are prefetched.
        names = [
            [element.name_ko for element in topic.elements.all()]
            for section in sections
            for topic in section.topics
        ]
    assert [section.kind for section in sections] == KINDS
    assert len(names) == Topic.objects.count()

    cross = sections[0]
    assert [group.group for group in cross.groups] == [
        "individual",
        "civil_society",
        "national_community",
    ]
    assert [[topic.code for topic in group.topics] for group in cross.groups] == [
        ["safety-health", "character", "career"],
        ["democratic-citizenship", "human-rights", "multicultural"],
        ["unification", "dokdo", "economy-finance", "environment-sustainability"],
    ]
    safety = cross.groups[0].topics[0]
    assert [element.name_ko for element in safety.elements.all()] == [
        "안전·재난대비",
        "보건·성교육",
        "영양·식생활",
    ]

    creative = sections[1]
    assert [(group.group, group.label) for group in creative.groups] == [("", "")]
    assert [topic.name_ko for topic in creative.topics] == [
        "자율활동",
        "동아리활동",
        "봉사활동",
        "진로활동",
    ]


def test_topics_by_kind_query_count_does_not_grow_with_the_catalog(
    django_assert_num_queries,
) -> None:
    for index in range(5):
        topic = Topic.objects.create(
            kind=Topic.Kind.SUBJECT, code=f"subject-extra-{index}", name_ko=f"과목 {index}"
        )
        ContentElement.objects.create(topic=topic, code=f"extra-{index}", name_ko="요소")
    with django_assert_num_queries(2):
        sections = selectors.list_topics_by_kind()
        for section in sections:
            for topic in section.topics:
                list(topic.elements.all())


def test_topics_by_kind_follows_positions_and_the_kinds_asked_for() -> None:
    Topic.objects.filter(code="subject-informatics").update(position=1)
    sections = selectors.list_topics_by_kind(kinds=["subject", "cross_curricular"])
    assert [section.kind for section in sections] == ["cross_curricular", "subject"]
    assert sections[1].topics[0].code == "subject-informatics"


def test_topics_by_kind_leaves_out_empty_kinds() -> None:
    Topic.objects.filter(kind=Topic.Kind.PARENT_EDUCATION).delete()
    assert "parent_education" not in [section.kind for section in selectors.list_topics_by_kind()]


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="nonsense"):
        selectors.list_topics_by_kind(kinds=["nonsense"])


def test_labels_follow_the_active_language() -> None:
    with translation.override("en"):
        sections = selectors.list_topics_by_kind(kinds=["cross_curricular"])
        assert sections[0].label == "Cross-curricular learning"
        assert sections[0].groups[2].label == "National community"
        assert sections[0].groups[0].topics[0].name == "Safety and health education"


def test_topic_choices_are_optgroups_by_kind(django_assert_num_queries) -> None:
    with django_assert_num_queries(1), translation.override("ko"):
        choices = selectors.list_topic_choices()
    with translation.override("en"):
        labels = [str(label) for label, _ in selectors.list_topic_choices()]
    assert labels == [
        "Cross-curricular learning",
        "Creative experiential activities",
        "Subject",
        "Parent education",
    ]
    cross = choices[0][1]
    dokdo = Topic.objects.get(code="dokdo")
    assert len(cross) == 10
    assert cross[7] == (dokdo.pk, "독도 교육")
    assert sum(len(options) for _, options in choices) == Topic.objects.count()


def test_topic_choices_in_english_and_filtered() -> None:
    with translation.override("en"):
        choices = selectors.list_topic_choices(kinds=["creative_experiential"])
    assert len(choices) == 1
    assert [name for _, name in choices[0][1]] == [
        "Autonomous activities",
        "Club activities",
        "Volunteer activities",
        "Career activities",
    ]


def test_topic_choices_work_as_a_callable_in_a_form() -> None:
    class CourseForm(forms.Form):
        topic = forms.TypedChoiceField(choices=selectors.list_topic_choices, coerce=int)

    dokdo = Topic.objects.get(code="dokdo")
    form = CourseForm(data={"topic": str(dokdo.pk)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["topic"] == dokdo.pk
    assert "<optgroup" in str(form["topic"])
