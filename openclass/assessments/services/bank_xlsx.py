"""Questions as an Excel workbook (.xlsx): the layout a teacher fills in, reading it back with
an error for every bad cell, and writing a bank out in the same layout (export then import gives
the same questions back, images and sharing aside).

The layout: the first sheet, one question per row, the first row naming the columns in any order
(Korean or English names; spaces and case do not matter):

===================  =========================================================================
유형 / kind           객관식 (single), 복수선택 (multiple), 참거짓 (true_false), 단답형 (short),
                      수치형 (numeric), 서술형 (essay); the English names and codes work too
문제 / question       the question text
보기1, 보기2, …        the choices of 객관식 and 복수선택 questions (choice1, choice2, … too)
정답 / answer         객관식: the choice number ("2"); 복수선택: the numbers ("1,3");
                      참거짓: 참/거짓, O/X or true/false; 단답형: accepted answers separated by
                      "|"; 수치형: the number; 서술형: empty
허용 오차 / tolerance  수치형 only: how far from the answer still counts (empty: 0)
배점 / points         empty: 1
분류 / category       optional
해설 / explanation    optional, shown with the correct answer
대소문자 구분          단답형 only: Y when upper and lower case must match (empty: N)
띄어쓰기 무시          단답형 only: N when spaces matter (empty: Y)
번호 / no.            optional, ignored
===================  =========================================================================
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from openclass.core import xlsx
from openclass.core.params import parse_int

from ..models import Question
from . import bank
from .grading import format_number, parse_number

Kind = Question.Kind
MAX_ROWS = 1000
MAX_BYTES = 5 * 1024 * 1024
MAX_BLANK_RUN = 2000
MAX_COLUMNS = 100  # 유형, 문제, 정답 and eight more, and as many 보기 as a teacher needs

# The names written in the header row and the kind column (a Korean teacher's words).
COLUMNS = {
    "number": "번호",
    "kind": "유형",
    "text": "문제",
    "answer": "정답",
    "tolerance": "허용 오차",
    "points": "배점",
    "category": "분류",
    "explanation": "해설",
    "case_sensitive": "대소문자 구분",
    "ignore_spaces": "띄어쓰기 무시",
}
CHOICE_COLUMN = "보기{n}"
KIND_NAMES: dict[str, str] = {
    Kind.SINGLE: "객관식",
    Kind.MULTIPLE: "복수선택",
    Kind.TRUE_FALSE: "참거짓",
    Kind.SHORT: "단답형",
    Kind.NUMERIC: "수치형",
    Kind.ESSAY: "서술형",
}
_HEADER_ALIASES = {
    "number": ["번호", "문항번호", "no", "number", "#"],
    "kind": ["유형", "문제유형", "문항유형", "종류", "kind", "type"],
    "text": ["문제", "문항", "질문", "발문", "question", "text"],
    "answer": ["정답", "답", "answer", "answers"],
    "tolerance": ["허용오차", "오차", "tolerance"],
    "points": ["배점", "점수", "points", "score"],
    "category": ["분류", "카테고리", "단원", "category"],
    "explanation": ["해설", "풀이", "explanation"],
    "case_sensitive": ["대소문자구분", "casesensitive"],
    "ignore_spaces": ["띄어쓰기무시", "공백무시", "ignorespaces"],
}
_CHOICE_HEADER = re.compile(r"(보기|선택지|답지|choice|option)(\d{1,2})")
_KIND_ALIASES = {
    Kind.SINGLE: ["객관식", "선다형", "단일선택", "single", "multiplechoice", "mc"],
    Kind.MULTIPLE: ["복수선택", "복수정답", "다답형", "multiple", "multipleanswer"],
    Kind.TRUE_FALSE: ["참거짓", "ox", "진위형", "truefalse", "tf"],
    Kind.SHORT: ["단답형", "주관식", "short", "shortanswer"],
    Kind.NUMERIC: ["수치형", "숫자형", "계산형", "numeric", "number"],
    Kind.ESSAY: ["서술형", "논술형", "essay"],
}
_TRUE = {"참", "o", "true", "t", "예", "네", "맞음", "yes", "y", "1"}
_FALSE = {"거짓", "x", "false", "f", "아니오", "아니요", "틀림", "no", "n", "0"}
_CIRCLED = {chr(0x2460 + i): f",{i + 1}," for i in range(20)}  # ① … ⑳ (NFKC would glue them)


def _key(value: str) -> str:
    """Names compared without case, width, spaces or punctuation: "허용 오차" = "허용오차",
    "True / False" = "truefalse", "O/X" = "ox"."""
    text = unicodedata.normalize("NFKC", value).casefold()
    for mark, letter in (("○", "o"), ("◯", "o"), ("×", "x"), ("✕", "x"), ("✗", "x")):
        text = text.replace(mark, letter)
    return "".join(ch for ch in text if ch.isalnum() or ch == "#")


def _kind_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {
        _key(alias): kind for kind, aliases in _KIND_ALIASES.items() for alias in aliases
    }
    for kind in Kind:
        lookup[_key(kind.value)] = kind.value
        for language in ("en", "ko", translation.get_language() or "ko"):
            with translation.override(language):
                lookup.setdefault(_key(str(kind.label)), kind.value)
    return lookup


@dataclass
class CellError:
    row: int  # as Excel numbers it
    column: str  # the column's name as written in the file
    message: str


@dataclass
class ImportResult:
    questions: list[bank.QuestionData] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    file_error: str = ""

    @property
    def is_valid(self) -> bool:
        return not self.file_error and not self.errors

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})


class _Row:
    """One row's cells by meaning, with the errors found while reading them."""

    def __init__(self, number: int, cells: dict[str, object], names: dict[str, str]) -> None:
        self.number = number
        self.cells = cells
        self.names = names
        self.errors: list[CellError] = []

    def error(self, column: str, message: str) -> None:
        name = self.names.get(column) or COLUMNS.get(column, column)
        error = CellError(self.number, name, message)
        if error not in self.errors:  # a cell read twice reports its problem once
            self.errors.append(error)

    def text(self, column: str) -> str:
        value = self.cells.get(column)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, datetime.datetime | datetime.date | datetime.time):
            self.error(
                column,
                _(
                    "Excel turned this cell into a date or time. Format the cell as text and "
                    "type it again."
                ),
            )
            return ""
        if isinstance(value, float):
            return format_number(value)
        return str(value).strip()

    def number_or(self, column: str, default: Decimal | None) -> Decimal | None:
        value = self.cells.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        number = parse_number(value if isinstance(value, int | float) else self.text(column))
        if number is None:
            self.error(column, _("“%(value)s” is not a number.") % {"value": self.text(column)})
        return number

    def decimal(self, column: str, default: Decimal) -> Decimal:
        """``number_or`` with a default: a cell that is not a number is an error of the row,
        and ``default`` stands in for it."""
        number = self.number_or(column, default)
        return default if number is None else number

    def flag(self, column: str, default: bool) -> bool:
        value = self.cells.get(column)
        if isinstance(value, bool):
            return value
        text = _key(self.text(column))
        if not text:
            return default
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self.error(column, _("Write Y or N."))
        return default


