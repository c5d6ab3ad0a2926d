"""The home page of each demo role, assembled from the areas' panels (core.registry): what each
sees, in order — the same as when web/home.html branched on roles — and a menu whose every link
opens for the viewer. Also: web imports no area above accounts."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openclass.accounts.demo import DEMO_LOGINS
from openclass.accounts.models import User
from openclass.courses.models import Course
from openclass.courses.selectors import teaching_overview
from openclass.courses.services.courses import enrol, open_lesson
from openclass.courses.tests.fixtures import make_course

#: Each demo role's panels on the small demo city, in the order drawn.
PANELS = {
    "office admin": ["accounts.city"],
    "school admin": [
        "courses.teaching",
        "assessments.to_grade",
        "accounts.school_figures",
        "accounts.school_classes",
    ],
    "homeroom teacher": [
        "live.live_today",
        "courses.teaching",
        "assessments.to_grade",
        "accounts.taught_classes",
    ],
    "subject teacher": ["courses.teaching", "accounts.taught_classes"],
    "student, grade 5": [
        "courses.resume",
        "courses.my_courses",
        "assessments.todo",
        "accounts.my_class",
    ],
    "student, grade 1": [
        "courses.resume",
        "courses.my_courses",
        "courses.today",
        "notifications.messages",
        "accounts.my_class",
    ],
    # 1학년 1반's teacher wrote to the class and its parents (notifications' demo).
    "parent of two children": [
        "notifications.messages",
        "courses.parent_learning",
        "accounts.children",
    ],
    # The demo's instructor has an invitation waiting for their answer (operations' demo).
    "instructor": ["operations.invitations", "courses.teaching", "assessments.to_grade"],
}


def sign_in(client, username: str) -> None:
    client.force_login(User.objects.get(username=username))


def test_each_demo_role_sees_its_panels_in_order(client, demo_city) -> None:
    assert set(PANELS) == {role for role, _ in DEMO_LOGINS}
    for role, username in DEMO_LOGINS:
        sign_in(client, username)
        response = client.get(reverse("web:home"))
        assert response.status_code == 200, role
        home = response.context["home"]
        assert home.names == PANELS[role], role
        students = role.startswith("student")
        assert [item.name for item in home.lead] == (["operations.points"] if students else [])
        # Each panel drew its section, in the same order.
        page = response.content.decode()
        headings = re.findall(r'<section[^>]*aria-labelledby="([a-z-]+)"', page)
        assert len(headings) == len(PANELS[role]), role


def test_a_parent_sees_each_child_with_their_courses_attendance_and_points(
    client, demo_city
) -> None:
    parent = User.objects.get(username="hanbit-p0001")
    client.force_login(parent)
    panels = client.get(reverse("web:home")).context["home"].panels
    (children,) = [item for item in panels if item.name == "accounts.children"]
    entries = children.context["children"]
    assert len(entries) == 2
    for entry in entries:
        assert [item.name for item in entry["sections"]] == [
            "courses.child_today",
            "courses.child_courses",
            "assessments.child_work",
        ]
        assert [item.name for item in entry["figures"]] == [
            "courses.child_attendance",
            "operations.child_points",
        ]
    page = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(
        r"Attendance</a>: Present \d+ · Late \d+ · Left early \d+ · Absent \d+\s*"
        r" · \d+ points?</p>",
        page,
    )


def test_every_menu_link_opens_for_the_viewer(client, demo_city) -> None:
    # A page shows a link only if the capability guarding its target lets the viewer in.
    for role, username in DEMO_LOGINS:
        sign_in(client, username)
        page = client.get(reverse("web:home")).content.decode()
        menu = page[page.index('<nav class="main-nav"') : page.index("</nav>")]
        for href in re.findall(r'<a href="([^"]+)"', menu):
            assert client.get(href).status_code == 200, (role, href)


def test_the_home_page_buttons_follow_their_capabilities(client, demo_city) -> None:
    create = reverse("courses:create")
    for role, username in DEMO_LOGINS:
        sign_in(client, username)
        page = client.get(reverse("web:home")).content.decode()
        if f'href="{create}"' in page:
            assert client.get(create).status_code == 200, role
    # The instructor's course list offers no "Open a new course": they open theirs through an
    # application (course.create).
    sign_in(client, "instructor01")
    assert f'href="{create}"' not in client.get(reverse("web:home")).content.decode()


WEB = Path(__file__).resolve().parents[1]
ABOVE_ACCOUNTS = {
    "catalog",
    "media",
    "notifications",
    "courses",
    "assessments",
    "live",
    "operations",
}


def test_web_imports_no_area_above_accounts() -> None:
    # Not even the demo_data command: it runs what the areas registered.
    reaches = []
    for path in WEB.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "openclass" and len(parts) > 1 and parts[1] in ABOVE_ACCOUNTS:
                    reaches.append(f"{path.relative_to(WEB)}: {name}")
    assert not reaches, reaches


#: How the home page's h1 greets each demo role in Korean (○○ 학생, ○○ 어린이 for 초등 1–2학년,
#: ○○ 선생님 for staff and instructors, ○○ 님 for parents).
GREETINGS = {
    "office admin": "{} 선생님, 안녕하세요",
    "school admin": "{} 선생님, 안녕하세요",
    "homeroom teacher": "{} 선생님, 안녕하세요",
    "subject teacher": "{} 선생님, 안녕하세요",
    "student, grade 5": "{} 학생, 안녕하세요!",
    "student, grade 1": "{} 어린이, 안녕하세요!",
    "parent of two children": "{} 님, 안녕하세요",
    "instructor": "{} 선생님, 안녕하세요",
}


def test_the_greeting_addresses_each_role_as_korean_schools_do(client, demo_city) -> None:
    assert set(GREETINGS) == {role for role, _ in DEMO_LOGINS}
    for role, username in DEMO_LOGINS:
        user = User.objects.get(username=username)
        client.force_login(user)
        page = client.get(reverse("web:home"), headers={"accept-language": "ko"}).content.decode()
        h1 = re.search(r"<h1>(.*?)</h1>", page, re.S)
        assert h1 is not None, role
        assert h1.group(1).strip() == GREETINGS[role].format(user.name), role


def test_only_young_elementary_students_are_greeted_as_children() -> None:
    from openclass.accounts.models import Organisation

    def student_of(level: str, grade_number: int) -> User:
        school = Organisation(kind="school", name="학교", school_level=level)
        grade = Organisation(kind="grade", name=f"{grade_number}학년", number=grade_number)
        grade.parent = school
        klass = Organisation(kind="class", name="1반", number=1)
        klass.parent = grade
        return User(role=User.Role.STUDENT, organisation=klass)

    assert student_of("elementary", 1).form_of_address == "young"
    assert student_of("elementary", 2).form_of_address == "young"
    assert student_of("elementary", 3).form_of_address == "student"
    assert student_of("middle", 1).form_of_address == "student"
    assert User(role=User.Role.STUDENT).form_of_address == "student"
    assert User(role=User.Role.PARENT).form_of_address == "other"
    assert User(role=User.Role.INSTRUCTOR).form_of_address == "staff"
    assert User(role=User.Role.OFFICE_ADMIN).form_of_address == "staff"


def test_a_students_home_takes_the_same_queries_however_many_courses(client, courses) -> None:
    """The home page is what a whole school loads at 9 o'clock: no panel may read again for
    each course (a course card's subject was read one course at a time)."""
    city = courses.city
    student = city.north.student_a1
    enrol(city.north.homeroom_a, courses.class_course, [student])
    client.force_login(student)
    client.get("/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/").status_code == 200
    enrol(city.north.admin, courses.school_course, [student])
    enrol(city.office_admin, courses.office_course, [student])
    with CaptureQueriesContext(connection) as three:
        page = client.get("/")
    assert page.content.decode().count('class="course-band"') == 3
    assert len(three) == len(one), [q["sql"][:80] for q in three.captured_queries]


def test_a_teachers_home_counts_who_has_not_started_in_one_query(client, courses) -> None:
    """ "Not started" of each course a teacher runs: one grouped count, not one per course, and
    still only the course's own students (progress in another course does not count)."""
    north = courses.city.north
    teacher, student = north.homeroom_a, north.student_a1
    enrol(teacher, courses.class_course, [student, north.student_a2])
    client.force_login(teacher)
    client.get("/")
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    second = make_course(teacher, north.class_a, Course.Scope.CLASS, "3-1 독서 교육")
    make_course(teacher, north.class_a, Course.Scope.CLASS, "3-1 과학 교육")
    enrol(teacher, second, [student])
    # student_a1 has started the class course only; the second course counts them not started.
    open_lesson(student, courses.video)
    with CaptureQueriesContext(connection) as three:
        client.get("/")
    assert len(three) == len(one)
    rows = {row["course"].pk: row for row in teaching_overview(teacher)}
    assert rows[courses.class_course.pk]["not_started"] == 1  # student_a2
    assert rows[second.pk]["not_started"] == 1  # student_a1, whose progress is elsewhere
