"""Names in the active language, and the group rule of a topic."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import translation

from openclass.catalog.models import AudienceTag, ContentElement, Topic

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "topic", "element", "tag"),
    [
        ("ko", "독도 교육", "독도 사랑", "다문화 가정"),
        ("en", "Dokdo education", "Caring for Dokdo", "Multicultural families"),
        ("en-us", "Dokdo education", "Caring for Dokdo", "Multicultural families"),
        ("ja", "독도 교육", "독도 사랑", "다문화 가정"),
    ],
)
def test_name_follows_the_active_language(
    language: str, topic: str, element: str, tag: str
) -> None:
    dokdo = Topic.objects.get(code="dokdo")
    love = ContentElement.objects.get(code="dokdo-love")
    multicultural = AudienceTag.objects.get(code="multicultural")
    with translation.override(language):
        assert (dokdo.name, str(dokdo)) == (topic, topic)
        assert (love.name, str(love)) == (element, element)
        assert (multicultural.name, str(multicultural)) == (tag, tag)


def test_korean_when_no_language_is_active() -> None:
    dokdo = Topic.objects.get(code="dokdo")
    with translation.override(None):
        assert dokdo.name == "독도 교육"


def test_english_falls_back_to_korean_when_missing() -> None:
    topic = Topic.objects.create(
        kind=Topic.Kind.SUBJECT, code="subject-korean-history", name_ko="한국사"
    )
    with translation.override("en"):
        assert topic.name == "한국사"


def test_only_cross_curricular_areas_have_a_group() -> None:
    with pytest.raises(ValidationError) as missing:
        Topic(kind=Topic.Kind.CROSS_CURRICULAR, code="x", name_ko="가").full_clean()
    assert "group" in missing.value.message_dict
    with pytest.raises(ValidationError) as extra:
        Topic(
            kind=Topic.Kind.SUBJECT, group=Topic.Group.INDIVIDUAL, code="y", name_ko="나"
        ).full_clean()
    assert "group" in extra.value.message_dict
    Topic(kind=Topic.Kind.SUBJECT, code="subject-z", name_ko="다").full_clean()


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Topic, {"kind": Topic.Kind.SUBJECT, "name_ko": "중복"}),
        (AudienceTag, {"name_ko": "중복"}),
    ],
)
def test_codes_are_unique(model, fields) -> None:
    code = model.objects.first().code
    with pytest.raises(IntegrityError):
        model.objects.create(code=code, **fields)


def test_element_codes_are_unique() -> None:
    with pytest.raises(IntegrityError):
        ContentElement.objects.create(
            topic=Topic.objects.get(code="dokdo"), code="dokdo-love", name_ko="중복"
        )
