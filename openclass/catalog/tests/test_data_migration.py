"""What migration 0002 loads: the seed's ten cross-curricular areas, the creative activity areas,
subjects, parent-education topics and audience tags; and that it can run twice and be undone."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.validators import validate_slug

from openclass.catalog.models import AudienceTag, ContentElement, Topic

pytestmark = pytest.mark.django_db

load_topics = importlib.import_module("openclass.catalog.migrations.0002_load_topics")

# The seed's table "[범교과학습 목록 및 2020년 시수 감축 내용]", copied verbatim from
# the seed document (서울특별시교육청교육연구정보원, 「원격수업 지원 통합 플랫폼 구축 추진」,
# 2020. 7. 17.) with its title and source line: tab-separated; a row without 구분 belongs to the
# group above it.
SEED_EXCERPT = Path(__file__).parent / "data" / "cross_curricular_table.txt"
SEED_TITLE = "[범교과학습 목록 및 2020년 시수 감축 내용]"
SEED_HEADER = "구분\t주제\t관련 내용요소"


def seed_table() -> str:
    """The excerpt's table: its header row and the rows up to the blank line that ends it."""
    text = SEED_EXCERPT.read_text(encoding="utf-8")
    start = text.index(SEED_HEADER)
    return text[start : text.index("\n\n", start) + 1]


GROUPS = {"개인": "individual", "시민 사회": "civil_society", "국가 공동체": "national_community"}


def split_elements(cell: str) -> list[str]:
    """The migration's rule: split at commas outside brackets; "·" never splits."""
    return [part.strip() for part in re.split(r",\s*(?![^()]*\))", cell)]


def parse_table(text: str) -> list[tuple[str, str, list[str]]]:
    rows, group = [], ""
    for line in text.splitlines()[1:]:
        section, topic, cell = line.split("\t")
        group = section or group
        rows.append((GROUPS[group], topic, split_elements(cell)))
    return rows


def loaded_cross_curricular() -> list[tuple[str, str, list[str]]]:
    topics = Topic.objects.filter(kind=Topic.Kind.CROSS_CURRICULAR).order_by("position")
    return [
        (topic.group, topic.name_ko, [element.name_ko for element in topic.elements.all()])
        for topic in topics.prefetch_related("elements")
    ]


def test_the_seed_excerpt_holds_the_whole_table() -> None:
    """The copy is the whole table as the seed prints it: title, header, ten rows, source."""
    lines = SEED_EXCERPT.read_text(encoding="utf-8").splitlines()
    assert lines[0] == SEED_TITLE
    table = seed_table().splitlines()
    assert table[0] == SEED_HEADER
    assert len(table) == 11
    assert all(line.count("\t") == 2 for line in table)
    assert lines[-1].startswith("[출처: ")


def test_ten_cross_curricular_areas_in_the_seeds_order_with_all_elements() -> None:
    expected = parse_table(seed_table())
    assert len(expected) == 10
    assert loaded_cross_curricular() == expected


def test_cross_curricular_spot_checks() -> None:
    def elements(code: str) -> list[str]:
        return list(
            ContentElement.objects.filter(topic__code=code)
            .order_by("position")
            .values_list("name_ko", flat=True)
        )

    assert Topic.objects.get(code="safety-health").group == Topic.Group.INDIVIDUAL
    assert elements("safety-health") == ["안전·재난대비", "보건·성교육", "영양·식생활"]
    assert Topic.objects.get(code="human-rights").group == Topic.Group.CIVIL_SOCIETY
    assert elements("human-rights") == [
        "인간의 존엄성과 인권존중(아동, 청소년, 장애인, 양성평등, 노동인권 등)",
        "폭력예방",
    ]
    assert Topic.objects.get(code="dokdo").group == Topic.Group.NATIONAL_COMMUNITY
    assert elements("dokdo") == ["국토 이해", "독도 사랑"]
    assert elements("economy-finance") == [
        "소비자의 책임과 권리",
        "창업(기업가)정신",
        "복지와 세금·금융생활의 이해·지적 재산권",
    ]
    assert elements("environment-sustainability") == [
        "저출산·고령화 사회 대비 교육",
        "물보호·에너지",
        "해양교육",
        "농업·농촌 이해 교육",
    ]
    assert elements("unification")[1] == "국가정체성 이해(한국문화사 교육)"
    assert list(
        Topic.objects.filter(kind=Topic.Kind.CROSS_CURRICULAR)
        .order_by("position")
        .values_list("code", flat=True)
    ) == [
        "safety-health",
        "character",
        "career",
        "democratic-citizenship",
        "human-rights",
        "multicultural",
        "unification",
        "dokdo",
        "economy-finance",
        "environment-sustainability",
    ]


