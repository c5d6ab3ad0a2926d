"""Questions in and out of Excel: the template, every kind of row, bad rows reported by row and
column with nothing saved, and export → import giving the same questions back."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from openclass.assessments.models import Question
from openclass.assessments.services import bank_xlsx
from openclass.assessments.services.bank import QuestionData
from openclass.assessments.tests.fixtures import make_question
from openclass.core.downloads import XLSX_CONTENT_TYPE

Kind = Question.Kind
HEADER = [
    "유형",
    "문제",
    "보기1",
    "보기2",
    "보기3",
    "보기4",
    "정답",
    "허용 오차",
    "배점",
    "분류",
    "해설",
]
IMPORT = reverse("assessments:bank_import")


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in their English source, whatever the project's default language."""
    with translation.override("en"):
        yield


@pytest.fixture
def client() -> Client:
    """A browser asking for English pages (a bare ``Client()`` gets the Korean default)."""
    return Client(headers={"accept-language": "en"})


def workbook(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(kind, text, choices=(), answer=None, tolerance=None, points=None, category=None):
    choices = list(choices) + [None] * (4 - len(choices))
    return [kind, text, *choices, answer, tolerance, points, category, None]


def as_upload(content: bytes, name="questions.xlsx"):
    return SimpleUploadedFile(name, content, XLSX_CONTENT_TYPE)


GOOD_ROWS = [
    row("객관식", "수도는?", ["부산", "서울", "대구"], 2, points=2, category="1단원"),
    row("복수선택", "소수는?", ["2", "3", "4"], "1, 3"),
    row("참거짓", "독도는 우리 땅이다.", answer="O"),
    row("단답형", "동쪽 끝 섬은?", answer="독도 | Dokdo"),
    row("수치형", "원주율", answer=3.14, tolerance="0.01"),
    row("서술형", "느낀 점을 쓰세요.", points="5"),
]


def test_reads_every_kind():
    result = bank_xlsx.read_questions(workbook(GOOD_ROWS))
    assert result.is_valid, result.errors
    single, multiple, truth, short, numeric, essay = result.questions
    assert single.kind == Kind.SINGLE and single.choices == [
        ("부산", False),
        ("서울", True),
        ("대구", False),
    ]
    assert (single.points, single.category) == (Decimal(2), "1단원")
    assert [c for c, correct in multiple.choices if correct] == ["2", "4"]
    assert truth.answer_true is True
    assert short.accepted_answers == ["독도", "Dokdo"]
    assert (numeric.numeric_answer, numeric.tolerance) == (Decimal("3.14"), Decimal("0.01"))
    assert essay.kind == Kind.ESSAY and essay.points == Decimal(5)


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("single", Kind.SINGLE),
        ("Multiple choice (one answer)", Kind.SINGLE),
        ("multiple answers", Kind.MULTIPLE),
        ("True / False", Kind.TRUE_FALSE),
        ("O/X", Kind.TRUE_FALSE),
        ("Short answer", Kind.SHORT),
        ("ＮＵＭＥＲＩＣ", Kind.NUMERIC),
        ("논술형", Kind.ESSAY),
    ],
)
def test_kind_in_korean_english_or_code(kind, code):
    answers = {
        Kind.SINGLE: ("1", ["a", "b"]),
        Kind.MULTIPLE: ("1", ["a", "b"]),
        Kind.TRUE_FALSE: ("false", []),
        Kind.SHORT: ("a", []),
        Kind.NUMERIC: ("1", []),
        Kind.ESSAY: (None, []),
    }
    answer, choices = answers[code]
    result = bank_xlsx.read_questions(workbook([row(kind, "문제", choices, answer)]))
    assert result.is_valid, result.errors
    assert result.questions[0].kind == code


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (row("주관식형", "문제", answer="a"), "유형", "not a question kind"),
        (row(None, "문제", answer="a"), "유형", "kind is missing"),
        (row("단답형", "  ", answer="a"), "문제", "text is missing"),
        (row("단답형", "문제"), "정답", "answer is missing"),
        (row("객관식", "문제", ["a", "b"]), "정답", "answer is missing"),
        (row("객관식", "문제", ["a", "b", "c"], 4), "정답", "Choice 4 does not exist"),
        (row("복수선택", "문제", ["a", "b"], "1,5"), "정답", "Choice 5 does not exist"),
        (row("객관식", "문제", ["a", "b"], "1,2"), "정답", "exactly one correct"),
        (row("객관식", "문제", ["a", "b"], "둘째"), "정답", "not a choice number"),
        (row("객관식", "문제", ["a"], 1), "보기1", "at least two choices"),
        (row("객관식", "문제", ["a", None, "c"], 1), "보기2", "Fill the choices in order"),
        (row("참거짓", "문제", answer="아마도"), "정답", "참 or 거짓"),
        (row("수치형", "문제", answer="3", tolerance="조금"), "허용 오차", "not a number"),
        (row("수치형", "문제", answer="3", tolerance=-1), "허용 오차", "cannot be negative"),
        (row("수치형", "문제", answer="셋"), "정답", "not a number"),
        (row("서술형", "문제", points="많이"), "배점", "not a number"),
        (row("서술형", "문제", points=-2), "배점", "between 0 and"),
        (row("단답형", "문제", ["a", "b"], "a"), "보기1", "Only 객관식 and 복수선택"),
        (row("단답형", "문제", answer=" | "), "정답", "at least one accepted answer"),
        (row("객관식", "문제", ["a", "b"], datetime.datetime(2026, 3, 1)), "정답", "date"),
    ],
)
def test_bad_rows_are_reported_by_row_and_column(cells, column, message):
    result = bank_xlsx.read_questions(workbook([GOOD_ROWS[0], cells]))
    assert not result.is_valid
    assert [(e.row, e.column) for e in result.errors] == [(3, column)], result.errors
    assert message in result.errors[0].message


