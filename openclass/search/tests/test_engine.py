"""The engine on whichever database the suite runs on (SQLite FTS5 or PostgreSQL): Korean
morphology, spacing, partial words, typos, ranking, scoping and incremental indexing."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from openclass.core import registry
from openclass.core.registry import SearchSource
from openclass.search import matches, services
from openclass.search.backends import backend
from openclass.search.models import Document

from .fixtures import Notes

pytestmark = pytest.mark.django_db


def titles(results: services.Results) -> list[str]:
    return [hit.document.title for hit in results.hits]


@pytest.fixture
def library(notes):
    notes.add(1, "독도 바로 알기", "독도는 동쪽 끝의 섬입니다. 독도의 역사와 지리를 배웁니다.")
    notes.add(2, "교통안전 수칙", "횡단보도를 건널 때 지켜야 할 약속")
    notes.add(3, "진로진학정보센터 안내", "진로 탐색과 진학 상담")
    notes.add(4, "학부모 상담 주간", "학부모님과 담임 선생님의 상담", audience="parent")
    notes.add(5, "코딩으로 배우는 Python 기초", "파이썬 프로그래밍 입문")
    notes.add(6, "우리 고장의 역사", "옛이야기 속 우리 고장")
    return notes


@pytest.mark.parametrize("query", ["독도", "독도의", "독도를", "독도는", "독도에 대해"])
def test_a_particle_after_a_noun_still_finds_it(city, library, query):
    found = services.search(city.north.student_a1, query)
    assert titles(found)[0] == "독도 바로 알기"


@pytest.mark.parametrize("query", ["안전교육", "교통 안전", "교통안전", "교통안전을"])
def test_a_compound_finds_its_parts_written_apart_and_together(city, library, query):
    assert "교통안전 수칙" in titles(services.search(city.north.student_a1, query))


@pytest.mark.parametrize("query", ["안전교육", "안전 교육", "안전 교육을"])
def test_spacing_variants_find_each_other(city, library, query):
    library.add(7, "학교 안전 교육 안내", "")
    library.add(8, "생활안전교육 자료집", "")
    found = titles(services.search(city.north.student_a1, query))
    assert {"학교 안전 교육 안내", "생활안전교육 자료집"} <= set(found)


def test_every_typed_word_must_match_unless_none_does(city, library):
    # Both words: only the history of 독도, not every 역사 or every 독도.
    assert titles(services.search(city.north.student_a1, "독도 역사")) == ["독도 바로 알기"]
    # One word nothing has: any of them, rather than nothing.
    assert "독도 바로 알기" in titles(services.search(city.north.student_a1, "독도 양자역학"))


def test_a_compound_is_found_by_its_parts_and_whole(city, library):
    for query in ("진로", "진학", "진로진학", "진로 진학"):
        assert titles(services.search(city.north.student_a1, query))[0] == "진로진학정보센터 안내"


def test_a_partial_word_finds_something(city, library):
    assert "독도 바로 알기" in titles(services.search(city.north.student_a1, "독"))
    assert "코딩으로 배우는 Python 기초" in titles(services.search(city.north.student_a1, "코딩"))
    assert "코딩으로 배우는 Python 기초" in titles(services.search(city.north.student_a1, "python"))


def test_a_verb_is_found_in_another_form(city, library):
    assert "코딩으로 배우는 Python 기초" in titles(services.search(city.north.student_a1, "배웠다"))


def test_a_typo_is_corrected_when_nothing_is_found(city, library):
    found = services.search(city.north.student_a1, "둑도")
    assert found.corrected == "독도"
    assert titles(found)[0] == "독도 바로 알기"


def test_nothing_found_says_so(city, library):
    found = services.search(city.north.student_a1, "양자역학")
    assert found.total == 0 and found.hits == [] and found.corrected is None


def test_title_outranks_body(city, notes):
    notes.add(1, "섬 이야기", "독도 독도 독도에 관한 이야기")
    notes.add(2, "독도 탐방", "여름 방학의 여행")
    assert titles(services.search(city.north.student_a1, "독도")) == ["독도 탐방", "섬 이야기"]


def test_whole_terms_outrank_bigrams(city, notes):
    notes.add(1, "도를 닦는 산", "")  # only the bigram 도를 of 독도를
    notes.add(2, "독도 사진전", "")
    assert titles(services.search(city.north.student_a1, "독도를"))[0] == "독도 사진전"


def test_the_role_boost_and_explanation(city, notes):
    notes.add(1, "진로 상담 안내", "", audience="parent")
    notes.add(2, "진로 상담 안내 자료", "", audience="teacher")
    parent = services.search(city.north.parent_a1, "진로 상담", explain=True)
    teacher = services.search(city.north.homeroom_a, "진로 상담", explain=True)
    assert titles(parent)[0] == "진로 상담 안내"
    assert titles(teacher)[0] == "진로 상담 안내 자료"
    why = teacher.hits[0].explanation
    assert why["terms"] == ["진로", "상담"] and why["in_title"] == ["진로", "상담"]
    assert "role (audience:teacher)" in why["parts"]


def test_a_hidden_document_is_neither_found_nor_counted(city, library):
    student = city.north.student_a1
    library.hidden_from[1] = {student.pk}
    mine = services.search(student, "독도")
    theirs = services.search(city.north.student_b1, "독도")
    assert "독도 바로 알기" not in titles(mine)
    assert mine.total == 0 and mine.facets == {}
    assert theirs.total == 1 and theirs.facets["kind"] == [("note", 1)]
    assert all(s.text != "독도 바로 알기" for s in services.suggest(student, "독"))


def test_a_source_may_let_someone_open_none_of_it(city, library):
    student = city.north.student_a1
    library.hidden_from.update({key: {student.pk} for key in library.documents})
    found = services.search(student, "독도")
    assert found.total == 0 and found.hits == [] and found.facets == {}
    assert services.suggest(student, "독") == []
    assert services.search(city.north.student_b1, "독도").total == 1


def test_facets_count_and_filter(city, notes):
    notes.add(1, "진로 체험", "", mode="live", grade_band="middle")
    notes.add(2, "진로 설계", "", mode="recorded", grade_band="middle")
    notes.add(3, "진로 특강", "", mode="live", grade_band="high")
    found = services.search(city.north.student_a1, "진로")
    assert dict(found.facets["mode"]) == {"live": 2, "recorded": 1}
    assert dict(found.facets["grade_band"]) == {"middle": 2, "high": 1}
    live = services.search(city.north.student_a1, "진로", filters={"mode": "live"})
    assert sorted(titles(live)) == ["진로 체험", "진로 특강"] and live.total == 2


def test_a_match_is_kept_until_the_index_changes(city, library, monkeypatch):
    """The same words asked again, by anyone, are not matched again until the index is
    written (``matches.Generation``)."""
    engine = type(backend())
    match_now = engine.matched
    asked: list[str] = []
    monkeypatch.setattr(
        engine, "matched", lambda self, match: asked.append("독도") or match_now(self, match)
    )
    services.search(city.north.student_a1, "독도")
    services.search(city.north.student_b1, "독도", filters={"kind": "note"})
    assert len(asked) == 1 and matches.kept.hits == 1
    library.add(9, "독도 탐방 일지", "")
    assert "독도 탐방 일지" in titles(services.search(city.north.student_a1, "독도"))
    assert len(asked) == 2


def test_a_documents_second_score_is_kept_with_the_match(city, library, monkeypatch):
    """The backend rescores (PostgreSQL's BM25) only candidates it has not scored for this
    match; the order and scores are the same as rescoring them all."""
    engine = type(backend())
    rescore_now = engine.rescored
    asked: list[list[int]] = []

    def counted(self, match, candidates):
        asked.append([candidate.document_id for candidate in candidates])
        return rescore_now(self, match, candidates)

    monkeypatch.setattr(engine, "rescored", counted)
    hidden, seeing = city.north.student_a1, city.north.student_b1
    library.add(8, "울릉도와 독도", "")
    library.hidden_from[8] = {hidden.pk}
    first = services.search(hidden, "독도")
    assert first.total == 1 and len(asked) == 1 and len(asked[0]) == 1
    both = services.search(seeing, "독도")
    assert both.total == 2 and len(asked) == 2 and len(asked[1]) == 1  # only the one not scored
    again = services.search(seeing, "독도")
    assert len(asked) == 2
    assert [(h.document.pk, h.score) for h in again.hits] == [
        (h.document.pk, h.score) for h in both.hits
    ]
    found = matches.matched(services._match("독도"))
    candidates = matches.scoped(found, services.scopes.of(seeing), None, 400)
    kept = matches.rescored(found, services._match("독도"), candidates.candidates)
    assert kept == rescore_now(backend(), services._match("독도"), candidates.candidates)


def test_a_source_open_to_everyone_is_counted_from_the_kept_match(city, notes):
    notes.everyone = True
    notes.add(1, "진로 체험", "", mode="live", grade_band="middle")
    notes.add(2, "진로 설계", "", mode="recorded", grade_band="middle")
    notes.add(3, "진로 특강", "", mode="live", grade_band="high")
    for user in (city.north.student_a1, city.south.homeroom_a):
        found = services.search(user, "진로")
        assert found.total == 3 and dict(found.facets["mode"]) == {"live": 2, "recorded": 1}
        live = services.search(user, "진로", filters={"mode": "live", "grade_band": "high"})
        assert titles(live) == ["진로 특강"] and live.total == 1
        assert dict(live.facets["grade_band"]) == {"high": 1}


def test_the_generation_moves_only_when_an_index_write_commits(city, notes):
    before = matches.generation()
    notes.add(1, "봄 소풍", "")
    assert matches.generation() == before + 1
    with pytest.raises(RuntimeError), transaction.atomic():
        notes.add(2, "가을 소풍", "")
        raise RuntimeError
    assert matches.generation() == before + 1
    services.drop("tests.note", [1])
    assert matches.generation() == before + 2


def test_kept_matches_are_bounded_by_the_documents_they_hold():
    kept = matches.Kept(rows=5)
    two = matches.Matched.of([(1, 2.0, "s", "", "", "", "", "", ""), (2, 1.0, "s", *[""] * 6)])
    three = matches.Matched.of([(n, 1.0, "s", *[""] * 6) for n in range(3)])
    kept.put(("a",), two)
    kept.put(("b",), three)
    assert kept.get(("a",)) is two and kept.held == 5
    kept.put(("c",), two)  # over 5: the least recently used ("b") goes
    assert kept.get(("b",)) is None and kept.get(("a",)) is two and kept.held == 4
    kept.put(("d",), matches.Matched.of([(n, 1.0, "s", *[""] * 6) for n in range(6)]))
    assert kept.get(("d",)) is None  # bigger than all it may hold: never kept


def test_snippets_highlight_and_escape(city, notes):
    notes.add(1, "<b>독도</b> 퀴즈", "앞부분 " * 40 + "여기서 독도를 만납니다 <script>")
    hit = services.search(city.north.student_a1, "독도").hits[0]
    assert "<mark>독도</mark>" in hit.snippet and "<script>" not in hit.snippet
    assert "&lt;b&gt;<mark>독도</mark>&lt;/b&gt;" in hit.title
    assert hit.snippet.startswith("…")


def test_incremental_update_and_delete(city, notes):
    notes.add(1, "봄 소풍", "")
    assert titles(services.search(city.north.student_a1, "소풍")) == ["봄 소풍"]
    notes.add(1, "가을 운동회", "")
    assert services.search(city.north.student_a1, "소풍").total == 0
    assert titles(services.search(city.north.student_a1, "운동회")) == ["가을 운동회"]
    del notes.documents[1]
    services.refresh("tests.note", [1])
    assert services.search(city.north.student_a1, "운동회").total == 0
    assert not Document.objects.filter(source="tests.note").exists()


def test_reindex_drops_what_is_gone_and_keeps_the_rest(city, notes):
    notes.add(1, "봄 소풍", "")
    notes.add(2, "여름 캠프", "")
    del notes.documents[1]
    notes.add(3, "겨울 방학", "", index=False)
    counts = services.reindex(["tests.note"])
    assert counts == {"tests.note": 2}
    assert sorted(Document.objects.filter(source="tests.note").values_list("key", flat=True)) == [
        2,
        3,
    ]
    assert titles(services.search(city.north.student_a1, "방학")) == ["겨울 방학"]


def test_suggestions_from_part_of_a_word(city, library):
    suggested = [s.text for s in services.suggest(city.north.student_a1, "독")]
    assert suggested[0] == "독도 바로 알기"
    assert [s.text for s in services.suggest(city.north.student_a1, "진로진")] == [
        "진로진학정보센터 안내"
    ]


def test_suggestions_match_titles_only(city, library):
    student = city.north.student_a1
    assert titles(services.search(student, "옛이야기")) == ["우리 고장의 역사"]
    assert services.suggest(student, "옛이야") == []
    assert [s.text for s in services.suggest(student, "고장")] == ["우리 고장의 역사"]


def test_a_suggestion_is_picked_from_the_best_titles_only(city, notes, monkeypatch):
    notes.add(1, "학교 안전 지도")
    notes.add(2, "학교 도서관 이용 안내 자료 모음")
    notes.hidden_from[1] = {city.north.student_a2.pk}
    student, other = city.north.student_a1, city.north.student_a2
    assert [s.text for s in services.suggest(student, "학교")] == [
        "학교 안전 지도",
        "학교 도서관 이용 안내 자료 모음",
    ]
    monkeypatch.setattr(services, "SUGGESTED_FROM", 1)
    assert [s.text for s in services.suggest(student, "학교")] == ["학교 안전 지도"]
    # The best title is hidden from the other student: nothing of the best one to offer them,
    # and the lower title is theirs once they type more of it.
    assert services.suggest(other, "학교") == []
    assert [s.text for s in services.suggest(other, "학교 도서")] == [
        "학교 도서관 이용 안내 자료 모음"
    ]
    # A search is never cut short.
    assert len(services.search(student, "학교").hits) == 2


def test_a_small_match_is_shared_with_the_other_processes_through_the_cache(
    city, library, monkeypatch, tmp_path, settings
):
    """With a cache outside the process (Redis in the scaled profile; a folder here), a
    process that has not matched a typed beginning takes the match another one put there,
    until the index changes; a match bigger than ``SHARED_ROWS`` is not put there."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    engine = type(backend())
    match_now = engine.matched
    asked: list[str] = []
    monkeypatch.setattr(
        engine, "matched", lambda self, match: asked.append("matched") or match_now(self, match)
    )
    student = city.north.student_a1
    first = [s.text for s in services.suggest(student, "독")]
    assert first and len(asked) == 1
    matches.kept.reset()  # another process: nothing kept of its own
    assert [s.text for s in services.suggest(student, "독")] == first
    assert len(asked) == 1
    library.add(9, "독서 골든벨", "")  # a new generation: the shared match is out of reach
    matches.kept.reset()
    assert "독서 골든벨" in [s.text for s in services.suggest(student, "독")]
    assert len(asked) == 2
    monkeypatch.setattr(matches, "SHARED_ROWS", 0)
    services.suggest(student, "역")
    matches.kept.reset()
    services.suggest(student, "역")
    assert len(asked) == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes")
def test_a_title_match_is_answered_by_the_title_indexes(city, library):
    """The condition is written as the indexes' expression, or the planner cannot use them and
    every suggestion reads the whole table."""
    match = services._match("독", prefix=True, title_only=True)
    condition, params = backend()._condition(match)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        explain = f"EXPLAIN SELECT id FROM search_document WHERE {condition}"  # noqa: S608
        cursor.execute(explain, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "search_document_title_terms" in plan
    assert "search_document_title_grams" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes")
def test_part_of_a_word_inside_a_title_is_suggested_through_the_trigram_index(city, library):
    student = city.north.student_a1
    assert "코딩으로 배우는 Python 기초" in [s.text for s in services.suggest(student, "YTHO")]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Document.objects.filter(title__icontains="ytho").explain()
    assert "search_document_title_upper_trgm" in plan


def test_popular_queries_need_several_askers_and_results(city, library):
    student = city.north.student_a1
    for _ in range(3):
        services.search(student, "독도", log=True)
        services.search(student, "양자역학", log=True)
    services.search(student, "교통안전", log=True)
    assert services.popular_queries("elementary") == ["독도"]
    assert services.popular_queries("middle") == []
    assert [s.text for s in services.suggest(student, "독") if s.kind == "query"] == ["독도"]
    gaps = services.unanswered_queries()
    assert [(gap["text"], gap["count"]) for gap in gaps] == [("양자역학", 3)]


def test_popular_searches_are_counted_once_a_minute(city, library, monkeypatch):
    student = city.north.student_a1
    for _ in range(3):
        services.search(student, "독도", log=True)
    assert services.popular_queries("elementary") == ["독도"]
    for _ in range(4):
        services.search(student, "교통안전", log=True)
    assert services.popular_queries("elementary") == ["독도"]
    later = services.popular.clock() + services.popular.seconds + 1
    monkeypatch.setattr(services.popular, "clock", lambda: later)
    assert services.popular_queries("elementary") == ["교통안전", "독도"]
    assert services.popular_queries("elementary", starting="교통") == ["교통안전"]


def test_the_reindex_command(city, notes):
    from io import StringIO

    from django.core.management import CommandError, call_command

    notes.add(1, "봄 소풍", "", index=False)
    out = StringIO()
    call_command("reindex", "tests.note", stdout=out)
    assert "tests.note: 1" in out.getvalue() and "documents in" in out.getvalue()
    assert titles(services.search(city.north.student_a1, "소풍")) == ["봄 소풍"]
    with pytest.raises(CommandError, match="unknown source"):
        call_command("reindex", "no.such", stdout=StringIO())


def test_a_question_asks_for_its_nouns_and_prefers_its_verbs(city, library):
    # 있다 is in no title: the question still finds 독도, by its noun.
    assert (
        titles(services.search(city.north.student_a1, "독도는 어디에 있나요"))[0]
        == "독도 바로 알기"
    )
    # A verb alone is asked for.
    assert "코딩으로 배우는 Python 기초" in titles(services.search(city.north.student_a1, "배우다"))


def test_a_page_is_its_slice_of_the_whole_interleaved_order(city, notes):
    """Only a page's worth of the order is interleaved each time; the pages still join up."""
    lectures = Notes()
    registry.add_search_source(
        SearchSource(
            name="tests.lecture",
            kind="lecture",
            model=None,
            documents=lectures.build,
            visible=lectures.visible,
        )
    )
    try:
        for key in range(1, 10):
            notes.add(key, f"진로 노트 {key}", "진로 " * key)
        for key in range(1, 6):
            lectures.add(key, f"진로 특강 {key}", "진로 " * key, index=False)
        services.refresh("tests.lecture", list(lectures.documents))
        student = city.north.student_a1
        whole = services.search(student, "진로", per_page=14, explain=True)
        assert whole.total == 14 and len(whole.hits) == 14
        scores = [hit.score for hit in whole.hits]
        assert scores == sorted(scores, reverse=True)
        assert {hit.document.kind for hit in whole.hits[:4]} == {"note", "lecture"}
        assert any("variety" in hit.explanation["parts"] for hit in whole.hits[1:])
        for page in (1, 2, 3, 4):
            part = services.search(student, "진로", page=page, per_page=4)
            assert titles(part) == titles(whole)[(page - 1) * 4 : page * 4], page
            assert part.pages == 4
    finally:
        registry.unregister("tests.lecture")