def test_four_creative_experiential_areas() -> None:
    creative = Topic.objects.filter(kind=Topic.Kind.CREATIVE_EXPERIENTIAL).order_by("position")
    assert [topic.name_ko for topic in creative] == [
        "자율활동",
        "동아리활동",
        "봉사활동",
        "진로활동",
    ]
    assert all(topic.group == "" for topic in creative)
    assert all(topic.elements.exists() for topic in creative)


def test_subjects_and_parent_education() -> None:
    subjects = Topic.objects.filter(kind=Topic.Kind.SUBJECT).order_by("position")
    assert [topic.name_ko for topic in subjects] == [
        "국어",
        "수학",
        "사회",
        "과학",
        "영어",
        "도덕",
        "체육",
        "음악",
        "미술",
        "실과/기술·가정",
        "정보",
    ]
    parent = set(
        Topic.objects.filter(kind=Topic.Kind.PARENT_EDUCATION).values_list("name_ko", flat=True)
    )
    assert {"자녀 이해와 소통", "학부모 진로 교육", "디지털 시민성", "학교 교육과정 이해"} <= parent
    assert not Topic.objects.exclude(kind=Topic.Kind.CROSS_CURRICULAR).exclude(group="").exists()


def test_four_audience_tags() -> None:
    assert list(AudienceTag.objects.values_list("code", "name_ko")) == [
        ("student", "학생"),
        ("parent", "학부모"),
        ("health_impaired", "건강장애 학생"),
        ("multicultural", "다문화 가정"),
    ]


def test_every_row_has_an_english_name_and_a_valid_unique_code() -> None:
    for model in (Topic, ContentElement, AudienceTag):
        rows = list(model.objects.values_list("code", "name_en"))
        codes = [code for code, _ in rows]
        assert len(codes) == len(set(codes)), model
        for code, name_en in rows:
            validate_slug(code)
            assert name_en, code
    # Codes are also unique across topics and elements, so either can be named by code alone.
    topic_codes = set(Topic.objects.values_list("code", flat=True))
    assert not topic_codes & set(ContentElement.objects.values_list("code", flat=True))


def test_running_twice_changes_nothing_and_repairs_edits() -> None:
    before = {
        model: sorted(model.objects.values_list("code", "name_ko", "name_en", "position"))
        for model in (Topic, ContentElement, AudienceTag)
    }
    Topic.objects.filter(code="dokdo").update(name_en="Changed")
    load_topics.load(apps, None)
    after = {
        model: sorted(model.objects.values_list("code", "name_ko", "name_en", "position"))
        for model in (Topic, ContentElement, AudienceTag)
    }
    assert after == before


def test_reverse_removes_exactly_what_it_loaded() -> None:
    mine = Topic.objects.create(
        kind=Topic.Kind.SUBJECT, code="subject-korean-history", name_ko="한국사", position=999
    )
    load_topics.unload(apps, None)
    assert list(Topic.objects.all()) == [mine]
    assert not ContentElement.objects.exists()
    assert not AudienceTag.objects.exists()
    load_topics.load(apps, None)
    assert Topic.objects.filter(kind=Topic.Kind.CROSS_CURRICULAR).count() == 10
    assert AudienceTag.objects.count() == 4