def test_every_bad_row_is_listed_at_once():
    rows = [row("객관식", "문제", ["a", "b"], 9), GOOD_ROWS[2], row("이상한", "", answer="x")]
    result = bank_xlsx.read_questions(workbook(rows))
    assert {(e.row, e.column) for e in result.errors} == {(2, "정답"), (4, "유형"), (4, "문제")}
    assert result.error_rows == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip", "not an Excel workbook"),
        (workbook([], header=["이름", "학년"]), "no column"),
        (workbook([GOOD_ROWS[0]], header=[*HEADER, "비고"]), "비고"),
        (workbook([], header=HEADER), "no questions"),
    ],
)
def test_bad_files(content, message):
    result = bank_xlsx.read_questions(content)
    assert not result.is_valid and message in result.file_error


def test_errors_are_in_korean_by_default():
    with translation.override("ko"):
        result = bank_xlsx.read_questions(workbook([row("객관식", "문제", ["a", "b"], 4)]))
        bad_file = bank_xlsx.read_questions(b"not a zip")
    assert [(e.row, e.column) for e in result.errors] == [(2, "정답")]
    assert "4번 보기가 없습니다" in result.errors[0].message
    assert "엑셀 통합 문서(.xlsx)가 아닙니다" in bad_file.file_error


def test_english_headers_in_any_order_and_blank_rows_skipped():
    header = ["Answer", "Question", "Type", "Choice1", "Choice2", "Points"]
    rows = [["2", "Capital?", "single", "Busan", "Seoul", 1], [None] * 6, ["x", "?", "short"]]
    result = bank_xlsx.read_questions(workbook(rows, header=header))
    assert result.is_valid, result.errors
    assert [q.kind for q in result.questions] == [Kind.SINGLE, Kind.SHORT]


def test_circled_and_full_width_choice_numbers():
    rows = [
        row("복수선택", "문제", ["a", "b", "c"], "①③"),
        row("객관식", "문제", ["a", "b", "c"], "３"),
    ]
    result = bank_xlsx.read_questions(workbook(rows))
    assert result.is_valid, result.errors
    assert [c for c, ok in result.questions[0].choices if ok] == ["a", "c"]
    assert [c for c, ok in result.questions[1].choices if ok] == ["c"]


def test_template_reads_back_without_errors():
    result = bank_xlsx.read_questions(bank_xlsx.template())
    assert result.is_valid, result.errors
    assert [q.kind for q in result.questions] == [k.value for k in Kind]
    sheets = load_workbook(io.BytesIO(bank_xlsx.template())).sheetnames
    assert len(sheets) == 2  # the questions, then the guide


def test_round_trip_gives_the_same_questions(bank, courses):
    tricky = make_question(
        bank.owner,
        Kind.SHORT,
        "=1+1 이 수식이 아닌 글자로 남나요?",
        accepted_answers=["=2", "two"],
        case_sensitive=True,
        ignore_spaces=False,
        points=Decimal("0.5"),
        explanation="줄\n바꿈",
    )
    many = make_question(
        bank.owner,
        Kind.MULTIPLE,
        "보기가 여섯 개",
        [(str(n), n % 2 == 0) for n in range(1, 7)],
    )
    originals = [*bank.questions, tricky, many]
    content = bank_xlsx.export_questions(
        Question.objects.filter(pk__in=[q.pk for q in originals]).order_by("pk")
    )
    result = bank_xlsx.read_questions(content)
    assert result.is_valid, result.errors
    for original, read in zip(originals, result.questions, strict=True):
        assert read == QuestionData.of(original)


def test_import_view_saves_all_rows_in_one_go(client, bank):
    client.force_login(bank.owner)
    before = Question.objects.filter(owner=bank.owner).count()
    response = client.post(IMPORT, {"file": as_upload(workbook(GOOD_ROWS))})
    assert response.status_code == 302
    mine = Question.objects.filter(owner=bank.owner)
    assert mine.count() == before + len(GOOD_ROWS)
    assert mine.filter(text="수도는?").get().school == bank.owner.organisation


def test_import_view_saves_nothing_when_a_row_is_bad(client, bank):
    client.force_login(bank.owner)
    before = Question.objects.count()
    bad = [*GOOD_ROWS, row("객관식", "문제", ["a", "b"], 7)]
    response = client.post(IMPORT, {"file": as_upload(workbook(bad))})
    assert response.status_code == 200
    assert Question.objects.count() == before
    text = response.content.decode()
    assert "Choice 7 does not exist" in text and '<th scope="row">8</th>' in text


