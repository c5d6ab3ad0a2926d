"""Staff import: the office or a school admin uploads the school's teachers (CSV or Excel), with
their homeroom class and the classes they teach, and the accounts follow.

The same flow and reader as the student roster (``roster``): read (``roster.read_roster`` with
``STAFF_COLUMNS``) → plan (every row checked, nothing written) → the admin confirms → commit
(planned again in one transaction; all rows or none). A class the file names must already exist:
a mistyped 9반 is an error to correct, never a class made by accident.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import scoping
from ..models import Organisation, TeachingAssignment, User
from . import roster, staff
from .roster import Action, Columns

Kind = Organisation.Kind

STAFF_COLUMNS = Columns(
    fields=("name", "username", "email", "phone", "homeroom", "subject", "classes"),
    required=("name",),
    aliases={
        "name": {"이름", "성명", "교사명", "교원명", "name"},
        "username": {"아이디", "사용자이름", "사용자아이디", "username", "userid", "id"},
        "email": {"이메일", "전자우편", "email", "e-mail"},
        "phone": {"연락처", "전화번호", "휴대폰", "phone", "mobile"},
        "homeroom": {"담임", "담임학급", "담임반", "homeroom"},
        "subject": {"교과", "과목", "담당교과", "subject"},
        "classes": {"수업학급", "담당학급", "수업반", "classes"},
    },
    labels={"name": "이름 (name)"},
    template_headers=("이름", "아이디", "이메일", "연락처", "담임 학급", "교과", "수업 학급"),
    template_example=(
        "이선생",
        "",
        "teacher@example.kr",
        "010-1234-5678",
        "3-1",
        "영어",
        "3-1, 3-2",
    ),
    no_rows=gettext_lazy("The file has a header row but no teachers under it."),
)

_CLASS_REF = re.compile(r"(\d{1,2})\s*(?:학년|-|/|\.)\s*(\d{1,2})\s*반?")


@dataclass
class StaffRow:
    line: int
    name: str
    username: str
    email: str
    phone_text: str
    homeroom_text: str
    subject: str
    classes_text: str
    phone: str = ""
    homeroom: Organisation | None = None
    classes: list[Organisation] = field(default_factory=list)
    teacher: User | None = None
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    @property
    def action(self) -> Action:
        if self.errors:
            return Action.ERROR
        if self.teacher is None:
            return Action.NEW
        return Action.UPDATE if self.changes else Action.UNCHANGED


@dataclass
class StaffPlan:
    school: Organisation
    rows: list[StaffRow]

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


class StaffImportInvalid(roster.ImportInvalid):
    plan: StaffPlan


@dataclass
class StaffImportResult:
    created: list[User] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0
    assignments: int = 0


def _school_classes(school: Organisation) -> dict[tuple[int, int], Organisation]:
    classes = Organisation.objects.filter(
        kind=Kind.CLASS, path__startswith=school.path
    ).select_related("parent")
    return {
        (klass.parent.number, klass.number): klass
        for klass in classes
        if klass.parent is not None and klass.parent.number and klass.number
    }


def _classes_named(
    row: StaffRow, text: str, classes: dict[tuple[int, int], Organisation]
) -> list[Organisation]:
    found: list[Organisation] = []
    refs = _CLASS_REF.findall(text)
    leftover = _CLASS_REF.sub("", text).strip(" ,;")
    if leftover or not refs:
        row.errors.append(
            _("Row %(row)d: “%(text)s” is not a class. Write it like 3-1 or 3학년 1반.")
            % {"row": row.line, "text": text}
        )
        return found
    for grade, number in refs:
        klass = classes.get((int(grade), int(number)))
        if klass is None or not klass.is_active:
            row.errors.append(
                _(
                    "Row %(row)d: the school has no class %(grade)s학년 %(number)s반. Check the "
                    "file, or add the class on the organisation page first."
                )
                % {"row": row.line, "grade": int(grade), "number": int(number)}
            )
        else:
            found.append(klass)
    return found


def plan_staff(school: Organisation, raw_rows: list[dict[str, str]]) -> StaffPlan:
    """Check every row; reads the database, writes nothing."""
    rows = [
        StaffRow(
            line=int(raw.get("line") or 0),
            name=raw.get("name", "").strip(),
            username=raw.get("username", "").strip().lower(),
            email=raw.get("email", "").strip(),
            phone_text=raw.get("phone", "").strip(),
            homeroom_text=raw.get("homeroom", "").strip(),
            subject=raw.get("subject", "").strip(),
            classes_text=raw.get("classes", "").strip(),
        )
        for raw in raw_rows
    ]
    classes = _school_classes(school)
    usernames = Counter(row.username for row in rows if row.username)
    homerooms: dict[int, int] = {}
    existing = {
        user.username: user
        for user in User.objects.filter(username__in=[row.username for row in rows if row.username])
    }
    for row in rows:
        _check_row(row, school, classes, existing, usernames)
        if row.homeroom is not None:
            first = homerooms.setdefault(row.homeroom.pk, row.line)
            if first != row.line:
                row.errors.append(
                    _("Row %(row)d: row %(first)d is already the homeroom teacher of %(klass)s.")
                    % {"row": row.line, "first": first, "klass": row.homeroom.full_name}
                )
    for row in rows:
        if not row.errors:
            _plan_changes(row)
    return StaffPlan(school=school, rows=rows)


def _check_row(
    row: StaffRow,
    school: Organisation,
    classes: dict[tuple[int, int], Organisation],
    existing: dict[str, User],
    usernames: Counter[str],
) -> None:
    line = row.line
    if not row.name:
        row.errors.append(_("Row %(row)d: the name is missing.") % {"row": line})
    elif len(row.name) > roster.NAME_MAX_LENGTH:
        row.errors.append(
            _("Row %(row)d: the name is longer than %(max)d characters.")
            % {"row": line, "max": roster.NAME_MAX_LENGTH}
        )
    if row.username:
        if usernames[row.username] > 1:
            row.errors.append(
                _("Row %(row)d: the user name “%(username)s” is in the file more than once.")
                % {"row": line, "username": row.username}
            )
        user = existing.get(row.username)
        if user is not None:
            if not scoping.is_teacher(user) or user.organisation_id != school.pk:
                row.errors.append(
                    _(
                        "Row %(row)d: “%(username)s” is taken by someone who is not a teacher "
                        "of this school."
                    )
                    % {"row": line, "username": row.username}
                )
            else:
                row.teacher = user
        elif not staff.USERNAME_PATTERN.match(row.username):
            row.errors.append(
                _(
                    "Row %(row)d: “%(username)s” is not a user name: use small Latin letters, "
                    "digits, dots, hyphens or underscores."
                )
                % {"row": line, "username": row.username}
            )
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            row.errors.append(
                _("Row %(row)d: “%(email)s” is not an e-mail address.")
                % {"row": line, "email": row.email}
            )
    if row.phone_text:
        phone = roster.normalise_phone(row.phone_text)
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
    if row.homeroom_text:
        named = _classes_named(row, row.homeroom_text, classes)
        if len(named) > 1:
            row.errors.append(
                _("Row %(row)d: a teacher is the homeroom teacher of one class.") % {"row": line}
            )
        elif named:
            row.homeroom = named[0]
            holder = (
                TeachingAssignment.objects.filter(klass=row.homeroom, is_homeroom=True)
                .select_related("teacher")
                .first()
            )
            if holder is not None and holder.teacher != row.teacher:
                row.errors.append(
                    _(
                        "Row %(row)d: %(name)s is already the homeroom teacher of %(klass)s. "
                        "Remove that assignment on their page first."
                    )
                    % {"row": line, "name": holder.teacher.name, "klass": row.homeroom.full_name}
                )
    if row.classes_text:
        row.classes = _classes_named(row, row.classes_text, classes)
        if not row.subject:
            row.errors.append(
                _("Row %(row)d: name the subject taught in these classes.") % {"row": line}
            )


def _wanted_assignments(row: StaffRow) -> list[tuple[Organisation, str, bool]]:
    wanted = []
    if row.homeroom is not None:
        wanted.append((row.homeroom, "", True))
    wanted += [(klass, row.subject, False) for klass in row.classes]
    return wanted


def _plan_changes(row: StaffRow) -> None:
    teacher = row.teacher
    if teacher is not None:
        if teacher.name != row.name:
            row.changes.append(
                _("Name changes from %(old)s to %(new)s.") % {"old": teacher.name, "new": row.name}
            )
        if row.email and teacher.email != row.email:
            row.changes.append(_("E-mail becomes %(email)s.") % {"email": row.email})
        if row.phone and teacher.phone != row.phone:
            row.changes.append(_("Phone becomes %(phone)s.") % {"phone": row.phone})
        if not teacher.is_active:
            row.changes.append(_("The account is turned on again."))
    held = (
        set(
            TeachingAssignment.objects.filter(teacher=teacher).values_list(
                "klass_id", "subject", "is_homeroom"
            )
        )
        if teacher is not None
        else set()
    )
    for klass, subject, homeroom in _wanted_assignments(row):
        if (klass.pk, subject, homeroom) in held:
            continue
        if homeroom:
            row.changes.append(
                _("Becomes the homeroom teacher of %(klass)s.") % {"klass": klass.full_name}
            )
        else:
            row.changes.append(
                _("Teaches %(subject)s in %(klass)s.")
                % {"subject": subject, "klass": klass.full_name}
            )


def commit_staff(school: Organisation, raw_rows: list[dict[str, str]]) -> StaffImportResult:
    """Write every row in one transaction after planning again; raises StaffImportInvalid,
    having written nothing, if any row fails now."""
    with transaction.atomic():
        school = Organisation.objects.select_for_update().get(pk=school.pk)
        plan = plan_staff(school, raw_rows)
        if not plan.is_valid:
            raise StaffImportInvalid(plan)
        result = StaffImportResult()
        for row in plan.rows:
            action = row.action
            if action == Action.NEW:
                row.teacher = staff.create_staff(
                    name=row.name,
                    role=User.Role.TEACHER,
                    school=school,
                    username=row.username,
                    email=row.email,
                    phone=row.phone,
                )
                result.created.append(row.teacher)
            elif action == Action.UPDATE:
                teacher = row.teacher
                assert teacher is not None
                teacher.name = row.name
                teacher.email = row.email or teacher.email
                teacher.phone = row.phone or teacher.phone
                teacher.is_active = True
                teacher.save()
                result.updated += 1
            else:
                result.unchanged += 1
            for klass, subject, homeroom in _wanted_assignments(row):
                assignment, made = TeachingAssignment.objects.get_or_create(
                    teacher=row.teacher,
                    klass=klass,
                    subject=subject,
                    defaults={"is_homeroom": homeroom},
                )
                if homeroom and not assignment.is_homeroom:
                    assignment.is_homeroom = True
                    assignment.save(update_fields=["is_homeroom"])
                result.assignments += int(made)
        return result