def _read_header(values: tuple) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """Column index → meaning ("kind", "choice3", …), meaning → the name in the file, and the
    names nobody understands."""
    columns: dict[int, str] = {}
    names: dict[str, str] = {}
    unknown: list[str] = []
    lookup = {
        _key(alias): meaning for meaning, aliases in _HEADER_ALIASES.items() for alias in aliases
    }
    for index, value in enumerate(values):
        name = str(value).strip() if value is not None else ""
        if not name:
            continue
        key = _key(name)
        if match := _CHOICE_HEADER.fullmatch(key):
            meaning = f"choice{int(match.group(2))}"
        else:
            meaning = lookup.get(key, "")
        if not meaning:
            unknown.append(name)
        elif meaning in names:
            unknown.append(name)  # a second column of the same meaning is a mistake too
        else:
            columns[index] = meaning
            names[meaning] = name
    return columns, names, unknown


def _choice_numbers(row: _Row, count: int) -> list[int]:
    value = row.cells.get("answer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        parts = [str(value)]
    else:
        text = row.text("answer")
        for circled, digits in _CIRCLED.items():
            text = text.replace(circled, digits)
        text = unicodedata.normalize("NFKC", text)
        parts = [part for part in re.split(r"[\s,;/·、]+", text) if part]
    numbers = []
    for part in parts:
        number = parse_int(part)
        if number is None:
            row.error("answer", _("“%(value)s” is not a choice number.") % {"value": part})
            return []
        if not 1 <= number <= count:
            row.error(
                "answer",
                _("Choice %(number)d does not exist: the row has %(count)d choices.")
                % {"number": number, "count": count},
            )
            return []
        numbers.append(number)
    return numbers


def _read_row(row: _Row, kinds: dict[str, str]) -> bank.QuestionData | None:
    kind_text = row.text("kind")
    kind = kinds.get(_key(kind_text)) if kind_text else None
    if not kind_text:
        row.error("kind", _("The kind is missing."))
    elif kind is None:
        row.error(
            "kind",
            _("“%(value)s” is not a question kind. Use one of: %(kinds)s.")
            % {"value": kind_text, "kinds": ", ".join(KIND_NAMES.values())},
        )
    text = row.text("text")
    if not text:
        row.error("text", _("The question text is missing."))
    choice_columns = sorted(
        (int(meaning[6:]), meaning) for meaning in row.names if meaning.startswith("choice")
    )
    choices: list[str] = []
    gap = ""
    for _number, meaning in choice_columns:
        value = row.text(meaning)
        if value and gap:
            row.error(
                gap, _("This choice is empty but a later one is not. Fill the choices in order.")
            )
            gap = ""
        if value:
            choices.append(value)
        elif not gap:
            gap = meaning
    answer = row.text("answer")
    data = bank.QuestionData(
        kind=kind or "",
        text=text,
        points=row.decimal("points", Decimal(1)),
        category=row.text("category"),
        explanation=row.text("explanation"),
        case_sensitive=row.flag("case_sensitive", False),
        ignore_spaces=row.flag("ignore_spaces", True),
        tolerance=row.decimal("tolerance", Decimal(0)),
    )
    if kind is None:
        return None
    if choices and kind not in Question.CHOICE_KINDS:
        row.error(choice_columns[0][1], _("Only 객관식 and 복수선택 questions have choices."))
    if kind != Kind.ESSAY and not answer and row.cells.get("answer") is None:
        row.error("answer", _("The answer is missing."))
    elif kind in Question.CHOICE_KINDS:
        if len(choices) < bank.MIN_CHOICES:
            row.error(
                choice_columns[0][1] if choice_columns else "answer",
                _("Give at least two choices."),
            )
        numbers = _choice_numbers(row, len(choices))
        if kind == Kind.SINGLE and len(numbers) > 1:
            row.error("answer", _("A 객관식 question has exactly one correct choice."))
        data.choices = [(choice, n in numbers) for n, choice in enumerate(choices, start=1)]
        if not numbers:
            return None
    elif kind == Kind.TRUE_FALSE:
        cell = row.cells.get("answer")
        truth = cell if isinstance(cell, bool) else None
        if truth is None:
            key = _key(answer)
            truth = True if key in _TRUE else False if key in _FALSE else None
        if truth is None:
            row.error("answer", _("Write 참 or 거짓 (O or X, true or false)."))
        data.answer_true = truth
    elif kind == Kind.SHORT:
        data.accepted_answers = [part.strip() for part in answer.split(bank.VARIANT_SEPARATOR)]
    elif kind == Kind.NUMERIC:
        data.numeric_answer = row.number_or("answer", None)
    if row.errors:  # (points or a tolerance that is not a number are among them)
        return None
    for name, message in bank.check_question(data):
        column = {"accepted_answers": "answer", "numeric_answer": "answer", "answer_true": "answer"}
        target = column.get(name, name)
        if name == "choices":
            target = choice_columns[0][1] if choice_columns else "answer"
        row.error(target, message)
    return None if row.errors else data


def _too_many_questions() -> str:
    return _("The file has more than %(n)d questions. Split it into smaller files.") % {
        "n": MAX_ROWS
    }


def read_questions(content: bytes) -> ImportResult:
    """Read every row of the first sheet; an ``ImportResult`` with the questions, or with the
    errors of every bad cell (then nothing should be saved)."""
    result = ImportResult()
    if len(content) > MAX_BYTES:
        result.file_error = _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 1048576}
        return result
    # Rows with only a number are blank to a teacher: the reader may see a run of them too.
    rows = xlsx.read_rows(
        content,
        max_rows=MAX_ROWS + MAX_BLANK_RUN,
        too_many_rows=_too_many_questions(),
        max_columns=MAX_COLUMNS,
        max_blank_run=MAX_BLANK_RUN,
    )
    try:
        first = next(rows, None)
        if first is None:
            result.file_error = _("The first sheet is empty.")
            return result
        columns, names, unknown = _read_header(first[1])
        missing = [COLUMNS[m] for m in ("kind", "text", "answer") if m not in names]
        if unknown or missing:
            parts = []
            if missing:
                parts.append(
                    _("The first row has no column %(names)s.") % {"names": ", ".join(missing)}
                )
            if unknown:
                parts.append(
                    _("The first row names columns that are not known or are repeated: %(names)s.")
                    % {"names": ", ".join(unknown)}
                )
            parts.append(_("Download the template to see the columns."))
            result.file_error = " ".join(parts)
            return result
        kinds = _kind_lookup()
        count = 0
        blank_run = 0
        for number, values in rows:
            cells = {
                columns[i]: value
                for i, value in enumerate(values)
                if i in columns and not (isinstance(value, str) and not value.strip())
            }
            cells = {meaning: value for meaning, value in cells.items() if value is not None}
            if not any(m != "number" for m in cells):
                blank_run += 1
                if blank_run >= MAX_BLANK_RUN:
                    break  # formatted but empty rows down to the sheet's end: nothing more
                continue
            blank_run = 0
            count += 1
            if count > MAX_ROWS:
                result.file_error = _too_many_questions()
                return result
            row = _Row(number, cells, names)
            data = _read_row(row, kinds)
            result.errors.extend(row.errors)
            if data is not None:
                result.questions.append(data)
        if count == 0 and not result.errors:
            result.file_error = _("The file has no questions below the first row.")
    except xlsx.XlsxError as error:
        result.file_error = error.messages[0]
    finally:
        rows.close()
    return result