def test_import_view_rejects_a_non_workbook(client, bank):
    client.force_login(bank.owner)
    response = client.post(IMPORT, {"file": as_upload(b"%PDF-1.4", name="q.xlsx")})
    assert response.status_code == 200
    assert "not an Excel workbook" in response.content.decode()


def test_import_view_speaks_korean_by_default(bank):
    korean = Client()  # no Accept-Language: the project's default language
    korean.force_login(bank.owner)
    bad = [*GOOD_ROWS, row("객관식", "문제", ["a", "b"], 7)]
    text = korean.post(IMPORT, {"file": as_upload(workbook(bad))}).content.decode()
    assert "7번 보기가 없습니다" in text and '<th scope="row">8</th>' in text
    assert "Choice 7 does not exist" not in text


def test_export_and_template_downloads(client, bank, courses):
    shared = make_question(
        courses.city.north.subject_teacher, Kind.ESSAY, "동료 공유", is_shared=True
    )
    make_question(courses.city.south.homeroom_a, Kind.ESSAY, "남초", is_shared=True)
    client.force_login(bank.owner)
    response = client.get(reverse("assessments:bank_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    texts = {q.text for q in bank_xlsx.read_questions(response.content).questions}
    assert texts == {q.text for q in bank.questions} | {shared.text}
    filtered = client.get(reverse("assessments:bank_export"), {"kind": "essay", "whose": "mine"})
    assert [q.text for q in bank_xlsx.read_questions(filtered.content).questions] == [
        bank.essay.text
    ]
    template = client.get(reverse("assessments:bank_template"))
    assert template.status_code == 200 and bank_xlsx.read_questions(template.content).is_valid


def test_formula_text_stays_text_in_the_export(bank):
    question = make_question(bank.owner, Kind.ESSAY, '=HYPERLINK("http://x")')
    book = load_workbook(io.BytesIO(bank_xlsx.export_questions([question])))
    cell = book.active.cell(row=2, column=2)
    assert cell.value == question.text and cell.data_type == "s"


def test_too_large_upload_is_refused_before_reading(client, bank, monkeypatch):
    monkeypatch.setattr(bank_xlsx, "MAX_BYTES", 100)
    client.force_login(bank.owner)
    before = Question.objects.count()
    response = client.post(IMPORT, {"file": as_upload(workbook(GOOD_ROWS))})
    assert "file" in response.context["form"].errors
    assert Question.objects.count() == before


def test_reading_stops_after_a_long_run_of_blank_rows(monkeypatch):
    monkeypatch.setattr(bank_xlsx, "MAX_BLANK_RUN", 3)
    rows = [
        GOOD_ROWS[2],
        [None] * 11,
        [None] * 11,
        GOOD_ROWS[3],
        *([[None] * 11] * 3),
        GOOD_ROWS[5],
    ]
    result = bank_xlsx.read_questions(workbook(rows))
    assert [q.kind for q in result.questions] == [Kind.TRUE_FALSE, Kind.SHORT]


def _with_member(content: bytes, name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for member in source.infolist():
            if member.filename != name:
                target.writestr(member.filename, source.read(member.filename))
        target.writestr(name, data)
    return out.getvalue()


def test_a_workbook_that_unpacks_to_a_bomb_is_refused_unread(client, bank, monkeypatch):
    """A 262 KB upload whose shared strings unpacked to 256 MB grew the server by 230 MB: the
    declared sizes are checked before anything is unpacked."""
    content = workbook(GOOD_ROWS)
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    strings += b"<si><t>" + b"a" * (64 * 1024 * 1024) + b"</t></si></sst>"
    bomb = _with_member(content, "xl/sharedStrings.xml", strings)
    assert len(bomb) < bank_xlsx.MAX_BYTES
    opened: list[bytes] = []
    real = zipfile.ZipFile.open

    def watching(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", watching)
    result = bank_xlsx.read_questions(bomb)
    assert not result.is_valid and "larger than 50 MB" in result.file_error
    assert opened == []  # nothing was unpacked
    monkeypatch.undo()
    client.force_login(bank.owner)
    before = Question.objects.count()
    response = client.post(IMPORT, {"file": as_upload(bomb)})
    assert response.status_code == 200
    assert "larger than 50 MB" in response.content.decode()
    assert Question.objects.count() == before


def test_a_row_beyond_excel_is_refused(monkeypatch):
    content = workbook(GOOD_ROWS[:2])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    xml = xml.replace('<row r="3"', '<row r="2000000000"')
    xml = re.sub(r'(<c r="[A-Z]+)3"', r'\g<1>2000000000"', xml)
    xml = re.sub(r"<dimension [^>]*/>", "", xml)
    result = bank_xlsx.read_questions(
        _with_member(content, "xl/worksheets/sheet1.xml", xml.encode())
    )
    assert not result.is_valid and "not an Excel workbook" in result.file_error
