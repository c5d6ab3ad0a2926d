"""The demo's outside catalogs: a sample of a few hundred open-courseware and site entries written
for the demo (nothing here is copied from the real sites; their addresses are under the reserved
``.example`` domain, except 꿀박사's, which open the demo relying site that signs in through
openclass), served by the installation itself — the OAI-PMH endpoint ``/catalogs/demo/oai`` for
KOCW-style open courseware, 진로진학정보센터 and 독서종합지원시스템 (one set each), and the feeds
``/catalogs/demo/feed.json`` and ``feed.csv`` (``?site=``) for 꿀박사, 사이버논술 and
학부모지원센터 — and the catalogs the demo office registers for them, pointing at SITE_URL, so
the scheduled fetch after ``make run`` starts really fetches them over HTTP.

The entries are made from templates and word lists, the same every time (no randomness): the
same identifiers on every fetch, so a fetch after the first changes nothing.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.conf import settings

from openclass.accounts.models import User
from openclass.core.registry import DemoOptions

from . import services
from .models import OutsideCatalog

DEMO_PATH = "/catalogs/demo/"


@dataclass(frozen=True)
class DemoSite:
    slug: str  # the OAI-PMH set, or the feed's ?site=
    name: str  # the "source site" facet
    kind: str  # "oai", "json" or "csv"
    host: str


SITES = (
    DemoSite("kocw", "KOCW 공개강의", "oai", "https://ocw.seoul.example"),
    DemoSite("jinro", "진로진학정보센터", "oai", "https://jinro.seoul.example"),
    DemoSite("dokseo", "독서종합지원시스템", "oai", "https://reading.seoul.example"),
    DemoSite("ggul", "꿀박사", "json", ""),  # the demo relying site (hub), under SITE_URL
    DemoSite("nonsul", "사이버논술", "csv", "https://nonsul.seoul.example"),
    DemoSite("parents", "학부모지원센터", "json", "https://parents.seoul.example"),
)
SITE_BY_SLUG = {site.slug: site for site in SITES}

#: The demo office's catalogs: (name, site slug).
CATALOGS = (
    ("KOCW 공개강의 (OAI-PMH)", "kocw"),
    ("진로진학정보센터 (OAI-PMH)", "jinro"),
    ("독서종합지원시스템 (OAI-PMH)", "dokseo"),
    ("꿀박사 (JSON)", "ggul"),
    ("사이버논술 (CSV)", "nonsul"),
    ("학부모지원센터 (JSON)", "parents"),
)

FIRST_DAY = datetime.date(2024, 3, 4)


@dataclass(frozen=True)
class DemoRecord:
    site: str
    number: int
    title: str
    description: str
    path: str
    tags: tuple[str, ...] = ()
    area: str = ""
    grade_band: str = ""
    audience: str = ""
    kind: str = "강의"  # dc:type
    deleted: bool = False

    @property
    def identifier(self) -> str:
        return f"oai:openclass-demo:{self.site}:{self.number:04d}"

    @property
    def day(self) -> datetime.date:
        return FIRST_DAY + datetime.timedelta(days=(self.number * 7) % 900)

    def url(self, base: str) -> str:
        host = SITE_BY_SLUG[self.site].host or base.rstrip("/") + "/demo-site"
        return f"{host}{self.path}"


# --- The words the entries are made of ---------------------------------------------------------

JOBS = (
    ("소프트웨어 개발자", "정보", "프로그래밍과 알고리즘"),
    ("간호사", "보건", "생명과학과 보건"),
    ("초등학교 교사", "교육", "교육학과 아동 발달"),
    ("데이터 과학자", "정보", "통계와 인공지능"),
    ("건축가", "공학", "수학과 미술"),
    ("요리사", "서비스", "영양과 식문화"),
    ("경찰관", "공공", "법과 사회"),
    ("소방관", "공공", "안전과 체력"),
    ("수의사", "의료", "생명과학"),
    ("웹툰 작가", "문화예술", "미술과 스토리텔링"),
    ("로봇 공학자", "공학", "물리와 코딩"),
    ("사회복지사", "복지", "사회와 상담"),
    ("항공기 조종사", "교통", "물리와 영어"),
    ("기후변화 전문가", "환경", "지구과학과 환경"),
    ("약사", "의료", "화학과 생명과학"),
    ("변호사", "법률", "국어와 사회"),
    ("게임 기획자", "문화콘텐츠", "정보와 국어"),
    ("물리치료사", "보건", "생명과학과 체육"),
    ("기자", "언론", "국어와 사회"),
    ("농업 기술자", "농림", "생명과학과 기술"),
)
CAREER_FORMATS = (
    (
        "{job}는 어떤 일을 할까? 직업 탐색",
        "{job}의 하루와 하는 일, 필요한 역량을 알아보는 진로 탐색 자료입니다. {field} 분야의 "
        "진로를 고민하는 학생에게 알맞습니다.",
        "middle",
    ),
    (
        "{job}가 되려면: 진로 로드맵",
        "{job}가 되기까지의 학과 선택, 자격, 경력 경로를 단계별로 정리했습니다. "
        "{subjects} 과목을 미리 공부해 두면 좋습니다.",
        "high",
    ),
    (
        "현직 {job} 인터뷰: 진로 선배에게 듣는다",
        "현직 {job}가 직접 들려주는 일의 보람과 어려움. 진로를 정하기 전에 궁금한 점을 묻고 "
        "답했습니다.",
        "middle",
    ),
    (
        "고교학점제와 진로: {job} 희망 학생의 과목 선택",
        "{job}를 꿈꾸는 학생이 고교학점제에서 고를 만한 과목({subjects})과 진학 준비 방법을 "
        "안내합니다.",
        "high",
    ),
)
CAREER_EXTRA = (
    (
        "진로 심리검사 해석 가이드",
        "흥미·적성 검사 결과를 읽는 법과 진로 상담에서의 활용법.",
        "high",
        "student",
    ),
    (
        "자유학기 진로 체험 활동 안내",
        "자유학기 동안 할 수 있는 진로 체험 프로그램과 신청 방법.",
        "middle",
        "student",
    ),
    (
        "대학 입시 전형 한눈에 보기",
        "수시와 정시, 학생부종합전형의 차이와 진학 준비 일정.",
        "high",
        "student",
    ),
    (
        "진로 상담 교사를 위한 상담 기법",
        "학생 진로 상담에서 쓰는 질문과 기록 방법(교사용).",
        "",
        "teacher",
    ),
    (
        "학부모와 함께하는 자녀 진로 대화",
        "자녀의 진로 고민을 함께 나누는 대화법과 진학 정보.",
        "",
        "parent",
    ),
    (
        "특성화고·마이스터고 진학 안내",
        "직업계 고등학교의 학과와 진로, 입학 전형 소개.",
        "middle",
        "student",
    ),
    (
        "초등학생 진로 인식: 나의 꿈 그리기",
        "초등학생이 여러 직업을 알아보며 자신의 꿈을 그려 보는 활동.",
        "elementary",
        "student",
    ),
    (
        "진로 포트폴리오 만들기",
        "진로 활동 기록을 모아 나만의 포트폴리오를 만드는 방법.",
        "high",
        "student",
    ),
    (
        "미래 유망 직업 20선",
        "인공지능과 기후 변화 시대에 새로 생기는 직업과 필요한 역량.",
        "",
        "student",
    ),
    (
        "창업 진로 탐색: 청소년 창업 캠프",
        "아이디어를 사업으로 만드는 과정을 체험하는 진로 프로그램.",
        "high",
        "student",
    ),
)

COURSES = (
    ("미적분학", "수학", "극한과 도함수, 적분의 기본 개념"),
    ("일반물리학", "과학", "역학과 전자기학의 기초"),
    ("한국사의 이해", "사회", "선사 시대부터 현대까지의 한국사 흐름"),
    ("프로그래밍 기초(파이썬)", "정보", "변수, 조건문, 반복문과 함수"),
    ("인공지능 입문", "정보", "기계학습의 원리와 간단한 실습"),
    ("환경과 지속가능발전", "환경·지속가능발전 교육", "기후 위기와 지속가능한 삶"),
    ("경제학 원론", "경제·금융 교육", "수요와 공급, 시장과 금융의 기초"),
    ("심리학의 이해", "인성교육", "마음과 행동을 과학적으로 이해하기"),
    ("통계학 입문", "수학", "자료의 정리와 확률, 추정"),
    ("세계 문학 읽기", "국어", "고전과 현대 세계 문학의 주요 작품"),
    ("생명과학의 기초", "과학", "세포와 유전, 생태계"),
    ("민주주의와 시민", "민주 시민 교육", "민주주의의 원리와 시민의 참여"),
)
SPECIAL_COURSES = (
    (
        "독도의 역사와 국제법",
        "독도 교육",
        "독도가 우리 땅인 역사적 근거와 국제법상 지위를 살펴보는 공개강의입니다. 독도 관련 "
        "고지도와 사료를 함께 읽습니다.",
        ("독도", "영토", "국제법"),
    ),
    (
        "독도의 자연과 생태",
        "독도 교육",
        "독도의 지형과 기후, 바다 생물과 식물을 소개하는 강의입니다. 독도를 지키는 사람들의 "
        "이야기도 담았습니다.",
        ("독도", "생태", "해양"),
    ),
    (
        "학교 안전 교육의 이론과 실제",
        "안전·건강교육",
        "교실과 실험실, 체험 활동에서 지켜야 할 안전 수칙과 사고 예방, 응급 처치를 다룹니다.",
        ("안전 교육", "응급 처치", "재난 대비"),
    ),
    (
        "교통안전과 보행자 안전",
        "안전·건강교육",
        "어린이 교통사고의 원인과 예방, 횡단보도와 자전거 교통안전 수칙을 배우는 강의입니다.",
        ("교통안전", "안전 교육", "보행"),
    ),
    (
        "재난 대비와 생활 안전",
        "안전·건강교육",
        "지진과 화재, 폭염 같은 재난이 일어났을 때 대피하는 방법과 생활 속 안전 교육.",
        ("재난", "안전 교육", "대피"),
    ),
    (
        "통일 한반도의 미래",
        "통일 교육",
        "분단의 역사와 통일의 과제, 평화로운 한반도를 위한 시민의 역할을 생각합니다.",
        ("통일", "평화"),
    ),
)

BOOKS = (
    ("어린 왕자", "생텍쥐페리", "elementary"),
    ("마당을 나온 암탉", "황선미", "elementary"),
    ("몽실 언니", "권정생", "elementary"),
    ("갈매기의 꿈", "리처드 바크", "middle"),
    ("아몬드", "손원평", "middle"),
    ("완득이", "김려령", "middle"),
    ("동물농장", "조지 오웰", "high"),
    ("난장이가 쏘아올린 작은 공", "조세희", "high"),
    ("데미안", "헤르만 헤세", "high"),
    ("우리들의 일그러진 영웅", "이문열", "middle"),
    ("나의 라임 오렌지나무", "J. M. 바스콘셀로스", "elementary"),
    ("코스모스", "칼 세이건", "high"),
)
READING_FORMATS = (
    (
        "『{book}』 함께 읽기",
        "{author}의 『{book}』을 함께 읽고 생각을 나누는 독서 활동 자료입니다.",
    ),
    (
        "『{book}』 독서 토론 질문",
        "『{book}』을 읽고 모둠 독서 토론에서 나눌 만한 질문과 활동지를 모았습니다.",
    ),
    (
        "『{book}』 독후감 쓰기 길잡이",
        "『{book}』을 읽은 뒤 독후감을 쓰는 순서와 좋은 글의 예를 안내합니다.",
    ),
)
READING_EXTRA = (
    (
        "독도를 지킨 사람들: 독도 관련 추천 도서",
        "독도의 역사와 독도를 지킨 사람들을 다룬 책 목록.",
        ("독도", "추천 도서"),
    ),
    (
        "안전 교육 그림책 모음",
        "어린이가 안전 교육을 즐겁게 배우는 그림책(교통안전, 화재, 물놀이).",
        ("안전 교육", "교통안전", "그림책"),
    ),
    (
        "진로 독서: 직업을 만나는 책",
        "여러 직업인의 이야기를 담은 진로 독서 목록.",
        ("진로", "추천 도서"),
    ),
    ("독서 습관 기르기 30일 계획", "하루 20분 독서 습관을 만드는 30일 계획표.", ("독서 습관",)),
)

QUESTIONS = (
    ("분수의 나눗셈은 왜 뒤집어서 곱하나요?", "수학", "elementary"),
    ("광합성은 어떻게 일어나나요?", "과학", "elementary"),
    ("일차방정식을 쉽게 푸는 방법", "수학", "middle"),
    ("영어 현재완료 시제는 언제 쓰나요?", "영어", "middle"),
    ("삼각비를 실생활에서 어디에 쓰나요?", "수학", "middle"),
    ("화학 반응식 계수 맞추기", "과학", "high"),
    ("조선 후기 실학의 특징", "사회", "high"),
    ("미분계수의 기하학적 의미", "수학", "high"),
    ("지구의 자전과 공전의 차이", "과학", "elementary"),
    ("비유법(직유와 은유)의 차이", "국어", "middle"),
    ("독도는 왜 우리 땅인가요?", "독도 교육", "elementary"),
    ("자전거를 탈 때 지켜야 할 교통안전 수칙은?", "안전·건강교육", "elementary"),
    ("진로를 아직 못 정했는데 무엇부터 해야 하나요?", "진로교육", "middle"),
    ("뉴턴의 운동 법칙 정리", "과학", "middle"),
    ("소수와 합성수 구별하기", "수학", "elementary"),
    ("세포 분열 과정 정리", "과학", "high"),
    ("민주주의와 선거의 원칙", "민주 시민 교육", "middle"),
)
GGUL_FORMATS = (
    (
        "꿀박사 Q&A: {q}",
        "학생이 묻고 꿀박사 선생님이 답했습니다. {subject} 개념을 예와 함께 풀이합니다.",
    ),
    ("꿀박사 개념 정리: {q}", "{subject} 개념을 한 장으로 정리한 학습 자료와 확인 문제."),
    ("꿀박사 영상 풀이: {q}", "{subject} 질문에 대한 5분 영상 풀이와 비슷한 연습 문제."),
)

ESSAY_TOPICS = (
    ("인공지능이 인간의 일자리를 대신할까", "정보", "high"),
    ("청소년의 스마트폰 사용 시간 제한", "인성교육", "middle"),
    ("동물 실험은 허용되어야 하는가", "생명존중", "high"),
    ("교복 자율화에 대한 찬반", "민주 시민 교육", "middle"),
    ("기후 위기와 개인의 책임", "환경·지속가능발전 교육", "high"),
    ("독도 영유권과 역사 인식", "독도 교육", "high"),
    ("안전 교육은 충분한가: 학교 안전의 조건", "안전·건강교육", "middle"),
    ("다문화 사회에서 함께 살아가기", "다문화 교육", "middle"),
    ("진로 선택에서 적성과 안정성", "진로교육", "high"),
    ("온라인 수업의 장점과 한계", "정보", "high"),
)
ESSAY_FORMATS = (
    ("논술 주제: {topic}", "'{topic}'을 주제로 한 논술 문제와 쟁점 정리, 예시 답안입니다."),
    (
        "논술 첨삭 예시: {topic}",
        "'{topic}' 논술 답안을 첨삭한 예시. 논리 구성과 근거 제시를 배웁니다.",
    ),
    ("토론 개요서: {topic}", "'{topic}' 찬반 토론을 위한 개요서 작성 방법과 예시."),
    ("논술 배경지식: {topic}", "'{topic}'을 쓰기 전에 알아야 할 배경지식과 참고 자료."),
)

PARENT_TOPICS = (
    ("사춘기 자녀와 대화하는 법", "자녀 이해와 소통", "middle"),
    ("초등 입학 준비 가이드", "학교 교육과정 이해", "elementary"),
    ("가정에서 원격수업 돕기", "가정에서의 원격수업 지원", ""),
    ("학교폭력 징후와 대처", "학교폭력 예방", ""),
    ("자녀 진로 상담: 부모의 역할", "진로교육", "high"),
    ("고교학점제 학부모 설명회", "학교 교육과정 이해", "high"),
    ("스마트폰 과의존 예방", "자녀 이해와 소통", "middle"),
    ("어린이 교통안전: 등하굣길 지도", "안전·건강교육", "elementary"),
    ("독서 습관 길러 주기", "자녀 이해와 소통", "elementary"),
    ("자녀의 정서 발달 이해", "자녀 이해와 소통", "elementary"),
)
PARENT_FORMATS = (
    ("학부모 교육: {topic}", "학부모지원센터가 준비한 '{topic}' 강의 영상과 안내 자료입니다."),
    ("학부모 상담 사례: {topic}", "'{topic}'에 관한 실제 상담 사례와 전문가의 조언."),
    ("학부모 소식지: {topic}", "'{topic}'을 다룬 학부모지원센터 소식지 기사."),
)


@functools.cache
def demo_records() -> tuple[DemoRecord, ...]:
    """Every demo entry of every site, in a fixed order (a few marked deleted: OAI-PMH's
    deleted records)."""
    records: list[DemoRecord] = []

    counts: dict[str, int] = {}

    def add(
        site: str,
        *,
        title: str,
        description: str,
        path: str,
        tags: tuple[str, ...],
        area: str,
        grade_band: str = "",
        audience: str = "",
        kind: str = "강의",
        deleted: bool = False,
    ) -> None:
        counts[site] = number = counts.get(site, 0) + 1
        records.append(
            DemoRecord(
                site,
                number,
                title,
                description,
                path,
                tags,
                area,
                grade_band,
                audience,
                kind,
                deleted,
            )
        )

    # 진로진학정보센터: careers (4 × 20 + 10 = 90, two of them deleted).
    for index, (job, field_name, subjects) in enumerate(JOBS):
        for kind, (title, text, band) in enumerate(CAREER_FORMATS):
            add(
                "jinro",
                title=title.format(job=job),
                description=text.format(job=job, field=field_name, subjects=subjects),
                path=f"/career/{index + 1:02d}-{kind + 1}",
                tags=("진로", "진로 탐색", field_name, job),
                area="진로교육",
                grade_band=band,
                audience="student",
                kind="진로 정보",
                deleted=(index, kind) in ((3, 2), (11, 0)),
            )
    for index, (title, text, band, audience) in enumerate(CAREER_EXTRA):
        add(
            "jinro",
            title=title,
            description=text,
            path=f"/guide/{index + 1:02d}",
            tags=("진로", "진학"),
            area="진로교육",
            grade_band=band,
            audience=audience,
            kind="진로 정보",
        )
    # KOCW-style open courseware: 12 courses × 6 lectures + 6 special courses × 3 = 90.
    for index, (course, area, summary) in enumerate(COURSES):
        for lecture in range(1, 7):
            add(
                "kocw",
                title=f"{course} {lecture}강",
                description=f"{course} 공개강의 {lecture}강: {summary}. 대학 강의를 누구나 "
                "무료로 들을 수 있는 공개강의(OCW)입니다.",
                path=f"/lecture/{index + 1:02d}/{lecture}",
                tags=("공개강의", course, area),
                area=area,
                grade_band="high",
                kind="동영상 강의",
            )
    for index, (course, area, text, tags) in enumerate(SPECIAL_COURSES):
        for lecture in range(1, 4):
            add(
                "kocw",
                title=f"{course} {lecture}강",
                description=text,
                path=f"/lecture/s{index + 1:02d}/{lecture}",
                tags=("공개강의", *tags),
                area=area,
                kind="동영상 강의",
            )
    # 독서종합지원시스템: 12 books × 3 + 4 = 40.
    for index, (book, author, band) in enumerate(BOOKS):
        for kind, (title, text) in enumerate(READING_FORMATS):
            add(
                "dokseo",
                title=title.format(book=book),
                description=text.format(book=book, author=author),
                path=f"/book/{index + 1:02d}/{kind + 1}",
                tags=("독서", book, author),
                area="국어",
                grade_band=band,
                audience="student",
                kind="독서 자료",
            )
    for index, (title, text, tags) in enumerate(READING_EXTRA):
        add(
            "dokseo",
            title=title,
            description=text,
            path=f"/list/{index + 1:02d}",
            tags=("독서", *tags),
            area="국어",
            kind="독서 자료",
        )
    # 꿀박사: 17 questions × 3 = 51.
    for index, (question, subject, band) in enumerate(QUESTIONS):
        for kind, (title, text) in enumerate(GGUL_FORMATS):
            add(
                "ggul",
                title=title.format(q=question),
                description=text.format(subject=subject),
                path=f"/?item=ggul-{index + 1:02d}-{kind + 1}",
                tags=("꿀박사", "질의응답", subject),
                area=subject,
                grade_band=band,
                audience="student",
            )
    # 사이버논술: 10 topics × 4 = 40.
    for index, (topic, area, band) in enumerate(ESSAY_TOPICS):
        for kind, (title, text) in enumerate(ESSAY_FORMATS):
            add(
                "nonsul",
                title=title.format(topic=topic),
                description=text.format(topic=topic),
                path=f"/essay/{index + 1:02d}/{kind + 1}",
                tags=("논술", "토론", area),
                area=area,
                grade_band=band,
                audience="student",
            )
    # 학부모지원센터: 10 topics × 3 = 30.
    for index, (topic, area, band) in enumerate(PARENT_TOPICS):
        for kind, (title, text) in enumerate(PARENT_FORMATS):
            add(
                "parents",
                title=title.format(topic=topic),
                description=text.format(topic=topic),
                path=f"/edu/{index + 1:02d}/{kind + 1}",
                tags=("학부모 교육", area),
                area=area,
                grade_band=band,
                audience="parent",
            )
    return tuple(records)


def records_of(site: str | None) -> list[DemoRecord]:
    return [record for record in demo_records() if site is None or record.site == site]


def feed_row(record: DemoRecord, base: str) -> dict[str, str | list[str]]:
    """A record as a row of the demo feeds (the documented columns)."""
    return {
        "id": record.identifier,
        "title": record.title,
        "description": record.description,
        "url": record.url(base),
        "tags": list(record.tags),
        "area": record.area,
        "grade_band": record.grade_band,
        "audience": record.audience,
        "published": record.day.isoformat(),
    }


# --- The demo office's catalogs -----------------------------------------------------------------


def site_url() -> str:
    return str(settings.SITE_URL).rstrip("/")


def catalog_details(name: str, slug: str) -> services.CatalogDetails:
    site = SITE_BY_SLUG[slug]
    base = site_url() + DEMO_PATH
    if site.kind == "oai":
        return services.CatalogDetails(
            name=name,
            site_name=site.name,
            kind=OutsideCatalog.Kind.OAI,
            url=base + "oai",
            oai_set=slug,
        )
    return services.CatalogDetails(
        name=name,
        site_name=site.name,
        kind=OutsideCatalog.Kind.FEED,
        url=f"{base}feed.{site.kind}?site={slug}",
    )


def demo_exists() -> bool:
    return OutsideCatalog.objects.filter(
        name__in=[name for name, _slug in CATALOGS]
    ).count() == len(CATALOGS)


def build_demo(options: DemoOptions) -> list[str]:
    """Register the demo catalogs (or bring their addresses up to SITE_URL): the scheduled
    fetch (``feeds.tasks``) fetches them within a minute of the Huey consumer starting."""
    office_admin = User.objects.filter(role=User.Role.OFFICE_ADMIN, is_active=True).first()
    if office_admin is None:
        return []
    made = 0
    for name, slug in CATALOGS:
        details = catalog_details(name, slug)
        catalog = OutsideCatalog.objects.filter(name=name).first()
        if catalog is None:
            services.register_catalog(office_admin, details)
            made += 1
        elif catalog.url != details.url:
            services.update_catalog(office_admin, catalog, details)
    return [
        f"Outside catalogs: {made} registered, {len(CATALOGS)} in all, "
        f"{len(demo_records())} demo entries served under {site_url()}{DEMO_PATH}"
    ]