# --- Writing --------------------------------------------------------------------------------


def _answer_cell(question: Question) -> object:
    kind = question.kind
    if kind in Question.CHOICE_KINDS:
        numbers = [str(n) for n, c in enumerate(question.choices.all(), start=1) if c.is_correct]
        return int(numbers[0]) if len(numbers) == 1 and kind == Kind.SINGLE else ",".join(numbers)
    if kind == Kind.TRUE_FALSE:
        return "" if question.answer_true is None else ("참" if question.answer_true else "거짓")
    if kind == Kind.SHORT:
        return bank.VARIANT_SEPARATOR.join(question.accepted_answers or [])
    if kind == Kind.NUMERIC:
        return question.numeric_answer
    return ""


def _header(choice_count: int) -> list[tuple[str, str]]:
    order = ["kind", "text"]
    header = [(m, COLUMNS[m]) for m in order]
    header += [(f"choice{n}", CHOICE_COLUMN.format(n=n)) for n in range(1, choice_count + 1)]
    header += [
        (m, COLUMNS[m])
        for m in (
            "answer",
            "tolerance",
            "points",
            "category",
            "explanation",
            "case_sensitive",
            "ignore_spaces",
        )
    ]
    return header


def _row_values(question: Question) -> dict[str, object]:
    values: dict[str, object] = {
        "kind": KIND_NAMES[question.kind],
        "text": question.text,
        "answer": _answer_cell(question),
        "tolerance": question.tolerance if question.kind == Kind.NUMERIC else None,
        "points": question.points,
        "category": question.category,
        "explanation": question.explanation,
        "case_sensitive": ("Y" if question.case_sensitive else "N")
        if question.kind == Kind.SHORT
        else None,
        "ignore_spaces": ("Y" if question.ignore_spaces else "N")
        if question.kind == Kind.SHORT
        else None,
    }
    if question.kind in Question.CHOICE_KINDS:
        for n, choice in enumerate(question.choices.all(), start=1):
            values[f"choice{n}"] = choice.text
    return values


