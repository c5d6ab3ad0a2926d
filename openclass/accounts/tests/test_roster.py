"""Roster import (CSV/XLSX → preview → one-transaction commit) and first-login sheets."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from openclass.accounts.models import Organisation, ParentLink, User
from openclass.accounts.services import credentials as services
from openclass.accounts.services import roster
from openclass.accounts.tests.fixtures import PASSWORD, make_user
from openclass.accounts.views.roster import SESSION_KEY
from openclass.core.tests.workbooks import move_last_row

Kind = Organisation.Kind
Role = User.Role
IMPORT = reverse("accounts:roster_import")

GOOD_ROWS = [
    ["이름", "학년", "반", "번호", "학부모 연락처"],
    ["김하늘", "3", "1", "1", "010-1111-2222"],
    ["이바다", "3", "1", "2", "01033334444"],
    ["이가람", "4", "2", "7", "010 3333 4444"],  # 이바다's sibling: one parent account
    ["박솔", "4", "2", "8", ""],
]


@pytest.fixture(autouse=True)
def english(settings):
    """English messages, so the assertions read the msgids whatever the Korean catalogue says."""
    settings.LANGUAGE_CODE = "en"


@dataclass
class Hanbit:
    school: Organisation
    grade3: Organisation
    class31: Organisation
    admin: User
    teacher: User
    student: User
    parent: User
    other_school: Organisation
    other_admin: User
    other_student: User
    office_admin: User


@pytest.fixture
def hanbit(db) -> Hanbit:
    office = Organisation.objects.create(kind=Kind.OFFICE, name="서울특별시교육청")
    district = Organisation.objects.create(kind=Kind.DISTRICT, name="동부교육지원청", parent=office)
    school = Organisation.objects.create(
        kind=Kind.SCHOOL,
        name="한빛초등학교",
        code="hanbit",
        parent=district,
        school_level=Organisation.SchoolLevel.ELEMENTARY,
    )
    grade3 = Organisation.objects.create(kind=Kind.GRADE, name="3학년", number=3, parent=school)
    class31 = Organisation.objects.create(kind=Kind.CLASS, name="1반", number=1, parent=grade3)
    other_school = Organisation.objects.create(
        kind=Kind.SCHOOL,
        name="다솜중학교",
        code="dasom",
        parent=district,
        school_level=Organisation.SchoolLevel.MIDDLE,
    )
    other_grade = Organisation.objects.create(
        kind=Kind.GRADE, name="1학년", number=1, parent=other_school
    )
    other_class = Organisation.objects.create(
        kind=Kind.CLASS, name="1반", number=1, parent=other_grade
    )
    student = make_user("hanbit-0900", Role.STUDENT, class31, number=20, name="정우주")
    parent = make_user("hanbit-p0900", Role.PARENT, phone="010-9999-0000")
    ParentLink.objects.create(parent=parent, student=student)
    return Hanbit(
        school=school,
        grade3=grade3,
        class31=class31,
        admin=make_user("hanbit-admin", Role.SCHOOL_ADMIN, school),
        teacher=make_user("hanbit-t01", Role.TEACHER, school),
        student=student,
        parent=parent,
        other_school=other_school,
        other_admin=make_user("dasom-admin", Role.SCHOOL_ADMIN, other_school),
        other_student=make_user("dasom-0001", Role.STUDENT, other_class, number=1),
        office_admin=make_user("office-admin", Role.OFFICE_ADMIN, office),
    )


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    return "\r\n".join(",".join(row) for row in rows).encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "roster.csv", **extra):
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(IMPORT, {"file": handle, **extra})


def confirm(client, preview):
    """Save the previewed file, ticking the box that creates new classes (as an admin who
    checked them would)."""
    data = {"file_hash": preview.context["file_hash"]}
    if preview.context["plan"].new_classes:
        data["create_classes"] = "yes"
    return client.post(IMPORT, data)


def import_file(client, data: bytes, name: str = "roster.csv"):
    preview = upload(client, data, name)
    assert preview.status_code == 200
    assert preview.context["plan"].is_valid, [r.errors for r in preview.context["plan"].rows]
    result = confirm(client, preview)
    assert result.status_code == 200
    return preview, result.context["result"]


def school_students(school: Organisation):
    return User.objects.filter(role=Role.STUDENT, organisation__path__startswith=school.path)


# --- Import -------------------------------------------------------------------------------


def test_good_csv_previews_then_creates_students_parents_and_links(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    before = User.objects.count()
    preview = upload(client, csv_bytes(GOOD_ROWS))
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert plan.is_valid and plan.new_count == 4 and plan.new_parent_count == 2
    assert User.objects.count() == before  # the preview writes nothing
    assert "김하늘" in preview.content.decode()
    # Only small parsed rows and the hash are kept between preview and confirm.
    pending = client.session[SESSION_KEY]
    assert pending["hash"] == preview.context["file_hash"]
    assert pending["rows"][0]["name"] == "김하늘"

    result = confirm(client, preview)
    assert result.status_code == 200
    outcome = result.context["result"]
    assert (outcome.created, outcome.updated, outcome.unchanged) == (4, 0, 0)
    assert outcome.parents_created == 2

    haneul = User.objects.get(name="김하늘")
    assert haneul.role == Role.STUDENT and haneul.organisation == hanbit.class31
    assert haneul.number == 1 and haneul.username.startswith("hanbit-")
    assert haneul.must_change_password and not haneul.has_usable_password()
    assert haneul.username == "hanbit-0901"  # continues the school's series

    garam = User.objects.get(name="이가람")
    class42 = garam.organisation
    assert (class42.kind, class42.name, class42.number) == (Kind.CLASS, "2반", 2)
    assert (class42.parent.name, class42.parent.number) == ("4학년", 4)
    assert class42.parent.parent == hanbit.school

    sibling_parent = User.objects.get(phone="010-3333-4444")
    assert sibling_parent.role == Role.PARENT and sibling_parent.organisation is None
    assert re.fullmatch(r"p\d{8}", sibling_parent.username)
    assert sibling_parent.name == "이바다 학부모"
    assert not sibling_parent.has_usable_password() and sibling_parent.must_change_password
    children = set(sibling_parent.child_links.values_list("student__name", flat=True))
    assert children == {"이바다", "이가람"}
    assert ParentLink.objects.filter(student__name="김하늘", parent__phone="010-1111-2222").exists()
    assert not ParentLink.objects.filter(student__name="박솔").exists()

    # The result page links each class's first-login sheet.
    page = result.content.decode()
    assert reverse("accounts:credential_sheet", args=[hanbit.class31.pk]) in page
    assert reverse("accounts:credential_sheet", args=[class42.pk]) in page
    assert SESSION_KEY not in client.session


def test_bad_rows_are_reported_per_row_and_nothing_is_written(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    rows = [
        ["name", "grade", "class", "number", "parent_phone", "username"],
        ["", "3", "1", "1", "", ""],
        ["가" * 61, "3", "1", "2", "", ""],
        ["학년오류", "7", "1", "3", "", ""],
        ["반오류", "3", "0", "4", "", ""],
        ["번호오류", "3", "1", "100", "", ""],
        ["자리1", "3", "2", "5", "", ""],
        ["자리2", "3", "2", "5", "", ""],
        ["전화", "3", "2", "6", "02-123-4567", ""],
        ["남의학생", "3", "2", "7", "", "dasom-0001"],
        ["선생님", "3", "2", "8", "", "hanbit-t01"],
        ["없는사람", "3", "2", "9", "", "hanbit-9999"],
        ["같은아이디1", "3", "2", "10", "", "hanbit-0900"],
        ["같은아이디2", "3", "2", "11", "", "hanbit-0900"],
        ["좋은행", "3", "2", "12", "010-5555-6666", ""],
    ]
    before = User.objects.count()
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 200
    plan = response.context["plan"]
    assert not plan.is_valid
    errors = {row.line: " ".join(row.errors) for row in plan.rows}
    assert "Row 2: the name is missing." in errors[2]
    assert "longer than 60" in errors[3]
    assert "Row 4: the grade must be a number from 1 to 6." in errors[4]
    assert "class must be a number from 1 to 30" in errors[5]
    assert "student number must be a number from 1 to 99" in errors[6]
    assert errors[7] == ""
    assert "row 7 already has a student" in errors[8]
    assert "not a mobile phone number" in errors[9]
    assert "is not the user name of a student of this school" in errors[10]
    assert "is not the user name of a student of this school" in errors[11]
    assert "is not the user name of a student of this school" in errors[12]
    assert "already on row 13" in errors[14]
    assert errors[15] == ""
    page = response.content.decode()
    assert "row-error" in page and "Row 4: the grade must be a number from 1 to 6." in page
    assert SESSION_KEY not in client.session
    assert User.objects.count() == before
    # Nothing to confirm: a made-up hash saves nothing.
    refused = client.post(IMPORT, {"file_hash": "0" * 64})
    assert refused.status_code == 409
    assert User.objects.count() == before


def test_cp949_csv_from_korean_excel(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    data = csv_bytes(GOOD_ROWS, encoding="cp949")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    _, outcome = import_file(client, data)
    assert outcome.created == 4
    assert User.objects.filter(name="김하늘", organisation=hanbit.class31).exists()


def test_utf8_without_bom_and_english_headers_in_any_order(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    rows = [["number", "class", "Name", "Grade"], ["3", "1", "최별", "3"]]
    _, outcome = import_file(client, csv_bytes(rows, encoding="utf-8"))
    assert outcome.created == 1
    assert User.objects.get(name="최별").number == 3


def test_utf16_tab_separated_text_from_excel(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    text = "\r\n".join("\t".join(row) for row in GOOD_ROWS)
    _, outcome = import_file(client, text.encode("utf-16"), "roster.txt")
    assert outcome.created == 4


def test_grade_range_follows_the_school_level(hanbit) -> None:
    rows = [
        {"line": "2", "name": "가", "grade": "3", "klass": "1", "number": "1"},
        {"line": "3", "name": "나", "grade": "4", "klass": "1", "number": "2"},
        {"line": "4", "name": "다", "grade": "2학년", "klass": "3반", "number": "5번"},
    ]
    plan = roster.plan_roster(hanbit.other_school, rows)  # a middle school
    assert plan.rows[0].errors == []
    assert plan.rows[1].errors == ["Row 3: the grade must be a number from 1 to 3."]
    assert plan.rows[2].seat == (2, 3, 5)
    assert plan.new_classes == ["2학년 3반", "3학년 1반"]
    assert plan.not_in_file == 1  # dasom-0001 stays as they are


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("010-1234-5678", "010-1234-5678"),
        ("01012345678", "010-1234-5678"),
        ("010 1234 5678", "010-1234-5678"),
        ("1012345678", "010-1234-5678"),
        ("011-234-5678", "011-234-5678"),
        ("02-123-4567", None),
        ("010-1234", None),
        ("전화없음", None),
    ],
)
def test_phone_numbers_are_normalised(raw: str, expected: str | None) -> None:
    assert roster.normalise_phone(raw) == expected


def test_xlsx_roster_with_numbers_and_a_title_row(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    rows: list[list[object]] = [
        ["2025학년도 한빛초 명렬표"],
        ["이름", "학년", "반", "번호", "보호자 연락처"],
        ["김하늘", 3, 1, 1.0, 1011112222],  # Excel dropped the phone's leading zero
        ["이바다", 3, 1, 2, "010-3333-4444"],
    ]
    _, outcome = import_file(client, xlsx_bytes(rows), "roster.xlsx")
    assert outcome.created == 2 and outcome.parents_created == 2
    assert ParentLink.objects.filter(student__name="김하늘", parent__phone="010-1111-2222").exists()


def test_reimporting_the_same_file_changes_nothing(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    import_file(client, csv_bytes(GOOD_ROWS))
    users = User.objects.count()
    links = ParentLink.objects.count()
    preview, outcome = import_file(client, csv_bytes(GOOD_ROWS))
    assert all(row.action == roster.Action.UNCHANGED for row in preview.context["plan"].rows)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 4)
    assert outcome.parents_created == 0
    assert User.objects.count() == users and ParentLink.objects.count() == links


def test_reimport_with_changed_name_and_phone_updates(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    import_file(client, csv_bytes(GOOD_ROWS))
    haneul = User.objects.get(name="김하늘")
    changed = [row[:] for row in GOOD_ROWS]
    changed[1][0] = "김하나"  # name corrected at the same seat
    changed[4][4] = "010-7777-8888"  # 박솔 now has a parent contact
    preview, outcome = import_file(client, csv_bytes(changed))
    plan = preview.context["plan"]
    assert [row.action for row in plan.rows] == ["update", "unchanged", "unchanged", "update"]
    assert "Name changes from 김하늘 to 김하나." in plan.rows[0].changes
    assert "김하늘" in preview.content.decode()
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 2, 2)
    assert outcome.parents_created == 1
    haneul.refresh_from_db()
    assert haneul.name == "김하나"
    assert ParentLink.objects.filter(student__name="박솔", parent__phone="010-7777-8888").exists()


def test_student_named_by_user_name_moves_seat(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    rows = [
        ["이름", "학년", "반", "번호", "아이디", "학부모 연락처"],
        ["정우주", "4", "3", "5", "hanbit-0900", "010-9999-0000"],
        ["새학생", "3", "1", "20", "", ""],  # takes the seat 정우주 left
    ]
    preview, outcome = import_file(client, csv_bytes(rows))
    moved_row, new_row = preview.context["plan"].rows
    assert moved_row.action == "update"
    assert any("Moves from" in change for change in moved_row.changes)
    assert new_row.action == "new"
    assert (outcome.created, outcome.updated) == (1, 1)
    hanbit.student.refresh_from_db()
    assert hanbit.student.organisation.full_name == "한빛초등학교 4학년 3반"
    assert hanbit.student.number == 5
    # The existing parent is matched by phone, not duplicated.
    assert outcome.parents_created == 0
    assert User.objects.filter(role=Role.PARENT, phone="010-9999-0000").count() == 1


def test_moving_onto_an_occupied_seat_is_an_error(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    make_user("hanbit-0901", Role.STUDENT, hanbit.class31, number=5, name="자리주인")
    rows = [["이름", "학년", "반", "번호", "아이디"], ["정우주", "3", "1", "5", "hanbit-0900"]]
    plan = upload(client, csv_bytes(rows)).context["plan"]
    assert "already sits at" in plan.rows[0].errors[0]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
            "photo.csv",
            "not a roster",
        ),
        (bytes(range(256)) * 8, "junk.csv", "not a roster"),
        (b"PK\x03\x04 this is no workbook", "fake.xlsx", "not a roster"),
        ("상품명,가격,수량\r\n사과,1000,3\r\n".encode(), "shop.csv", "not a roster"),
        ("이름,학년,반\r\n김하늘,3,1\r\n".encode(), "short.csv", "no column for 번호 (number)"),
        ("이름,학년,반,번호\r\n".encode(), "header.csv", "no students"),
        (b"", "empty.csv", "The file is empty"),
        (b"\r\n \r\n", "blank.csv", "The file is empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "old.xls", "(.xls)"),
    ],
)
def test_a_file_that_is_not_a_roster_is_refused_clearly(
    client, hanbit, data: bytes, name: str, message: str
) -> None:
    client.force_login(hanbit.admin)
    before = User.objects.count()
    response = upload(client, data, name)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any(message in error for error in errors), errors
    assert message.split("(")[0].strip() in response.content.decode()
    assert User.objects.count() == before


def test_a_long_file_is_refused_not_cut(monkeypatch) -> None:
    monkeypatch.setattr(roster, "MAX_ROWS", 3)
    monkeypatch.setattr(roster, "HEADER_SEARCH_ROWS", 1)
    rows = [GOOD_ROWS[0]] + [["가", "3", "1", str(n)] for n in range(1, 5)]
    with pytest.raises(roster.RosterFileError, match="more than 3 students"):
        roster.read_roster(csv_bytes(rows))
    spaced = [GOOD_ROWS[0], [""] * 4, *GOOD_ROWS[1:4], [""] * 4]
    parsed = roster.read_roster(csv_bytes(spaced))
    assert [row["line"] for row in parsed.rows] == ["3", "4", "5"]  # Excel's row numbers


def test_a_row_at_two_billion_is_refused_having_read_a_few_rows(client, hanbit, monkeypatch):
    """A lone row at r=2,000,000,000 made openpyxl hand over two billion empty rows (hours of
    a request thread). The rows the roster is handed are counted: a handful, then an error."""
    handed: list[int] = []
    collect = roster._collect

    def counting(rows):
        def each():
            for item in rows:
                handed.append(1)
                assert len(handed) < 1000, "the reader makes up rows"
                yield item

        return collect(each())

    monkeypatch.setattr(roster, "_collect", counting)
    data = move_last_row(xlsx_bytes(GOOD_ROWS), 2_000_000_000)
    with pytest.raises(roster.RosterFileError, match="not an Excel workbook"):
        roster.read_roster(data)
    assert len(handed) == len(GOOD_ROWS) - 1
    client.force_login(hanbit.admin)
    handed.clear()
    response = upload(client, data, "roster.xlsx")
    assert "not an Excel workbook" in " ".join(response.context["form"].errors["file"])
    assert not User.objects.filter(name="김하늘").exists()


def test_a_roster_that_unpacks_to_a_bomb_is_refused(client, hanbit) -> None:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx_bytes(GOOD_ROWS))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for member in source.infolist():
            target.writestr(member.filename, source.read(member.filename))
        target.writestr("xl/padding.xml", b" " * (60 * 1024 * 1024))
    client.force_login(hanbit.admin)
    response = upload(client, out.getvalue(), "roster.xlsx")
    assert "larger than 50 MB" in " ".join(response.context["form"].errors["file"])


def test_a_gap_of_blank_rows_ends_the_table(monkeypatch) -> None:
    monkeypatch.setattr(roster, "MAX_BLANK_RUN", 5)
    rows: list[list[object]] = [*GOOD_ROWS[:3], *([[None]] * 5), GOOD_ROWS[3]]
    parsed = roster.read_roster(xlsx_bytes(rows))
    assert [row["name"] for row in parsed.rows] == ["김하늘", "이바다"]


def test_school_without_a_code_cannot_import(client, hanbit) -> None:
    Organisation.objects.filter(pk=hanbit.school.pk).update(code=None)
    client.force_login(hanbit.admin)
    response = upload(client, csv_bytes(GOOD_ROWS))
    assert "has no code yet" in " ".join(response.context["form"].non_field_errors())
    assert "has no code yet" in response.content.decode()
    assert not User.objects.filter(name="김하늘").exists()


def test_roster_size_limit(client, hanbit, settings) -> None:
    settings.ROSTER_MAX_BYTES = 64
    client.force_login(hanbit.admin)
    response = upload(client, csv_bytes(GOOD_ROWS))
    assert "larger than" in " ".join(response.context["form"].errors["file"])


def test_roster_changed_between_preview_and_confirm_is_not_saved(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    rows = [["이름", "학년", "반", "번호"], ["새학생", "3", "1", "5"], ["또학생", "3", "1", "6"]]
    preview = upload(client, csv_bytes(rows))
    assert preview.context["plan"].is_valid
    # Meanwhile someone gives seat 3-1-5 to two students, which makes row 2 ambiguous.
    make_user("hanbit-0950", Role.STUDENT, hanbit.class31, number=5, name="가")
    make_user("hanbit-0951", Role.STUDENT, hanbit.class31, number=5, name="나")
    before = User.objects.count()
    response = confirm(client, preview)
    assert response.status_code == 200
    assert response.context["changed_since_preview"]
    assert User.objects.count() == before  # not even the valid row


def test_office_admin_must_pick_a_school(client, hanbit) -> None:
    client.force_login(hanbit.office_admin)
    assert "school" in client.get(IMPORT).context["form"].fields
    response = upload(client, csv_bytes(GOOD_ROWS))
    assert "school" in response.context["form"].errors
    preview = upload(client, csv_bytes(GOOD_ROWS), school=hanbit.school.pk)
    assert preview.context["plan"].school == hanbit.school
    assert confirm(client, preview).context["result"].created == 4
    assert school_students(hanbit.school).filter(name="김하늘").exists()


# --- Who may -------------------------------------------------------------------------------


def test_login_required(client, hanbit) -> None:
    response = client.get(IMPORT)
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    sheet = client.get(reverse("accounts:credential_sheet", args=[hanbit.class31.pk]))
    assert sheet.status_code == 302


@pytest.mark.parametrize("who", ["teacher", "student", "parent"])
def test_teachers_students_and_parents_are_refused(client, hanbit, who: str) -> None:
    # Their roles do not hold "people.import_roster": 403 on the import. A class's sheets a
    # teacher prints only for their own homeroom class: another class is not theirs to see (404).
    client.force_login(getattr(hanbit, who))
    assert client.get(IMPORT).status_code == 403
    assert upload(client, csv_bytes(GOOD_ROWS)).status_code == 403
    sheet_url = reverse("accounts:credential_sheet", args=[hanbit.class31.pk])
    refused = 404 if who == "teacher" else 403
    assert client.get(sheet_url).status_code == refused
    assert client.post(sheet_url, {"format": "xlsx"}).status_code == refused
    assert not User.objects.filter(name="김하늘").exists()


def test_admin_of_another_school_cannot_touch_this_school(client, hanbit) -> None:
    client.force_login(hanbit.other_admin)
    # Naming this school is ignored: a school admin imports into their own school only.
    preview = upload(
        client,
        csv_bytes([["이름", "학년", "반", "번호"], ["침입", "1", "1", "9"]]),
        school=hanbit.school.pk,
    )
    assert preview.context["plan"].school == hanbit.other_school
    # A student of this school cannot be pulled over by user name either.
    moved = upload(
        client,
        csv_bytes(
            [["이름", "학년", "반", "번호", "아이디"], ["정우주", "1", "1", "9", "hanbit-0900"]]
        ),
    )
    assert not moved.context["plan"].is_valid
    sheet_url = reverse("accounts:credential_sheet", args=[hanbit.class31.pk])
    password_before = User.objects.get(pk=hanbit.student.pk).password
    assert client.get(sheet_url).status_code == 404
    assert client.post(sheet_url, {"format": "pdf"}).status_code == 404
    assert User.objects.get(pk=hanbit.student.pk).password == password_before


# --- First-login sheets --------------------------------------------------------------------


def sheet_url(klass: Organisation) -> str:
    return reverse("accounts:credential_sheet", args=[klass.pk])


def read_xlsx(content: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]


def passwords_by_username(rows: list[list[str]]) -> dict[str, str]:
    header_index = next(i for i, row in enumerate(rows) if "User name" in row)
    header = rows[header_index]
    user_col, password_col = header.index("User name"), header.index("Temporary password")
    return {row[user_col]: row[password_col] for row in rows[header_index + 1 :]}


def signs_in(username: str, password: str) -> bool:
    request = RequestFactory().post("/")
    return authenticate(request, username=username, password=password) is not None


def test_sheet_page_explains_before_issuing(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    import_file(client, csv_bytes(GOOD_ROWS))
    hanbit.student.refresh_from_db()
    password_before = hanbit.student.password
    page = client.get(sheet_url(hanbit.class31) + "?format=xlsx")
    assert page.status_code == 200
    assert page.context["pending_count"] == 2  # the two new students; 정우주 has signed in
    assert page.context["sheet_type"] == "xlsx"
    hanbit.student.refresh_from_db()
    assert hanbit.student.password == password_before  # GET changes nothing


def test_xlsx_sheet_passwords_sign_in_and_a_new_sheet_replaces_them(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    import_file(client, csv_bytes(GOOD_ROWS))
    response = client.post(sheet_url(hanbit.class31), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == 'attachment; filename="first-login-3-1.xlsx"'
    assert "no-store" in response["Cache-Control"]
    rows = read_xlsx(response.content)
    passwords = passwords_by_username(rows)
    assert any("김하늘" in row for row in rows)
    haneul = User.objects.get(name="김하늘")
    assert signs_in(haneul.username, passwords[haneul.username])
    # 정우주 chose their own password long ago: listed, but no new password.
    assert "Already signed in" in passwords["hanbit-0900"]
    assert signs_in("hanbit-0900", PASSWORD)

    again = passwords_by_username(
        read_xlsx(client.post(sheet_url(hanbit.class31), {"format": "xlsx"}).content)
    )
    assert not signs_in(haneul.username, passwords[haneul.username])
    assert signs_in(haneul.username, again[haneul.username])


def test_xlsx_sheet_keeps_formula_like_names_as_text(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    names = ["=1+2", "+1", "-2+3", "@SUM(1)"]
    rows = [["이름", "학년", "반", "번호"]]
    rows += [[name, "3", "1", str(n)] for n, name in enumerate(names, start=3)]
    import_file(client, csv_bytes(rows))
    response = client.post(sheet_url(hanbit.class31), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value in names}
    assert set(cells) == set(names)
    assert {(c.data_type, c.quotePrefix) for c in cells.values()} == {("s", True)}
    numbers = [c for row in sheet.iter_rows(min_row=5) for c in row[:1] if c.value is not None]
    assert numbers and all(c.data_type == "n" for c in numbers)


def test_pdf_sheet_is_a_real_pdf(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    import_file(client, csv_bytes(GOOD_ROWS))
    response = client.post(sheet_url(hanbit.class31), {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="first-login-3-1.pdf"' in response["Content-Disposition"]
    assert b"NanumGothic" in response.content  # the Korean font is embedded
    assert User.objects.get(name="김하늘").has_usable_password()


def test_young_students_card_from_the_sheet_signs_in(client, hanbit, monkeypatch) -> None:
    client.force_login(hanbit.admin)
    rows = [["이름", "학년", "반", "번호"], ["이하늘", "1", "2", "7"]]
    import_file(client, csv_bytes(rows))
    child = User.objects.get(name="이하늘")
    assert services.uses_login_card(child)
    issued = []
    original = services.issue_first_login_credentials

    def spy(users):
        result = original(users)
        issued.extend(result)
        return result

    monkeypatch.setattr(services, "issue_first_login_credentials", spy)
    response = client.post(sheet_url(child.organisation), {"format": "pdf"})
    assert response.content.startswith(b"%PDF")
    (credential,) = issued
    assert credential.card_token and len(credential.pin) == 4

    client.logout()
    card_url = reverse("accounts:card_login", args=[credential.card_token])
    signed_in = client.post(card_url, {"pin": credential.pin})
    assert signed_in.status_code == 302
    assert int(client.session["_auth_user_id"]) == child.pk


def test_sheet_of_a_class_outside_the_tree_kind_is_404(client, hanbit) -> None:
    client.force_login(hanbit.admin)
    assert (
        client.get(reverse("accounts:credential_sheet", args=[hanbit.grade3.pk])).status_code == 404
    )
