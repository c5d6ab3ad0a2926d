"""Roster import: a school admin uploads the class lists (CSV or Excel) and the accounts follow.

The flow is read → plan → (admin confirms) → commit. ``read_roster`` turns the uploaded bytes into
plain rows of text; ``plan_roster`` checks every row against the school and the database and says
what would happen to it; ``commit_roster`` plans again inside one transaction and writes only if
the whole file is still valid, so a half-imported roster can never exist.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openclass.core import xlsx

from ..models import Organisation, ParentLink, User
from .credentials import next_student_usernames

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Kind = Organisation.Kind
Role = User.Role

MAX_ROWS = 3000  # a big school has ~2,000 students; the parsed rows live in the session
MAX_COLUMNS = 40
MAX_BLANK_RUN = 1000  # blank rows after which a workbook's table has ended
HEADER_SEARCH_ROWS = 10  # NEIS and hand-made files often put a title above the header row
NAME_MAX_LENGTH = 60
CLASS_MAX = 30
NUMBER_MAX = 99
GRADES_BY_LEVEL: dict[str, int] = {
    Organisation.SchoolLevel.ELEMENTARY: 6,
    Organisation.SchoolLevel.MIDDLE: 3,
    Organisation.SchoolLevel.HIGH: 3,
}
DEFAULT_MAX_GRADE = 6  # special schools (and a school with no level yet) run up to 6 grades


@dataclass(frozen=True)
class Columns:
    """What one kind of import reads: its fields, the required ones, the header spellings seen
    in Korean school files (compared after ``_header_key``), and how a missing column is named.
    The student roster and the staff import share the reader; each has its own ``Columns``."""

    fields: tuple[str, ...]
    required: tuple[str, ...]
    aliases: dict[str, set[str]]
    labels: dict[str, str]  # how a missing required column is named: "이름 (name)"
    #: The Korean header row of the downloadable template, in ``fields``'s order.
    template_headers: tuple[str, ...]
    template_example: tuple[str, ...]
    #: Said when the header row has nothing under it.
    no_rows: StrOrPromise

    @property
    def lookup(self) -> dict[str, str]:
        return {alias: key for key, aliases in self.aliases.items() for alias in aliases}

    def required_labels(self) -> str:
        return ", ".join(self.labels[key] for key in self.required)


STUDENT_COLUMNS = Columns(
    fields=("name", "grade", "klass", "number", "phone", "username"),
    required=("name", "grade", "klass", "number"),
    # Header spellings seen in Korean school files, compared after _header_key().
    aliases={
        "name": {"이름", "성명", "학생이름", "학생성명", "학생명", "name", "studentname"},
        "grade": {"학년", "grade"},
        "klass": {"반", "학급", "class", "classnumber"},
        "number": {"번호", "번", "출석번호", "number", "studentnumber", "no", "no."},
        "phone": {
            "학부모연락처",
            "보호자연락처",
            "학부모전화번호",
            "보호자전화번호",
            "학부모휴대폰",
            "보호자휴대폰",
            "parentphone",
            "guardianphone",
        },
        "username": {"아이디", "사용자이름", "사용자아이디", "username", "userid", "id"},
    },
    labels={
        "name": "이름 (name)",
        "grade": "학년 (grade)",
        "klass": "반 (class)",
        "number": "번호 (number)",
    },
    template_headers=("이름", "학년", "반", "번호", "학부모 연락처", "아이디"),
    template_example=("김하늘", "3", "2", "15", "010-1234-5678", ""),
    no_rows=gettext_lazy("The file has a header row but no students under it."),
)
FIELDS = STUDENT_COLUMNS.fields
REQUIRED_FIELDS = STUDENT_COLUMNS.required
_NUMBER_CELL = re.compile(r"^(\d{1,3})\s*(학년|반|번)?$")

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an .xlsx with a password
_BINARY_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"%PDF",
    b"BM",
    b"RIFF",
    b"\x1f\x8b",  # gzip
    b"7z\xbc\xaf",
    b"Rar!",
    b"II*\x00",  # TIFF
    b"MM\x00*",
)


class RosterFileError(Exception):
    """The upload is not a roster we can read; ``str(error)`` is a message for the admin."""


class ImportInvalid(Exception):
    """Raised by an import's commit when the rows no longer pass; carries the fresh plan."""

    def __init__(self, plan: Any) -> None:
        super().__init__("the file has errors")
        self.plan = plan