def _write_sheet(sheet, rows: list[dict[str, object]], choice_count: int) -> None:
    header = _header(choice_count)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E5E7EB")
    for column, (_meaning, name) in enumerate(header, start=1):
        cell = xlsx.put(sheet, 1, column, name)
        cell.font = bold
        cell.fill = fill
    for row_number, values in enumerate(rows, start=2):
        for column, (meaning, _name) in enumerate(header, start=1):
            value = values.get(meaning)
            if value is None or value == "":
                continue
            if isinstance(value, Decimal):
                value = float(value)
            cell = xlsx.put(sheet, row_number, column, value)  # teachers' text stays text
            if isinstance(value, str):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = {"kind": 10, "text": 40, "answer": 14, "explanation": 30, "category": 12}
    for column, (meaning, _name) in enumerate(header, start=1):
        width = widths.get(meaning, 16 if meaning.startswith("choice") else 11)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"


def _guide_sheet(workbook: Workbook) -> None:
    guide = workbook.create_sheet(_("Guide"))
    lines = [
        (_("Column"), _("What to write")),
        (COLUMNS["kind"], ", ".join(KIND_NAMES.values())),
        (COLUMNS["text"], _("The question.")),
        (
            CHOICE_COLUMN.format(n="1, 2, …"),
            _(
                "The choices of 객관식 and 복수선택 questions, in order. Add columns 보기5, "
                "보기6, … for more."
            ),
        ),
        (
            COLUMNS["answer"],
            _(
                "객관식: the number of the correct choice (2). 복수선택: the numbers, separated by "
                "commas (1,3). 참거짓: 참 or 거짓 (O or X). 단답형: every accepted answer, "
                "separated by | (독도|Dokdo). 수치형: the number. 서술형: leave empty."
            ),
        ),
        (
            COLUMNS["tolerance"],
            _("수치형 only: how far from the answer still counts. Empty means exactly."),
        ),
        (COLUMNS["points"], _("Empty means 1.")),
        (COLUMNS["category"], _("Optional: a unit or topic.")),
        (COLUMNS["explanation"], _("Optional: shown with the correct answer.")),
        (
            COLUMNS["case_sensitive"],
            _("단답형 only: Y when upper and lower case must match. Empty means N."),
        ),
        (COLUMNS["ignore_spaces"], _("단답형 only: N when spaces matter. Empty means Y.")),
        ("", _("Only the first sheet is read. The first row must keep the column names.")),
    ]
    for row, (name, text) in enumerate(lines, start=1):
        xlsx.put(guide, row, 1, name).font = Font(bold=True)
        cell = xlsx.put(guide, row, 2, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 90


def _save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_questions(questions) -> bytes:
    """The questions in the import layout, with a guide sheet after them."""
    questions = list(questions)
    count = max([4] + [len(q.choices.all()) for q in questions if q.kind in Question.CHOICE_KINDS])
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Questions")
    _write_sheet(sheet, [_row_values(question) for question in questions], count)
    _guide_sheet(workbook)
    return _save(workbook)


EXAMPLES = [
    {
        "kind": "객관식",
        "text": "대한민국의 수도는?",
        "choice1": "부산",
        "choice2": "서울",
        "choice3": "대구",
        "choice4": "광주",
        "answer": 2,
        "points": 1,
        "category": "1단원",
    },
    {
        "kind": "복수선택",
        "text": "소수를 모두 고르세요.",
        "choice1": "2",
        "choice2": "3",
        "choice3": "4",
        "choice4": "9",
        "answer": "1,2",
        "points": 2,
        "category": "1단원",
    },
    {"kind": "참거짓", "text": "독도는 대한민국의 영토이다.", "answer": "참", "points": 1},
    {
        "kind": "단답형",
        "text": "우리나라 동쪽 끝에 있는 섬은?",
        "answer": "독도|Dokdo",
        "points": 1,
        "case_sensitive": "N",
        "ignore_spaces": "Y",
    },
    {
        "kind": "수치형",
        "text": "원주율을 소수 둘째 자리까지 쓰세요.",
        "answer": 3.14,
        "tolerance": 0.01,
        "points": 1,
    },
    {
        "kind": "서술형",
        "text": "안전한 등굣길을 위해 할 수 있는 일을 써 보세요.",
        "points": 5,
        "explanation": "교통 신호, 보행 안전 등을 들어 설명하면 됩니다.",
    },
]


def template() -> bytes:
    """An empty-to-fill workbook: the header row, one example of every kind, the guide."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Questions")
    _write_sheet(sheet, EXAMPLES, 4)
    _guide_sheet(workbook)
    return _save(workbook)
