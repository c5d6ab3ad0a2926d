"""Edu-Navi search over 100,000 documents (issue 17's benchmark): indexing, index size, query and
suggestion latency at 50 a second, and relevance against a judged set, on both databases.

The corpus is the demo city (``demo_data --size full``; whatever the areas register as search
sources is indexed too) topped up with generated courses, lessons, videos and outside entries:
four bench-only search sources (``bench.course`` … ``bench.outside``, registered through
``core.registry`` like the tests' hand-made source) whose documents are Korean texts composed
from school topics' vocabulary, deterministically (document ``n`` is drawn from ``Random(n)``),
with facets, popularity and dates. Among them are the judged documents of
``bench/search_judgements.json`` (keys 1 … J); the generated ones (keys from 1,001) are the
distractors, and each has a main topic the judgements can grade ("every generated document
about 독도 is related").

Inside the throw-away installation's Django (``manage.py shell``), in one process:

1. **Indexing**: ``services.reindex`` of the bench sources (docs/s; Kiwi's model loaded first),
   the areas' own sources after it, then ``services.refresh`` of 1,000 existing documents
   (incremental re-indexing, docs/s).
2. **Index size**: SQLite: ``dbstat`` pages of the FTS5 table's shadow tables and of
   ``search_document`` with its indexes; PostgreSQL: ``pg_total_relation_size`` of
   ``search_document`` (heap, TOAST, the GIN indexes of the words, of the titles' words and
   of the titles' trigrams).
3. **Relevance**: every judged query through ``services.search`` as a signed-in student and as a
   teacher (the demo's hanbit-0175 and hanbit-t01), and through a plain-LIKE baseline (title or
   body ``LIKE '%word%'`` for each word, OR'ed, ordered by how many words matched, then
   popularity), over the same documents the asker may open: nDCG@10 (gain 2^grade − 1) and
   MRR@10 (the rank of the first "exactly it", grade 2), by what the query tests.
4. **Where the time goes**: the load's queries one at a time, each step of ``services.search``
   timed (the match and its scores when not kept, the asker's count, facets and candidates,
   rescoring, did-you-mean, loading and ranking). Each query is new to the process here, so
   its match is not kept yet (``search.matches``); under load it mostly is, and the summary
   prints how often.
5. **Load**: open-loop arrivals every 20 ms (50 a second) for 30 s, each run by a pool of 8
   threads (the request threads of one server process, tuned as a server's is:
   ``core.server.tune_for_serving``; the scaled profile deals the arrivals in turn to two
   forked processes, its two uvicorn workers) calling ``services.search``
   (logged, as the page does), each by one of 1,000 people of the demo city (nine students
   to a teacher) drawn at random, so a person's kept scope (``services.Scopes``) helps only as
   often as the same person asks again; then the same for ``services.suggest``, each person
   typing a query one character at a time. Latency counts from the arrival's due time (a query
   waiting for a thread is late), achieved rate beside the offered one.

Targets: query p95 < 50 ms, suggestion p95 < 30 ms, printed with the ratio to the target and
PASS or MISS. Profiles (``OPENCLASS_BENCH_PROFILE``, as the other benchmarks; both by default,
since the issue asks for both databases): ``embedded`` (SQLite, WAL) and ``scaled`` (a
throw-away PostgreSQL through ``scripts/with_postgres.sh`` and a throw-away Redis as its cache;
no server is started: searches run in-process). ``python -m bench.search --docs 2000 --seconds
5`` (or ``--quick``) is a smoke run; ``OPENCLASS_BENCH_DOCS`` sets the size under ``make
bench``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bench import PYTHON, ROOT, demo_site, percentile

DOCS = 100_000
SECONDS = 30.0
RATE = 50.0
THREADS = 8
#: Server processes of the scaled profile's load (its two uvicorn workers, as in bench.storm);
#: the embedded profile serves from one.
SCALED_WORKERS = 2
TARGET_QUERY_P95, TARGET_SUGGEST_P95 = 0.050, 0.030
PROFILES = ("embedded", "scaled")
JUDGEMENTS = Path(__file__).resolve().parent / "search_judgements.json"
FIRST_GENERATED = 1001
REFRESHED = 1000
STUDENT, TEACHER = "hanbit-0175", "hanbit-t01"
#: How many different people search under load.
ASKERS = 1000
KINDS = ("course", "lesson", "video", "outside")

# --- The generated corpus ----------------------------------------------------------------------

#: (main topic, area facet, how often it is a main topic, title words, body words)
TOPICS: tuple[tuple[str, str, int, tuple[str, ...], tuple[str, ...]], ...] = (
    ("독도", "역사", 3, ("독도", "우리 땅 독도"), ("울릉도", "동해", "영토", "섬", "괭이갈매기")),
    (
        "안전 교육",
        "안전",
        8,
        ("안전 교육", "생활 안전", "재난 안전"),
        ("화재", "지진", "대피", "응급처치", "안전 수칙"),
    ),
    (
        "교통안전",
        "안전",
        4,
        ("교통안전", "보행 안전"),
        ("횡단보도", "신호등", "자전거", "통학 버스", "안전띠"),
    ),
    (
        "진로",
        "진로",
        8,
        ("진로", "진로 탐색", "진로진학", "꿈 찾기"),
        ("직업", "적성", "흥미", "학과", "진학", "미래"),
    ),
    ("코딩", "정보", 6, ("코딩", "프로그래밍", "파이썬"), ("변수", "반복문", "함수", "스크래치")),
    ("인공지능", "정보", 5, ("인공지능", "AI"), ("데이터", "머신러닝", "챗봇", "알고리즘")),
    (
        "환경",
        "환경",
        5,
        ("환경", "환경 보호", "생태"),
        ("재활용", "쓰레기", "하천", "숲", "에너지"),
    ),
    ("기후 변화", "환경", 4, ("기후 변화", "기후 위기"), ("탄소", "온실가스", "빙하", "폭염")),
    ("민주 시민", "시민", 4, ("민주 시민", "시민 교육"), ("선거", "인권", "규칙", "학급 회의")),
    ("다문화", "시민", 3, ("다문화", "세계 시민"), ("문화", "언어", "존중", "여러 나라")),
    ("성교육", "보건", 3, ("성교육", "성평등"), ("몸", "경계", "사춘기", "존중")),
    ("독서", "국어", 6, ("독서", "책 읽기", "함께 읽기"), ("책", "도서관", "독후 활동", "작가")),
    ("논술", "국어", 4, ("논술", "글쓰기", "토론"), ("주장", "근거", "논리", "첨삭")),
    (
        "수학",
        "수학",
        10,
        ("수학", "수학 개념", "문제 해결"),
        ("분수", "방정식", "도형", "함수", "확률"),
    ),
    (
        "과학 실험",
        "과학",
        7,
        ("과학 실험", "탐구 실험", "과학 탐구"),
        ("관찰", "측정", "가설", "화학 반응", "전기"),
    ),
    (
        "한국사",
        "역사",
        6,
        ("한국사", "우리 역사"),
        ("조선", "고려", "삼국 시대", "문화유산", "독립운동"),
    ),
    ("영어", "외국어", 7, ("영어", "영어 회화", "English"), ("단어", "문장", "듣기", "발음")),
    ("학부모 교육", "학부모", 3, ("학부모 교육", "부모 교육"), ("자녀", "대화", "양육", "가정")),
    (
        "미디어 리터러시",
        "정보",
        2,
        ("미디어 리터러시", "뉴스 읽기"),
        ("뉴스", "출처", "광고", "영상"),
    ),
    (
        "학교 폭력 예방",
        "생활",
        3,
        ("학교 폭력 예방", "친구 관계"),
        ("갈등", "따돌림", "신고", "공감"),
    ),
    ("메이커", "정보", 2, ("메이커", "만들기 교실"), ("설계", "센서", "모터", "공작")),
    ("경제 교육", "사회", 2, ("경제 교육", "금융 이해"), ("소비", "저축", "시장", "돈")),
    ("마음 건강", "보건", 3, ("마음 건강", "정서 교육"), ("감정", "휴식", "상담", "회복")),
    ("우주", "과학", 2, ("우주", "천체 관측"), ("태양계", "별자리", "망원경", "달")),
    ("정보 보호", "정보", 2, ("정보 보호", "개인정보"), ("비밀번호", "해킹", "보안", "인터넷")),
    ("지리", "사회", 3, ("지리", "우리 국토"), ("지도", "산맥", "강", "도시", "인구")),
    ("체육", "체육", 5, ("체육", "운동"), ("달리기", "줄넘기", "축구", "체력")),
    ("음악", "예술", 4, ("음악", "합창"), ("리듬", "악기", "가락", "국악")),
    ("미술", "예술", 4, ("미술", "그리기"), ("색", "판화", "조소", "작품")),
    ("세계사", "역사", 2, ("세계사", "세계의 역사"), ("문명", "제국", "혁명", "교류")),
    ("학습법", "생활", 3, ("학습법", "공부 습관"), ("계획", "복습", "집중", "시험")),
    ("건강", "보건", 3, ("건강", "건강한 생활"), ("영양", "수면", "손 씻기", "비만")),
    ("봉사 활동", "창의적 체험", 2, ("봉사 활동", "나눔"), ("이웃", "기부", "실천", "마을")),
    ("국어 문법", "국어", 3, ("국어 문법", "맞춤법"), ("품사", "띄어쓰기", "문장 성분", "한글")),
    ("생명 과학", "과학", 3, ("생명 과학", "생물"), ("세포", "유전", "생태계", "식물")),
)
COURSE_WORDS = ("바로 알기", "기초", "심화", "탐구", "교실", "첫걸음", "프로젝트", "완성", "캠프")
LESSON_WORDS = ("개념 정리", "활동", "실습", "토의", "퀴즈", "정리와 평가", "생각 넓히기")
VIDEO_WORDS = ("한눈에 보기", "5분 정리", "강의", "이야기", "실험 영상", "브이로그")
OUTSIDE_WORDS = ("공개 강의", "자료실", "활동지", "온라인 강좌", "학습 자료")
SITES = ("KOCW", "꿀박사", "사이버논술", "독서종합지원시스템", "진로진학정보센터", "학부모지원센터")
QUALIFIERS = (
    "",
    "",
    "",
    "재미있는",
    "함께하는",
    "우리 반",
    "여름방학",
    "알기 쉬운",
    "생각을 키우는",
)
GRADES = ("elementary", "middle", "high", "")
GRADE_WORDS = {"elementary": "초등", "middle": "중학", "high": "고등", "": "누구나"}
ACTIVITIES = ("조사합니다", "발표합니다", "체험합니다", "토론합니다", "기록합니다", "만들어 봅니다")


def _batchim(word: str) -> bool:
    last = word[-1]
    return "가" <= last <= "힣" and (ord(last) - 0xAC00) % 28 != 0


def josa(word: str, pair: str) -> str:
    """The word with the particle its last syllable takes: 을/를, 와/과, 은/는, 이/가."""
    with_final, without = pair.split("/")
    return word + (with_final if _batchim(word) else without)


def kind_of(key: int) -> str:
    """The kind of the generated document ``key``: 30 % courses, 40 % lessons, 20 % videos,
    10 % outside entries (spread evenly over the keys)."""
    slot = (key * 2654435761 >> 7) % 10
    return "course" if slot < 3 else "lesson" if slot < 7 else "video" if slot < 9 else "outside"


_WEIGHTED = [topic for topic in TOPICS for _ in range(topic[2])]


def topic_of(key: int) -> str:
    return random.Random(key).choice(_WEIGHTED)[0]


def generated(key: int, now: Any) -> Any:
    """The generated document ``key`` (a ``SearchDocument``), the same every time."""
    from datetime import timedelta

    from openclass.core.registry import SearchDocument

    rng = random.Random(key)
    topic, area, _weight, titles, words = rng.choice(_WEIGHTED)
    kind = kind_of(key)
    other = rng.choice(TOPICS)
    name = rng.choice(titles)
    grade = rng.choice(GRADES)
    qualifier = rng.choice(QUALIFIERS)
    w1, w2, w3 = rng.sample(words, 3)
    if kind == "course":
        title = f"{qualifier} {GRADE_WORDS[grade] if rng.random() < 0.4 else ''} {name} "
        title += rng.choice(COURSE_WORDS)
    elif kind == "lesson":
        title = (
            f"{name} {rng.randint(1, 12)}차시: {josa(w1, '와/과')} {w2} {rng.choice(LESSON_WORDS)}"
        )
    elif kind == "video":
        title = f"[영상] {qualifier} {name} {rng.choice(VIDEO_WORDS)}"
    else:
        title = f"{name} {rng.choice(OUTSIDE_WORDS)}"
    sentences = [
        f"이 {'강좌' if kind == 'course' else '수업'}에서는 {josa(w1, '와/과')} {w2}에 대해 "
        "배웁니다.",
        f"{GRADE_WORDS[grade]} 학생들이 {josa(w2, '을/를')} 직접 {rng.choice(ACTIVITIES)}.",
        f"{w3}의 의미를 생각하고 {name} 활동과 연결해 봅니다.",
    ]
    if rng.random() < 0.5:
        sentences.append(f"모둠별로 {w1} 자료를 찾아 {rng.choice(ACTIVITIES)}.")
    if rng.random() < 0.3:
        sentences.append(
            f"마지막으로 {josa(rng.choice(other[3]), '와/과')} 관련된 질문을 나눕니다."
        )
    rng.shuffle(sentences)
    audience = rng.choices(("student", "teacher", "parent", ""), (70, 15, 10, 5))[0]
    mode = {"video": "recorded", "outside": ""}.get(
        kind, rng.choices(("live", "recorded", ""), (10, 60, 30))[0]
    )
    return SearchDocument(
        key=key,
        title=" ".join(title.split()),
        url=f"/bench/{kind}/{key}/",
        body=" ".join(sentences),
        tags=(topic, rng.choice(words)),
        area=area,
        grade_band=grade,
        audience=audience,
        site=rng.choice(SITES) if kind == "outside" else "",
        mode=mode,
        popularity=min(int(10 * rng.paretovariate(1.16)), 5000),
        published_at=now - timedelta(days=rng.randint(0, 1100), minutes=rng.randint(0, 1440)),
    )


def judgements() -> dict[str, Any]:
    return json.loads(JUDGEMENTS.read_text())


class Corpus:
    """The documents of the four bench sources: the judged ones (keys 1 … J) and the generated
    ones (keys ``FIRST_GENERATED`` …) up to ``size`` in all."""

    def __init__(self, size: int) -> None:
        from django.utils import timezone

        self.now = timezone.now()
        self.judged = judgements()["documents"]
        self.generated = range(FIRST_GENERATED, FIRST_GENERATED + max(size - len(self.judged), 0))

    def judged_document(self, key: int) -> Any:
        from datetime import timedelta

        from openclass.core.registry import SearchDocument

        entry = self.judged[key - 1]
        return SearchDocument(
            key=key,
            title=entry["title"],
            url=f"/bench/{entry['kind']}/{key}/",
            body=entry["body"],
            tags=(entry["topic"],),
            area=next((t[1] for t in TOPICS if t[0] == entry["topic"]), ""),
            grade_band=entry["grade_band"],
            audience=entry["audience"],
            site=entry["site"],
            mode=entry["mode"],
            popularity=entry["popularity"],
            published_at=self.now - timedelta(days=30 + 7 * key % 400),
        )

    def kind(self, key: int) -> str:
        return self.judged[key - 1]["kind"] if key < FIRST_GENERATED else kind_of(key)

    def documents(self, kind: str, keys: Iterable[int] | None) -> Iterator[Any]:
        if keys is None:
            keys = [*range(1, len(self.judged) + 1), *self.generated]
        for key in keys:
            if key < FIRST_GENERATED and 1 <= key <= len(self.judged):
                if self.judged[key - 1]["kind"] == kind:
                    yield self.judged_document(key)
            elif key in self.generated and kind_of(key) == kind:
                yield generated(key, self.now)

    def register(self) -> list[str]:
        from openclass.core import registry
        from openclass.core.registry import SearchSource

        names = []
        for kind in KINDS:
            name = f"bench.{kind}"
            registry.add_search_source(
                SearchSource(
                    name=name,
                    kind=kind,
                    model=None,
                    documents=lambda keys, kind=kind: self.documents(kind, keys),
                    visible=lambda user: None,  # every signed-in user, as the outside catalogs
                    alike=registry.same_for_everyone,
                )
            )
            names.append(name)
        return names


# --- Inside the installation ---------------------------------------------------------------------


def say(text: str = "") -> None:
    print(text, flush=True)


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:,.1f} ms"


def line(name: str, values: list[float], extra: str = "") -> None:
    say(
        f"    {name:<34} p50 {ms(percentile(values, 50)):>9}  p95 {ms(percentile(values, 95)):>9}"
        f"  p99 {ms(percentile(values, 99)):>9}" + (f"   {extra}" if extra else "")
    )


def inside(size: int, seconds: float, output: str, explain: str = "") -> None:
    """The whole measurement, in the installation's Django (``manage.py shell``); the figures
    the summary compares are written to ``output`` (JSON). With ``explain``, only the indexing,
    the size and the plans of that query's statements."""
    from django.db import connection

    from openclass.accounts.models import User
    from openclass.core import registry
    from openclass.core.server import tune_for_serving
    from openclass.search import analysis, matches, services

    figures: dict[str, Any] = {"vendor": connection.vendor}
    corpus = Corpus(size)
    bench_sources = corpus.register()
    own = [s.name for s in registry.search_sources() if s.name not in bench_sources]
    student = User.objects.get(username=STUDENT)
    teacher = User.objects.get(username=TEACHER)

    started = time.perf_counter()
    analysis.terms_of("독도를 배웁니다")  # Kiwi's model, once per process
    say(f"  Kiwi's model loaded in {time.perf_counter() - started:.1f} s")
    before = _database_size()

    # 1. Indexing
    say("\n  indexing:")
    started = time.perf_counter()
    counts = services.reindex(bench_sources)
    took = time.perf_counter() - started
    written = sum(counts.values())
    figures["index_rate"] = written / took
    say(
        f"    services.reindex, generated corpus   {written:,} documents in {took:,.1f} s: "
        f"{written / took:,.0f} docs/s   ({', '.join(f'{n} {c:,}' for n, c in counts.items())})"
    )
    own_counts: dict[str, Any] = {}
    started = time.perf_counter()
    for name in own:
        try:
            own_counts[name] = services.reindex([name])[name]
        except Exception as error:  # an area's source still being written must not stop the run
            own_counts[name] = f"failed: {type(error).__name__}: {str(error)[:80]}"
    took = time.perf_counter() - started
    real = sum(c for c in own_counts.values() if isinstance(c, int))
    say(
        f"    services.reindex, the areas' sources  {real:,} documents in {took:,.1f} s"
        + (f": {real / took:,.0f} docs/s" if real else "")
        + f"   ({', '.join(f'{n} {c}' for n, c in own_counts.items()) or 'none registered'})"
    )
    keys = random.Random(1).sample(list(corpus.generated), min(REFRESHED, len(corpus.generated)))
    by_kind: dict[str, list[int]] = {}
    for key in keys:
        by_kind.setdefault(kind_of(key), []).append(key)
    started = time.perf_counter()
    for kind, chosen in by_kind.items():
        services.refresh(f"bench.{kind}", chosen)
    took = time.perf_counter() - started
    figures["refresh_rate"] = len(keys) / took
    say(
        f"    services.refresh, {len(keys):,} existing documents   {took:,.1f} s: "
        f"{len(keys) / took:,.0f} docs/s (incremental: rows updated, words rewritten)"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_document")  # as autovacuum would after the load

    # 2. Size
    say("\n  index size:")
    figures["size"] = _index_size(before)
    if explain:
        plans(student, explain)
        Path(output).write_text(json.dumps(figures))
        return

    # What follows is what a server process does: tuned as one is (its garbage collector's
    # full passes, 150-200 ms over the kept matches at the default thresholds, had been the
    # load's slowest searches).
    tune_for_serving()

    # 3. Relevance
    figures["relevance"] = relevance(corpus, student, teacher)

    # 4. Where the time goes, and 5. the load
    queries, typed = _load_queries()
    services.vocabulary()  # counted once, cached ten minutes (as after the first search)
    figures["steps"] = steps(student, queries, typed[::4])
    askers = _askers()
    workers = SCALED_WORKERS if connection.vendor == "postgresql" else 1
    say(
        f"\n  load: arrivals every {1000 / RATE:.0f} ms ({RATE:.0f}/s) for {seconds:.0f} s, "
        f"dealt in turn to {workers} server process(es) of {THREADS} threads, each search by one "
        f"of {len(askers):,} students and teachers drawn at random (a person's compiled scope "
        "is kept briefly: few repeat askers would flatter it):"
    )
    rng = random.Random(17)
    asked = [(rng.choice(askers), rng.choice(queries)) for _ in range(int(seconds * RATE))]
    searched = open_loop(seconds, lambda n: services.search(*asked[n], log=True), workers)
    line("search (services.search)", searched["late"], searched["extra"])
    line("  of it, running", searched["ran"])
    if workers == 1:
        say(
            f"    kept matches (search.matches): {matches.kept.hits:,} found kept, "
            f"{matches.kept.misses:,} matched afresh, {matches.kept.held:,} documents held"
        )
    typing = _typing(rng, askers, queries, int(seconds * RATE))
    suggested = open_loop(seconds, lambda n: services.suggest(*typing[n]), workers)
    line("suggest (services.suggest, typed in turn)", suggested["late"], suggested["extra"])
    line("  of it, running", suggested["ran"])
    figures["search"] = {k: searched[k] for k in ("late", "rate")}
    figures["suggest"] = {k: suggested[k] for k in ("late", "rate")}
    query_p95 = percentile(searched["late"], 95)
    suggest_p95 = percentile(suggested["late"], 95)
    say("\n  targets:")
    for text, value, target in (
        ("query p95", query_p95, TARGET_QUERY_P95),
        ("suggestion p95", suggest_p95, TARGET_SUGGEST_P95),
    ):
        say(
            f"    {text} < {target * 1000:.0f} ms   {ms(value):>9}   {value / target:.2f}× the "
            f"target   {'PASS' if value < target else 'MISS'}"
        )
    Path(output).write_text(json.dumps(figures))


def _database_size() -> int:
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
    path = Path(settings.DATABASES["default"]["NAME"])
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def _index_size(before: int) -> dict[str, int]:
    from django.db import connection

    from openclass.search.models import Document

    documents = Document.objects.count()
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            parts = {
                "search_document (heap)": "pg_relation_size('search_document')",
                "TOAST": "pg_table_size('search_document') - pg_relation_size('search_document')",
                "GIN vector_terms": "pg_relation_size('search_document_vector_terms')",
                "GIN vector_grams": "pg_relation_size('search_document_vector_grams')",
                "GIN title lexemes (terms)": "pg_relation_size('search_document_title_terms')",
                "GIN title lexemes (grams)": "pg_relation_size('search_document_title_grams')",
                "GIN title trigrams": "pg_relation_size('search_document_title_upper_trgm')",
                "all indexes": "pg_indexes_size('search_document')",
                "total (pg_total_relation_size)": "pg_total_relation_size('search_document')",
            }
            for name, expression in parts.items():
                cursor.execute(f"SELECT {expression}")
                found[name] = int(cursor.fetchone()[0])
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE tbl_name = 'search_document' AND type = "
                "'index'"
            )
            indexes = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
            pages = dict(cursor.fetchall())
            fts = {n: s for n, s in pages.items() if n.startswith("search_fts")}
            for name, pgsize in sorted(fts.items(), key=lambda item: -item[1]):
                found[f"FTS5 {name}"] = int(pgsize)
            found["FTS5 (all shadow tables)"] = sum(fts.values())
            found["search_document (table)"] = int(pages.get("search_document", 0))
            found["search_document indexes"] = sum(int(pages.get(n, 0)) for n in indexes)
            found["total"] = (
                found["FTS5 (all shadow tables)"]
                + found["search_document (table)"]
                + found["search_document indexes"]
            )
    for name, value in found.items():
        say(f"    {name:<34} {value / 2**20:>8,.1f} MiB")
    total = found.get("total", found.get("total (pg_total_relation_size)", 0))
    grew = (_database_size() - before) / 2**20
    say(
        f"    {'a document, on average':<34} {total / max(documents, 1) / 1024:>8,.1f} KiB"
        f"   ({documents:,} documents; the database grew {grew:,.0f} MiB while indexing)"
    )
    return found