class RosterInvalid(ImportInvalid):
    plan: RosterPlan


# --- Reading the file ----------------------------------------------------------------------


@dataclass(frozen=True)
class RosterFile:
    """The text rows of an upload plus the hash the confirm step must post back."""

    rows: list[dict[str, str]]
    file_hash: str


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _not_a_roster(columns: Columns = STUDENT_COLUMNS) -> RosterFileError:
    if columns is not STUDENT_COLUMNS:
        return RosterFileError(
            _(
                "This file cannot be read. Upload a CSV file or an Excel workbook (.xlsx) whose "
                "first row names the columns %(columns)s."
            )
            % {"columns": columns.required_labels()}
        )
    return RosterFileError(
        _(
            "This file is not a roster. Upload a CSV file or an Excel workbook (.xlsx) whose "
            "first row names the columns 이름, 학년, 반 and 번호 (name, grade, class, number)."
        )
    )


def read_roster(data: bytes, columns: Columns = STUDENT_COLUMNS) -> RosterFile:
    """Parse an upload into rows of text keyed by FIELDS (plus ``line``, the spreadsheet row).

    The format is told from the content, not the file name: schools rename files freely, and an
    image renamed to .csv must still be refused with a clear message rather than a crash.
    """
    if len(data) > settings.ROSTER_MAX_BYTES:
        raise RosterFileError(
            _("The file is larger than %(size)d MB. Check that you chose the roster file.")
            % {"size": max(1, settings.ROSTER_MAX_BYTES // (1024 * 1024))}
        )
    if not data.strip():
        raise RosterFileError(_("The file is empty. Choose the roster file and upload it again."))
    if data.startswith(_OLE2_MAGIC):
        raise RosterFileError(
            _(
                "Old Excel files (.xls) and workbooks with a password cannot be read. In Excel, "
                "use “Save as” to save the roster as an Excel workbook (.xlsx) or as CSV, "
                "without a password, and upload that file."
            )
        )
    if data.startswith(b"PK\x03\x04"):
        table = _xlsx_rows(data)
    elif data.startswith(_BINARY_MAGIC):
        raise _not_a_roster(columns)
    else:
        table = _csv_rows(_decode(data))
    return RosterFile(rows=_rows_from_table(table, columns), file_hash=file_hash(data))


def _decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel's "CSV UTF-8" writes), UTF-16 from Excel's "Unicode
    text", else CP949, which Korean Excel uses for plain "CSV"."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp949")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
            raise _not_a_roster()  # control characters: binary data that happened to decode
        return text
    raise _not_a_roster()


# Non-blank rows of a sheet with their 1-based row numbers, as Excel shows them.
Table = list[tuple[int, list[object]]]


def _collect(rows: Iterable[tuple[int, Iterable[object]]]) -> Table:
    """Keep the non-blank rows (numbered as Excel shows them), refusing a file longer than any
    school instead of cutting it."""
    table: Table = []
    for line, cells in rows:
        values = list(cells)
        if not any(_cell_text(value) for value in values):
            continue
        if len(table) >= MAX_ROWS + HEADER_SEARCH_ROWS:
            raise _too_many_rows()
        table.append((line, values))
    return table


def _too_many_rows() -> RosterFileError:
    return RosterFileError(
        _("The file has more than %(max)d students. Split it by grade and upload each part.")
        % {"max": MAX_ROWS}
    )


def _csv_rows(text: str) -> Table:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    try:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return _collect(enumerate(rows, start=1))
    except csv.Error as error:
        raise _not_a_roster() from error


def _xlsx_rows(data: bytes) -> Table:
    try:
        rows = xlsx.read_rows(
            data,
            max_rows=MAX_ROWS + HEADER_SEARCH_ROWS,
            too_many_rows=str(_too_many_rows()),
            max_columns=MAX_COLUMNS,
            max_blank_run=MAX_BLANK_RUN,
        )
        return _collect(rows)
    except xlsx.XlsxError as error:
        if error.code == xlsx.NOT_A_WORKBOOK:
            raise _not_a_roster() from error
        raise RosterFileError(error.messages[0]) from error


def _cell_text(value: object) -> str:
    """Cell value as text: Excel stores 3 as 3.0 and may hand back numbers for any column."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_key(value: object) -> str:
    return re.sub(r"[\s_\-]", "", _cell_text(value)).lower()


def _find_header(table: Table, columns: Columns) -> tuple[int, dict[str, int]]:
    """Position of the header row in ``table`` and which column holds each field."""
    first_seen: dict[str, int] | None = None
    lookup = columns.lookup
    for index, (_line, row) in enumerate(table[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for position, cell in enumerate(row):
            key = lookup.get(_header_key(cell))
            if key and key not in found:
                found[key] = position
        if all(key in found for key in columns.required):
            return index, found
        if first_seen is None:
            first_seen = found
    if first_seen is None:
        raise RosterFileError(_("The file is empty. Choose the roster file and upload it again."))
    missing = [columns.labels[key] for key in columns.required if key not in first_seen]
    if len(missing) == len(columns.required):
        raise _not_a_roster(columns)
    if columns is not STUDENT_COLUMNS:
        raise RosterFileError(
            _(
                "The file has no column for %(columns)s. The first row must name the columns "
                "%(all)s."
            )
            % {"columns": ", ".join(missing), "all": columns.required_labels()}
        )
    raise RosterFileError(
        _(
            "The file has no column for %(columns)s. The first row must name the columns "
            "이름, 학년, 반 and 번호 (name, grade, class, number)."
        )
        % {"columns": ", ".join(missing)}
    )


def _rows_from_table(table: Table, columns: Columns = STUDENT_COLUMNS) -> list[dict[str, str]]:
    header_index, found = _find_header(table, columns)
    rows: list[dict[str, str]] = []
    for line, cells in table[header_index + 1 :]:
        values = {
            key: _cell_text(cells[position]) if position < len(cells) else ""
            for key, position in found.items()
        }
        if not any(values.values()):
            continue  # only columns we do not read are filled in: a note, not a person
        if len(rows) >= MAX_ROWS:
            raise _too_many_rows()
        rows.append({"line": str(line), **{key: values.get(key, "") for key in columns.fields}})
    if not rows:
        raise RosterFileError(str(columns.no_rows))
    return rows


def template_xlsx(columns: Columns) -> bytes:
    """The file to fill in: the header row the reader looks for and one example row (text
    cells, so 010-… and 3-1 stay as typed)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    xlsx.append_rows(sheet, [columns.template_headers, columns.template_example])
    for index, header in enumerate(columns.template_headers):
        sheet.column_dimensions[chr(ord("A") + index)].width = max(12, len(header) * 3)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- Checking the rows ---------------------------------------------------------------------


def normalise_phone(value: str) -> str | None:
    """The 010-1234-5678 form of any spelling of a Korean mobile number, None if not one.

    Excel drops the leading zero when a number column holds phone numbers, so 9–10 digits
    starting with 1 get it back.
    """
    digits = re.sub(r"\D", "", value)
    if len(digits) in (9, 10) and digits.startswith("1"):
        digits = "0" + digits
    if len(digits) not in (10, 11) or not digits.startswith("01"):
        return None
    if len(digits) == 11:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def _phone_digits(value: str) -> str:
    normalised = normalise_phone(value)
    return re.sub(r"\D", "", normalised) if normalised else ""


def max_grade(school: Organisation) -> int:
    return GRADES_BY_LEVEL.get(school.school_level, DEFAULT_MAX_GRADE)


class Action(StrEnum):
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


Seat = tuple[int, int, int]


@dataclass
class RowPlan:
    """One roster row and what committing it would do."""

    line: int
    name: str
    grade_text: str
    klass_text: str
    number_text: str
    phone_text: str
    username: str
    grade: int | None = None
    klass: int | None = None
    number: int | None = None
    phone: str = ""
    student: User | None = None
    parent: User | None = None  # an existing parent account to link
    new_parent: bool = False  # a parent account is created for ``phone``
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    @property
    def seat(self) -> Seat | None:
        if self.grade is None or self.klass is None or self.number is None:
            return None
        return (self.grade, self.klass, self.number)

    @property
    def action(self) -> Action:
        if self.errors:
            return Action.ERROR
        if self.student is None:
            return Action.NEW
        return Action.UPDATE if self.changes else Action.UNCHANGED


@dataclass
class RosterPlan:
    school: Organisation
    rows: list[RowPlan]
    # "4학년 2반" for classes the file needs that the school does not have yet.
    new_classes: list[str] = field(default_factory=list)
    # Active students of the school the file does not mention: an import never removes anyone.
    not_in_file: int = 0

    @property
    def is_valid(self) -> bool:
        return not any(row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    def count(self, action: Action) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def new_count(self) -> int:
        return self.count(Action.NEW)

    @property
    def update_count(self) -> int:
        return self.count(Action.UPDATE)

    @property
    def unchanged_count(self) -> int:
        return self.count(Action.UNCHANGED)

    @property
    def new_parent_count(self) -> int:
        return len({row.phone for row in self.rows if row.new_parent})


def _seat_of(student: User) -> Seat | None:
    klass = student.organisation
    if klass is None or klass.kind != Kind.CLASS:
        return None
    grade = klass.parent
    if grade is None or grade.number is None or klass.number is None or student.number is None:
        return None
    return (grade.number, klass.number, student.number)


def _seat_label(seat: Seat) -> str:
    return _("grade %(grade)d, class %(klass)d, No. %(number)d") % {
        "grade": seat[0],
        "klass": seat[1],
        "number": seat[2],
    }


def _parse_number(text: str) -> int | None:
    match = _NUMBER_CELL.match(text.strip())
    return int(match.group(1)) if match else None


def _number_in_range(row: RowPlan, text: str, top: int, refusal: str) -> int | None:
    """The number in a cell if it is from 1 to ``top``; otherwise None, and ``refusal`` (with
    the row's line and ``top``) among the row's errors."""
    number = _parse_number(text)
    if number is None or not 1 <= number <= top:
        row.errors.append(refusal % {"row": row.line, "max": top})
        return None
    return number


def _check_fields(row: RowPlan, top_grade: int) -> None:
    """Errors a row has on its own, before looking at the other rows or the database."""
    line = row.line
    if not row.name:
        row.errors.append(_("Row %(row)d: the name is missing.") % {"row": line})
    elif len(row.name) > NAME_MAX_LENGTH:
        row.errors.append(
            _("Row %(row)d: the name is longer than %(max)d characters.")
            % {"row": line, "max": NAME_MAX_LENGTH}
        )
    row.grade = _number_in_range(
        row,
        row.grade_text,
        top_grade,
        _("Row %(row)d: the grade must be a number from 1 to %(max)d."),
    )
    row.klass = _number_in_range(
        row,
        row.klass_text,
        CLASS_MAX,
        _("Row %(row)d: the class must be a number from 1 to %(max)d."),
    )
    row.number = _number_in_range(
        row,
        row.number_text,
        NUMBER_MAX,
        _("Row %(row)d: the student number must be a number from 1 to %(max)d."),
    )
    if row.phone_text:
        phone = normalise_phone(row.phone_text)
        if phone is None:
            row.errors.append(
                _(
                    "Row %(row)d: “%(phone)s” is not a mobile phone number. Write it like "
                    "010-1234-5678."
                )
                % {"row": line, "phone": row.phone_text}
            )
        else:
            row.phone = phone


def _check_duplicates(rows: list[RowPlan]) -> None:
    """The same seat or the same user name twice in one file: one of them is a typing mistake."""
    seats = Counter(row.seat for row in rows if row.seat)
    usernames = Counter(row.username for row in rows if row.username)
    first_line: dict[object, int] = {}
    for row in rows:
        if row.seat and seats[row.seat] > 1:
            first = first_line.setdefault(("seat", row.seat), row.line)
            if first != row.line:
                row.errors.append(
                    _("Row %(row)d: row %(first)d already has a student at %(seat)s.")
                    % {"row": row.line, "first": first, "seat": _seat_label(row.seat)}
                )
        if row.username and usernames[row.username] > 1:
            first = first_line.setdefault(("username", row.username), row.line)
            if first != row.line:
                row.errors.append(
                    _("Row %(row)d: the user name “%(username)s” is already on row %(first)d.")
                    % {"row": row.line, "username": row.username, "first": first}
                )


def _school_parents_by_phone(school: Organisation) -> dict[str, User]:
    """Parents already linked to a student of this school, by phone digits.

    Matching is limited to this school so one school's roster can never attach a child to a
    parent account it has no business seeing.
    """
    parents = (
        User.objects.filter(
            role=Role.PARENT,
            child_links__student__organisation__path__startswith=school.path,
        )
        .exclude(phone="")
        .distinct()
        .order_by("pk")
    )
    found: dict[str, User] = {}
    for parent in parents:
        digits = _phone_digits(parent.phone)
        if digits:
            found.setdefault(digits, parent)
    return found


def plan_roster(school: Organisation, raw_rows: list[dict[str, str]]) -> RosterPlan:
    """Check every row and work out whether it makes a new student, updates one, or changes
    nothing. Reads the database, writes nothing."""
    top_grade = max_grade(school)
    rows = [
        RowPlan(
            line=int(raw.get("line") or 0),
            name=raw.get("name", "").strip(),
            grade_text=raw.get("grade", "").strip(),
            klass_text=raw.get("klass", "").strip(),
            number_text=raw.get("number", "").strip(),
            phone_text=raw.get("phone", "").strip(),
            username=raw.get("username", "").strip(),
        )
        for raw in raw_rows
    ]
    for row in rows:
        _check_fields(row, top_grade)
    _check_duplicates(rows)

    students = list(
        User.objects.filter(role=Role.STUDENT, organisation__path__startswith=school.path)
        .select_related("organisation__parent__parent")
        .order_by("pk")
    )
    by_username = {student.username: student for student in students}
    by_seat: dict[Seat, list[User]] = defaultdict(list)
    for student in students:
        seat = _seat_of(student)
        if student.is_active and seat:
            by_seat[seat].append(student)

    # Rows naming a user name claim that student first, so a student moved away frees the seat
    # for a row without a user name instead of being matched twice.
    claimed: dict[int, RowPlan] = {}
    for row in rows:
        if not row.username:
            continue
        named = by_username.get(row.username)
        if named is None:
            row.errors.append(
                _("Row %(row)d: “%(username)s” is not the user name of a student of this school.")
                % {"row": row.line, "username": row.username}
            )
            continue
        row.student = named
        claimed.setdefault(named.pk, row)
    for row in rows:
        if row.username or row.errors or row.seat is None:
            continue
        sitting = [s for s in by_seat.get(row.seat, []) if s.pk not in claimed]
        if len(sitting) > 1:
            row.errors.append(
                _(
                    "Row %(row)d: more than one student already sits at %(seat)s. Add their user "
                    "names to the file to say which one this row is."
                )
                % {"row": row.line, "seat": _seat_label(row.seat)}
            )
        elif sitting:
            row.student = sitting[0]
            claimed[sitting[0].pk] = row

    for row in rows:
        if row.student is None or row.errors or row.seat is None:
            continue
        _plan_student_changes(row, by_seat, claimed)
    _plan_parents(school, rows)
    existing_classes = {
        (klass.parent.number, klass.number)
        for klass in Organisation.objects.filter(
            kind=Kind.CLASS, path__startswith=school.path
        ).select_related("parent")
        if klass.parent is not None  # a class always sits under its grade
    }
    wanted = {(row.grade, row.klass) for row in rows if row.seat}
    return RosterPlan(
        school=school,
        rows=rows,
        new_classes=[f"{g}학년 {c}반" for g, c in sorted(wanted - existing_classes)],
        not_in_file=sum(
            1 for student in students if student.is_active and student.pk not in claimed
        ),
    )


def _plan_student_changes(
    row: RowPlan, by_seat: dict[Seat, list[User]], claimed: dict[int, RowPlan]
) -> None:
    student = row.student
    assert student is not None and row.seat is not None
    if student.name != row.name:
        row.changes.append(
            _("Name changes from %(old)s to %(new)s.") % {"old": student.name, "new": row.name}
        )
    old_seat = _seat_of(student)
    if old_seat != row.seat:
        # Someone staying put at the new seat would end up sharing it.
        staying = [
            s for s in by_seat.get(row.seat, []) if s.pk != student.pk and s.pk not in claimed
        ]
        if staying:
            row.errors.append(
                _(
                    "Row %(row)d: %(name)s (%(username)s) already sits at %(seat)s and is not "
                    "moved elsewhere in this file."
                )
                % {
                    "row": row.line,
                    "name": staying[0].name,
                    "username": staying[0].username,
                    "seat": _seat_label(row.seat),
                }
            )
            return
        if old_seat:
            row.changes.append(
                _("Moves from %(old)s to %(new)s.")
                % {"old": _seat_label(old_seat), "new": _seat_label(row.seat)}
            )
        else:
            row.changes.append(_("Is seated at %(new)s.") % {"new": _seat_label(row.seat)})
    if not student.is_active:
        row.changes.append(_("The account is turned on again."))


def _plan_parents(school: Organisation, rows: list[RowPlan]) -> None:
    """Which rows link an existing parent, which create one (once per phone, for siblings)."""
    existing = _school_parents_by_phone(school)
    linked: set[tuple[int, int]] = set(
        ParentLink.objects.filter(
            student__in=[row.student for row in rows if row.student],
            parent__in=list(existing.values()),
        ).values_list("parent_id", "student_id")
    )
    created_phones: set[str] = set()
    for row in rows:
        if not row.phone or row.errors:
            continue
        digits = re.sub(r"\D", "", row.phone)
        parent = existing.get(digits)
        if parent is not None:
            row.parent = parent
            if row.student is None or (parent.pk, row.student.pk) not in linked:
                row.changes.append(
                    _("Parent contact %(phone)s is linked (existing parent account).")
                    % {"phone": row.phone}
                )
            continue
        row.new_parent = True
        note = (
            _("Parent contact %(phone)s gets a new parent account.")
            if digits not in created_phones
            else _("Parent contact %(phone)s is linked (same new parent account as a row above).")
        )
        created_phones.add(digits)
        row.changes.append(note % {"phone": row.phone})


# --- Writing -------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    parents_created: int = 0
    # Each class named in the file, with how many of its students are new.
    classes: list[tuple[Organisation, int]] = field(default_factory=list)


class _Tree:
    """Finds or creates the grade and class nodes under a school, once each."""

    def __init__(self, school: Organisation) -> None:
        self.school = school
        self.grades: dict[int, Organisation] = {}
        self.classes: dict[tuple[int, int], Organisation] = {}

    def grade(self, number: int) -> Organisation:
        if number not in self.grades:
            self.grades[number], _created = Organisation.objects.get_or_create(
                parent=self.school,
                kind=Kind.GRADE,
                number=number,
                defaults={"name": f"{number}학년"},
            )
        return self.grades[number]

    def klass(self, grade: int, number: int) -> Organisation:
        key = (grade, number)
        if key not in self.classes:
            self.classes[key], _created = Organisation.objects.get_or_create(
                parent=self.grade(grade),
                kind=Kind.CLASS,
                number=number,
                defaults={"name": f"{number}반"},
            )
        return self.classes[key]


def _new_parent_username() -> str:
    while True:
        username = "p" + "".join(secrets.choice("0123456789") for _ in range(8))
        if not User.objects.filter(username=username).exists():
            return username


def commit_roster(school: Organisation, raw_rows: list[dict[str, str]]) -> ImportResult:
    """Write the roster in one transaction, after checking it again against the database as it
    is now (another admin may have changed it since the preview). Raises RosterInvalid, having
    written nothing, if any row fails."""
    with transaction.atomic():
        # Two admins importing into one school queue here instead of racing for user names.
        school = Organisation.objects.select_for_update().get(pk=school.pk)
        plan = plan_roster(school, raw_rows)
        if not plan.is_valid:
            raise RosterInvalid(plan)
        tree = _Tree(school)
        result = ImportResult()
        new_rows = [row for row in plan.rows if row.action == Action.NEW]
        usernames = iter(next_student_usernames(school, len(new_rows)))
        new_per_class: Counter[tuple[int, int]] = Counter()
        for row in plan.rows:
            assert row.grade is not None and row.klass is not None
            klass = tree.klass(row.grade, row.klass)
            action = row.action
            if action == Action.NEW:
                row.student = _create_student(row, klass, next(usernames))
                new_per_class[(row.grade, row.klass)] += 1
                result.created += 1
            elif action == Action.UPDATE:
                _update_student(row, klass)
                result.updated += 1
            else:
                result.unchanged += 1
        result.parents_created = _link_parents(plan.rows)
        result.classes = [(tree.classes[key], new_per_class[key]) for key in sorted(tree.classes)]
        return result


def _create_student(row: RowPlan, klass: Organisation, username: str) -> User:
    """New students get no usable password: credentials appear when the class sheet is printed,
    so no password ever exists that nobody has seen on paper."""
    student = User(
        username=username,
        name=row.name,
        role=Role.STUDENT,
        organisation=klass,
        number=row.number,
        must_change_password=True,
    )
    student.set_unusable_password()
    student.save()
    return student


def _update_student(row: RowPlan, klass: Organisation) -> None:
    student = row.student
    assert student is not None
    student.name = row.name
    student.organisation = klass
    student.number = row.number
    student.is_active = True
    student.save(update_fields=["name", "organisation", "number", "is_active", "updated_at"])


def _link_parents(rows: list[RowPlan]) -> int:
    created: dict[str, User] = {}
    for row in rows:
        if not row.phone or row.student is None:
            continue
        parent = row.parent
        if parent is None:
            digits = re.sub(r"\D", "", row.phone)
            parent = created.get(digits)
            if parent is None:
                parent = User(
                    username=_new_parent_username(),
                    name=f"{row.name} 학부모",
                    role=Role.PARENT,
                    organisation=None,
                    phone=row.phone,
                    must_change_password=True,
                )
                parent.set_unusable_password()
                parent.save()
                created[digits] = parent
        ParentLink.objects.get_or_create(parent=parent, student=row.student)
    return len(created)