def plans(user: Any, query: str) -> None:
    """The SQL statements of one search and one suggestion of ``query`` (run twice: the second,
    with the caches warm, is shown), slowest first, with the database's plan of each: EXPLAIN
    QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from openclass.search import services

    for name, call in (
        ("search", lambda: services.search(user, query)),
        ("suggest", lambda: services.suggest(user, query)),
    ):
        call()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            took = time.perf_counter() - started
        statements = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
        say(
            f"\n  {name} {query!r}: {ms(took)}, {len(statements)} SQL statements, "
            f"{sum(float(q['time']) for q in statements) * 1000:,.1f} ms of them in the database"
        )
        for statement in statements[:4]:
            sql = statement["sql"]
            say(f"\n    {float(statement['time']) * 1000:,.1f} ms: {' '.join(sql.split())[:700]}")
            prefix = (
                "EXPLAIN (ANALYZE, BUFFERS) "
                if connection.vendor == "postgresql"
                else "EXPLAIN QUERY PLAN "
            )
            try:
                with connection.cursor() as cursor:
                    cursor.execute(prefix + sql)
                    rows = cursor.fetchall()
            except Exception as error:  # a statement Django quoted for display only
                say(f"      (no plan: {type(error).__name__}: {str(error)[:100]})")
                continue
            for row in rows[:40]:
                say("      " + " ".join(str(cell) for cell in row)[:160])


# --- Relevance -----------------------------------------------------------------------------------


def _grades(corpus: Corpus) -> tuple[dict[str, str], Counter, Counter]:
    """How hits are judged: a document with a judged title (the judged one, a generated twin,
    the demo city's own) is that judged document; the others by their topic. Returns the judged
    titles, how many generated documents each topic has and how many generated twins each
    judged document has (both for the ideal ranking)."""
    by_title = {entry["title"]: entry["id"] for entry in corpus.judged}
    topics = Counter(topic_of(key) for key in corpus.generated)
    twins: Counter = Counter()
    for key in corpus.generated:
        title = generated(key, corpus.now).title
        if title in by_title:
            twins[by_title[title]] += 1
    return by_title, topics, twins


def relevance(corpus: Corpus, student: Any, teacher: Any) -> dict[str, Any]:
    from openclass.search import services

    judged = judgements()["queries"]
    by_title, topic_counts, twins = _grades(corpus)
    judged_topic = {entry["id"]: entry["topic"] for entry in corpus.judged}

    def grade(document: Any, query: dict) -> int:
        name = by_title.get(document.title)
        if name is not None:
            if name in query["relevant"]:
                return query["relevant"][name]
            return query["topics"].get(judged_topic[name], 0)
        if document.source.startswith("bench.") and document.key >= FIRST_GENERATED:
            return query["topics"].get(topic_of(document.key), 0)
        return 0

    def ideal(query: dict) -> list[int]:
        grades = [g for name, g in query["relevant"].items() for _ in range(1 + twins[name])]
        listed = set(query["relevant"])
        for entry in corpus.judged:
            if entry["id"] not in listed and entry["topic"] in query["topics"]:
                grades.append(query["topics"][entry["topic"]])
        for topic, value in query["topics"].items():
            grades += [value] * min(topic_counts[topic], 10)
        return sorted(grades, reverse=True)[:10]

    def ndcg(grades: list[int], best: list[int]) -> float:
        dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:10]))
        top = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(best))
        return dcg / top if top else 0.0

    def rr(grades: list[int]) -> float:
        return next((1 / (i + 1) for i, g in enumerate(grades[:10]) if g == 2), 0.0)

    rankers = {
        "engine, student": lambda q: [
            h.document for h in services.search(student, q, per_page=10).hits
        ],
        "engine, teacher": lambda q: [
            h.document for h in services.search(teacher, q, per_page=10).hits
        ],
        "LIKE baseline, student": lambda q: like_baseline(student, q),
    }
    scores: dict[str, dict[str, list[float]]] = {}
    times: dict[str, list[float]] = {}
    for ranker, run in rankers.items():
        for query in judged:
            started = time.perf_counter()
            documents = run(query["query"])
            times.setdefault(ranker, []).append(time.perf_counter() - started)
            grades = [grade(document, query) for document in documents]
            entry = scores.setdefault(ranker, {"ndcg": [], "mrr": []})
            entry["ndcg"].append(ndcg(grades, ideal(query)))
            entry["mrr"].append(rr(grades))
            for why in query["why"].split(", "):
                kind = why.split(" ")[0]
                part = scores.setdefault(f"{ranker}|{kind}", {"ndcg": [], "mrr": []})
                part["ndcg"].append(entry["ndcg"][-1])
                part["mrr"].append(entry["mrr"][-1])

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else math.nan

    say(
        f"\n  relevance: {len(judged)} judged queries, the first 10 results of each "
        f"({twins.total()} generated documents have a judged title and are judged as it):"
    )
    say(f"    {'':<26} {'nDCG@10':>8} {'MRR@10':>8}   time a query p50 / p95")
    for ranker in rankers:
        entry = scores[ranker]
        say(
            f"    {ranker:<26} {mean(entry['ndcg']):>8.3f} {mean(entry['mrr']):>8.3f}   "
            f"{ms(percentile(times[ranker], 50))} / {ms(percentile(times[ranker], 95))}"
        )
    kinds = sorted({k.split("|")[1] for k in scores if "|" in k})
    say(f"\n    nDCG@10 by what the query tests ({', '.join(rankers)}):")
    for kind in kinds:
        count = len(scores[f"engine, student|{kind}"]["ndcg"])
        cells = "  ".join(f"{mean(scores[f'{r}|{kind}']['ndcg']):.3f}" for r in rankers)
        say(f"      {kind:<14} {count:>3} queries   {cells}")
    worst = sorted(
        zip(
            judged,
            scores["engine, student"]["ndcg"],
            scores["LIKE baseline, student"]["ndcg"],
            strict=True,
        ),
        key=lambda item: item[1],
    )[:8]
    say(
        "    the engine's weakest (student): "
        + "; ".join(f"{q['query']!r} {engine:.2f} (LIKE {like:.2f})" for q, engine, like in worst)
    )
    return {
        ranker: {"ndcg": mean(scores[ranker]["ndcg"]), "mrr": mean(scores[ranker]["mrr"])}
        for ranker in rankers
    }


def like_baseline(user: Any, query: str) -> list[Any]:
    """The plain-LIKE search: title or body containing each word (case-insensitively), any word,
    the most words matched first, then the most popular; over what ``user`` may open."""
    from django.db.models import Case, IntegerField, Q, Value, When

    from openclass.search.services import visible_documents

    words = list(dict.fromkeys(query.split()))
    if not words:
        return []
    found = Q()
    matched: Any = Value(0)
    for word in words:
        condition = Q(title__icontains=word) | Q(body__icontains=word)
        found |= condition
        matched = matched + Case(When(condition, then=1), default=0, output_field=IntegerField())
    documents = visible_documents(user).filter(found).annotate(matched=matched)
    return list(documents.order_by("-matched", "-popularity", "pk")[:10])


# --- Where the time goes, and the load -----------------------------------------------------------


def _askers() -> list[Any]:
    """Who searches under load: ``ASKERS`` people of the demo city, nine students to one
    teacher, drawn deterministically."""
    from openclass.accounts.models import User

    rng = random.Random(5)
    students = list(User.objects.filter(role=User.Role.STUDENT).order_by("pk"))
    teachers = list(User.objects.filter(role=User.Role.TEACHER).order_by("pk"))
    wanted_teachers = min(len(teachers), ASKERS // 10)
    return rng.sample(students, min(len(students), ASKERS - wanted_teachers)) + rng.sample(
        teachers, wanted_teachers
    )


def _typing(
    rng: random.Random, askers: list[Any], queries: list[str], count: int
) -> list[tuple[Any, str]]:
    """What the suggestions are asked under load: one person at a time typing a query, one
    more character each time (up to six), the next person after them."""
    typed: list[tuple[Any, str]] = []
    while len(typed) < count:
        user, query = rng.choice(askers), rng.choice(queries)
        typed += [(user, query[:end]) for end in range(1, min(len(query), 6) + 1)]
    return typed[:count]


def _load_queries() -> tuple[list[str], list[str]]:
    """What the load asks: the judged queries and, as many again, the topics' words alone, with
    a particle or with a second word; and what someone has typed of them so far (suggestions)."""
    rng = random.Random(42)
    queries = [q["query"] for q in judgements()["queries"]]
    for topic in TOPICS:
        for word in topic[3]:
            queries.append(word)
            queries.append(josa(word, "을/를"))
            queries.append(f"{word} {rng.choice(topic[4])}")
    typed = []
    for query in queries:
        for end in range(1, min(len(query), 6) + 1):
            typed.append(query[:end])
    return queries, typed


def steps(user: Any, queries: list[str], typed: list[str]) -> dict[str, float]:
    """Every load query once, one at a time, each step of ``services.search`` timed by wrapping
    the functions it calls (the engine's code is not changed)."""
    from openclass.search import services
    from openclass.search.backends import backend

    spent: dict[str, list[float]] = {}
    originals: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name, None)
        if original is None:  # the engine no longer has that step: not timed
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent.setdefault(label, []).append(time.perf_counter() - started)

        originals.append((owner, name, original))
        setattr(owner, name, timed)

    from openclass.search import matches

    backend_class = type(backend())
    wrap(services, "_match", "analyse the query (Kiwi)")
    wrap(services, "scope", "scope (each source's visible())")
    wrap(backend_class, "matched", "match + score, not kept (backend)")
    wrap(matches, "scoped", "count + facets + candidates (scoped)")
    wrap(backend_class, "rescored", "rescore candidates (backend)")
    wrap(services, "_ranked_by", "load the candidates' columns")
    wrap(services, "rank", "second step (rank)")
    wrap(services, "did_you_mean", "did you mean")
    whole: list[float] = []
    totals: list[int] = []
    try:
        for query in queries:
            started = time.perf_counter()
            found = services.search(user, query)
            whole.append(time.perf_counter() - started)
            totals.append(found.total)
    finally:
        for owner, name, original in reversed(originals):
            setattr(owner, name, original)
    say(
        f"\n  where the time goes: the {len(queries)} load queries one at a time as {STUDENT} "
        f"(results found: median {int(percentile(totals, 50)):,}, max {max(totals):,}):"
    )
    line("services.search, whole", whole)
    total = sum(whole)
    for label, values in spent.items():
        share = sum(values) / total if total else 0
        line(label, values, f"{share:>4.0%} of the time, {len(values)} calls")
    rest = total - sum(sum(values) for values in spent.values())
    share = rest / total if total else 0
    say(f"    {'the rest (load hits, highlight)':<34} {share:>4.0%} of the time")
    common = sorted(zip(totals, whole, queries, strict=True))[-5:]
    say(
        "    the most results: "
        + "; ".join(f"{q!r} {n:,} found, {ms(t)}" for n, t, q in reversed(common))
    )
    figures = {label: percentile(values, 95) for label, values in spent.items()}
    _profile(lambda: [services.search(user, query) for query in queries[::3]], "search")

    spent.clear()
    originals.clear()
    wrap(services, "popular_queries", "popular searches (query log)")
    wrap(services, "scope", "scope (each source's visible())")
    wrap(backend_class, "matched", "title match, not kept (backend)")
    wrap(matches, "scoped", "candidates (scoped)")
    whole = []
    try:
        for text in typed:
            started = time.perf_counter()
            services.suggest(user, text)
            whole.append(time.perf_counter() - started)
    finally:
        for owner, name, original in reversed(originals):
            setattr(owner, name, original)
    say(f"\n  suggestions: {len(typed)} typed beginnings of them one at a time:")
    line("services.suggest, whole", whole)
    total = sum(whole)
    for label, values in spent.items():
        share = sum(values) / total if total else 0
        line(label, values, f"{share:>4.0%} of the time, {len(values)} calls")
    _profile(lambda: [services.suggest(user, text) for text in typed[::3]], "suggest")
    return figures


def _profile(work: Any, name: str) -> None:
    """cProfile over ``work``: the functions with the most time of their own."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(work)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(14)
    body = text.getvalue().split("ncalls", 1)[-1].rstrip().splitlines()[1:]
    say(f"    cProfile of {name} (a third of them again), by own time:")
    for row in body:
        parts = row.split(None, 5)
        if len(parts) == 6:
            where = parts[5].replace(str(ROOT) + "/", "").replace(".venv/lib/python3.11/", "")
            say(f"      {parts[1]:>7} s own  {parts[3]:>7} s with callees  {where[-90:]}")


def open_loop(seconds: float, call: Any, processes: int = 1) -> dict[str, Any]:
    """Arrivals every 1/RATE s for ``seconds``, each ``call(n)`` run by a pool of THREADS;
    latency from the arrival's due time to its end ("late") and of the call alone ("ran").

    With ``processes`` above 1 the arrivals are dealt in turn to that many forked copies of
    this process, each with its own pool and database connections: the server processes of a
    deployment with several workers behind one address (the scaled profile runs two, as
    ``bench.storm`` does), each a Python of its own."""
    from django.db import connections

    arrivals = int(seconds * RATE)
    if processes <= 1:
        begin = time.perf_counter() + 1.0  # after the threads' connections are open
        late, ran, errors = _arrive(call, range(arrivals), begin)
    else:
        connections.close_all()  # a child opens its own
        # CLOCK_MONOTONIC: one clock for every process; each child's threads first connect.
        begin = time.perf_counter() + 1.5
        children = []
        for number in range(processes):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: its share, written back as JSON
                os.close(read)
                status = 1
                try:
                    answer = _arrive(call, range(number, arrivals, processes), begin)
                    with os.fdopen(write, "w") as pipe:
                        json.dump(answer, pipe)
                    status = 0
                finally:
                    os._exit(status)
            os.close(write)
            children.append((pid, read))
        late, ran, errors = [], [], Counter()
        for pid, read in children:
            with os.fdopen(read) as pipe:
                text = pipe.read()
            _pid, status = os.waitpid(pid, 0)
            if status or not text:
                errors["worker process failed"] += 1
                continue
            their_late, their_ran, their_errors = json.loads(text)
            late += their_late
            ran += their_ran
            errors.update(their_errors)
    elapsed = time.perf_counter() - begin
    rate = len(late) / elapsed
    extra = f"{len(late):,} answered, {rate:.1f}/s of {RATE:.0f}/s offered" + (
        f", errors {dict(errors)}" if errors else ""
    )
    return {"late": late, "ran": ran, "rate": rate, "extra": extra}


def _arrive(call: Any, numbers: range, begin: float) -> tuple[list[float], list[float], Counter]:
    """Run ``call(n)`` for each of ``numbers`` on a pool of THREADS, each due at
    ``begin + n / RATE``."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    late: list[float] = []
    ran: list[float] = []
    errors: Counter = Counter()

    def job(number: int, due: float) -> None:
        started = time.perf_counter()
        try:
            call(number)
        except Exception as error:
            errors[type(error).__name__] += 1
            return
        finished = time.perf_counter()
        late.append(finished - due)
        ran.append(finished - started)

    with ThreadPoolExecutor(THREADS) as pool:
        # Each thread opens its connection before the first arrival, as a server's request
        # threads hold theirs (CONN_MAX_AGE): a PostgreSQL connection opened inside the window
        # put its set-up on the first searches of every thread.
        ready = threading.Barrier(THREADS, timeout=60)
        list(
            pool.map(
                lambda _n: (connections["default"].ensure_connection(), ready.wait()),
                range(THREADS),
            )
        )
        for number in numbers:
            due = begin + number / RATE
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pool.submit(job, number, due)
        pool.map(lambda _n: connections.close_all(), range(THREADS))
    return late, ran, errors


# --- The run -------------------------------------------------------------------------------------


def _profiles(chosen: str) -> list[str]:
    names = [p.strip() for p in chosen.split(",") if p.strip()]
    unknown = [name for name in names if name not in PROFILES]
    if unknown:
        raise SystemExit(f"profile {unknown} unknown; {', '.join(PROFILES)}")
    return names


def run(profile: str, size: int, seconds: float, explain: str = "") -> dict[str, Any] | None:
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        database = ""
        if profile == "scaled":
            from bench.storm import throwaway_postgres

            try:
                database = stack.enter_context(throwaway_postgres())
            except (OSError, RuntimeError) as error:
                print(f"\n--- {profile} ---\n  skipped: no PostgreSQL ({error})")
                return None
        site = stack.enter_context(demo_site("full", database_url=database))
        if profile == "scaled":
            from openclass.core.redis_process import throwaway_redis

            # The scaled profile's cache, through which its server processes share the
            # matches of small queries (``search.matches``).
            redis = stack.enter_context(throwaway_redis(site.var_dir / "redis"))
            site.env["OPENCLASS_REDIS_URL"] = redis.url
        print(
            f"\n--- {profile}: {'PostgreSQL' if database else 'SQLite (WAL)'} ---\n"
            f"  the full demo city, set up in {time.monotonic() - started:.0f} s; "
            f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        output = site.var_dir / "bench-search.json"
        code = (
            "from bench.search import inside; "
            f"inside({size}, {seconds}, {str(output)!r}, {explain!r})"
        )
        result = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env={**site.env, "PYTHONUNBUFFERED": "1"},
            check=False,
        )
        if result.returncode or not output.exists():
            print(f"  the run failed (exit status {result.returncode})")
            return None
        print(f"  ({profile}: {time.monotonic() - started:.0f} s in all)", flush=True)
        return json.loads(output.read_text())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search")
    parser.add_argument(
        "--docs",
        type=int,
        default=int(os.environ.get("OPENCLASS_BENCH_DOCS", DOCS)),
        help=f"documents the bench sources add to the demo city's (default {DOCS:,})",
    )
    parser.add_argument(
        "--seconds", type=float, default=SECONDS, help="of each load phase (default 30)"
    )
    parser.add_argument("--quick", action="store_true", help="2,000 documents, 5 s of load")
    parser.add_argument(
        "--profile",
        default=os.environ.get("OPENCLASS_BENCH_PROFILE", ",".join(PROFILES)),
        help="embedded (SQLite), scaled (PostgreSQL), or both (the default)",
    )
    parser.add_argument(
        "--explain",
        default="",
        metavar="QUERY",
        help="after indexing, only the SQL plans of this query's search and suggestion",
    )
    options = parser.parse_args(argv or [])
    size, seconds = options.docs, options.seconds
    if options.quick:
        size, seconds = 2000, 5.0
    profiles = _profiles(options.profile)
    print(
        f"search: {size:,} generated and judged documents over the full demo city; queries and "
        f"suggestions at {RATE:.0f}/s for {seconds:.0f} s each; profile {', '.join(profiles)}"
    )
    results = {profile: run(profile, size, seconds, options.explain) for profile in profiles}
    if options.explain:
        return
    done = {p: r for p, r in results.items() if r}
    if len(done) < 2:
        return
    print("\n  both databases:")
    print(f"    {'':<30} " + "  ".join(f"{r['vendor']:>12}" for r in done.values()))
    rows = {
        "indexing, docs/s": lambda r: f"{r['index_rate']:,.0f}",
        "refresh, docs/s": lambda r: f"{r['refresh_rate']:,.0f}",
        "query p95": lambda r: ms(percentile(r["search"]["late"], 95)),
        "suggestion p95": lambda r: ms(percentile(r["suggest"]["late"], 95)),
        "nDCG@10 engine (student)": lambda r: f"{r['relevance']['engine, student']['ndcg']:.3f}",
        "nDCG@10 LIKE baseline": lambda r: (
            f"{r['relevance']['LIKE baseline, student']['ndcg']:.3f}"
        ),
        "MRR@10 engine (student)": lambda r: f"{r['relevance']['engine, student']['mrr']:.3f}",
        "MRR@10 LIKE baseline": lambda r: f"{r['relevance']['LIKE baseline, student']['mrr']:.3f}",
    }
    for name, cell in rows.items():
        print(f"    {name:<30} " + "  ".join(f"{cell(r):>12}" for r in done.values()))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
