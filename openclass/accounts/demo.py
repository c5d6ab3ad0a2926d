"""The deterministic demo city that `make run` builds once: an office of education, two district
offices, six schools with their grades, classes, students, teachers, parents, and ten instructors.

The whole city is first planned in memory from a seed (names, siblings, relations), then written
with a few bulk inserts. Every demo account shares one password, and the "small" city used by fast
tests is a true subset of the full one: the same user names and the same people, so the logins
listed in ``DEMO_LOGINS`` exist in both and growing a small city into the full one only adds rows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from openclass.core.registry import DemoOptions

from .models import Organisation, ParentLink, TeachingAssignment, User

Kind = Organisation.Kind
Level = Organisation.SchoolLevel
Role = User.Role

DEMO_PASSWORD = "openclass-demo"  # noqa: S105 (public on purpose: printed by `make run`)
DEMO_SEED = 20260302  # the first day of the school year
OFFICE_CODE = "seoul"
SIZES = ("full", "small")

# One login per role; all of them exist in the small city too (see ``_in_small_city``).
DEMO_LOGINS: list[tuple[str, str]] = [
    ("office admin", "office-admin"),
    ("school admin", "hanbit-admin"),
    ("homeroom teacher", "hanbit-t01"),
    ("subject teacher", "hanbit-t14"),
    ("student, grade 5", "hanbit-0175"),
    ("student, grade 1", "hanbit-0001"),
    ("parent of two children", "hanbit-p0001"),
    ("instructor", "instructor01"),
]

# --- The shape of the city ------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolSpec:
    code: str
    name: str
    level: str
    district: str
    classes_per_grade: int


DISTRICTS = {"east": "서울특별시동부교육지원청", "west": "서울특별시서부교육지원청"}
OFFICE_NAME = "서울특별시교육청"
SCHOOLS = (
    SchoolSpec("hanbit", "한빛초등학교", Level.ELEMENTARY, "east", 2),
    SchoolSpec("saesol", "새솔중학교", Level.MIDDLE, "east", 3),
    SchoolSpec("daon", "다온고등학교", Level.HIGH, "east", 3),
    SchoolSpec("pureun", "푸른초등학교", Level.ELEMENTARY, "west", 2),
    SchoolSpec("bareum", "바름중학교", Level.MIDDLE, "west", 3),
    SchoolSpec("hangaram", "한가람고등학교", Level.HIGH, "west", 3),
)
GRADES: dict[str, int] = {Level.ELEMENTARY: 6, Level.MIDDLE: 3, Level.HIGH: 3}
CLASS_SIZE: dict[str, int] = {Level.ELEMENTARY: 22, Level.MIDDLE: 26, Level.HIGH: 28}
# Subject teachers (교과 전담) and the grades whose every class they teach.
SUBJECT_TEACHERS: dict[str, list[tuple[str, tuple[int, ...]]]] = {
    Level.ELEMENTARY: [
        ("영어", (3, 4)),
        ("영어", (5, 6)),
        ("과학", (5, 6)),
        ("체육", (3, 4, 5, 6)),
    ],
    Level.MIDDLE: [
        (subject, grades)
        for subject in ("국어", "영어", "수학", "과학", "사회")
        for grades in ((1, 2), (3,))
    ],
}
SUBJECT_TEACHERS[Level.HIGH] = SUBJECT_TEACHERS[Level.MIDDLE]
INSTRUCTORS = 10
SIBLING_SHARE = 0.05  # about one student in twenty has a brother or sister in the same school

# The small city: one school, two grades of two classes, ten students a class.
SMALL_SCHOOL = "hanbit"
SMALL_GRADES = (1, 5)
SMALL_CLASSES = 2
SMALL_CLASS_SIZE = 10

# --- Korean names ---------------------------------------------------------------------------

# Surnames with their approximate share in per mille (2015 census), a few two-syllable ones too.
_SURNAMES = {
    "김": 215, "이": 147, "박": 84, "최": 47, "정": 43, "강": 24, "조": 21, "윤": 21, "장": 20,
    "임": 17, "한": 15, "오": 15, "서": 15, "신": 14, "권": 14, "황": 14, "안": 13, "송": 13,
    "유": 13, "전": 11, "홍": 11, "고": 9, "문": 9, "양": 9, "손": 9, "배": 8, "백": 8, "허": 7,
    "류": 6, "노": 6, "남": 6, "심": 6, "하": 5, "주": 5, "곽": 4, "성": 4, "차": 4, "우": 4,
    "구": 4, "민": 3, "진": 3, "나": 3, "지": 3, "엄": 3, "채": 3, "원": 3, "천": 2, "방": 2,
    "공": 2, "현": 2, "함": 2, "변": 2, "염": 1, "여": 1, "추": 1, "도": 1, "석": 1, "선": 1,
    "설": 1, "마": 1, "길": 1, "연": 1, "위": 1, "표": 1, "명": 1, "기": 1, "반": 1, "왕": 1,
    "금": 1, "옥": 1, "육": 1, "인": 1, "남궁": 1, "황보": 1, "제갈": 1, "선우": 1,
}  # fmt: skip
_SURNAME_LIST = list(_SURNAMES)
_SURNAME_WEIGHTS = list(_SURNAMES.values())

# Given-name syllables: (first, second) for children born around 2010 and for adults born
# around 1980, by sex; the pairs are drawn independently, never repeating a syllable.
_CHILD_NAMES = {
    "m": (
        "민서도하지예시주준유건우현은선승태이동재윤성연",
        "준우호윤원민현진혁성빈율후찬훈결안서겸환규석",
    ),
    "f": ("서하지수민예채윤다소유은시아가나연주혜세라", "연윤은아원린희경서율진빈인영현우별솔유나"),
}
_ADULT_NAMES = {
    "m": ("성영정재상동준민진현승종경기광태용병석대", "호수철민훈진우현식준환석규원혁영기"),
    "f": ("지미수은혜정영현선경유소민보윤희", "영희정숙경진은연미아주현선라"),
}


def _surname(rng: random.Random) -> str:
    return rng.choices(_SURNAME_LIST, weights=_SURNAME_WEIGHTS)[0]


def _full_name(
    rng: random.Random, syllables: dict[str, tuple[str, str]], sex: str, surname: str = ""
) -> str:
    """Surname plus a two-syllable given name that repeats neither the surname nor itself."""
    surname = surname or _surname(rng)
    first, second = syllables[sex]
    a = rng.choice(first)
    while a == surname:
        a = rng.choice(first)
    b = rng.choice(second)
    while b == a:
        b = rng.choice(second)
    return surname + a + b


def _adult_name(rng: random.Random, sex: str = "", surname: str = "") -> str:
    return _full_name(rng, _ADULT_NAMES, sex or rng.choice("mf"), surname)


# --- The plan -------------------------------------------------------------------------------

OrgKey = tuple[str | int, ...]


@dataclass(frozen=True)
class OrgPlan:
    key: OrgKey
    kind: str
    name: str
    parent: OrgKey | None = None
    code: str | None = None
    school_level: str = ""
    number: int | None = None


@dataclass
class UserPlan:
    username: str
    name: str
    role: str
    organisation: OrgKey | None
    number: int | None = None
    is_staff: bool = False


@dataclass(frozen=True)
class AssignmentPlan:
    teacher: str
    klass: OrgKey
    subject: str = ""
    is_homeroom: bool = False


@dataclass(frozen=True)
class LinkPlan:
    parent: str
    student: str
    relation: str


@dataclass
class CityPlan:
    organisations: list[OrgPlan] = field(default_factory=list)
    users: list[UserPlan] = field(default_factory=list)
    assignments: list[AssignmentPlan] = field(default_factory=list)
    links: list[LinkPlan] = field(default_factory=list)

    def count(self, role: str) -> int:
        return sum(1 for user in self.users if user.role == role)

    def count_orgs(self, kind: str) -> int:
        return sum(1 for org in self.organisations if org.kind == kind)


def class_size(level: str, grade: int, klass: int) -> int:
    """Class sizes vary by a few students, but by a formula, not the seed: the user names of the
    demo logins must not move when someone tries another seed."""
    return CLASS_SIZE[level] - 2 + (grade * 3 + klass * 2) % 5


def _plan_school(plan: CityPlan, spec: SchoolSpec, seed: int) -> None:
    rng = random.Random(f"{seed}:{spec.code}")  # noqa: S311 (names, not secrets)
    school_key: OrgKey = ("school", spec.code)
    plan.organisations.append(
        OrgPlan(
            school_key,
            Kind.SCHOOL,
            spec.name,
            ("district", spec.district),
            code=spec.code,
            school_level=spec.level,
        )
    )
    students: list[UserPlan] = []
    teacher_number = 0

    def next_teacher() -> str:
        nonlocal teacher_number
        teacher_number += 1
        return f"{spec.code}-t{teacher_number:02d}"

    classes_by_grade: dict[int, list[OrgKey]] = {}
    for grade in range(1, GRADES[spec.level] + 1):
        grade_key: OrgKey = ("grade", spec.code, grade)
        plan.organisations.append(
            OrgPlan(grade_key, Kind.GRADE, f"{grade}학년", school_key, number=grade)
        )
        for klass in range(1, spec.classes_per_grade + 1):
            class_key: OrgKey = ("class", spec.code, grade, klass)
            classes_by_grade.setdefault(grade, []).append(class_key)
            plan.organisations.append(
                OrgPlan(class_key, Kind.CLASS, f"{klass}반", grade_key, number=klass)
            )
            teacher = next_teacher()
            plan.users.append(UserPlan(teacher, _adult_name(rng), Role.TEACHER, school_key))
            plan.assignments.append(AssignmentPlan(teacher, class_key, is_homeroom=True))
            for number in range(1, class_size(spec.level, grade, klass) + 1):
                name = _full_name(rng, _CHILD_NAMES, rng.choice("mf"))
                username = f"{spec.code}-{len(students) + 1:04d}"
                students.append(UserPlan(username, name, Role.STUDENT, class_key, number=number))
    for subject, grades in SUBJECT_TEACHERS[spec.level]:
        teacher = next_teacher()
        plan.users.append(UserPlan(teacher, _adult_name(rng), Role.TEACHER, school_key))
        for grade in grades:
            for class_key in classes_by_grade[grade]:
                plan.assignments.append(AssignmentPlan(teacher, class_key, subject=subject))
    plan.users.append(
        UserPlan(f"{spec.code}-admin", _adult_name(rng), Role.SCHOOL_ADMIN, school_key)
    )
    plan.users.extend(students)
    _plan_families(plan, spec, students, rng)


def _plan_families(
    plan: CityPlan, spec: SchoolSpec, students: list[UserPlan], rng: random.Random
) -> None:
    """One parent account per family; some families have two children in the school.

    A younger sibling is named again with the older one's surname. In 한빛초등학교 the first
    grade-1 student and the first grade-5 student are always siblings, so the demo has a parent of
    two to sign in as.
    """
    grade_of = {s.username: int(s.organisation[2]) for s in students if s.organisation}
    older_of: dict[str, str] = {}
    if spec.code == SMALL_SCHOOL:
        first = {(s.organisation, s.number): s.username for s in students}
        older_of[first[(("class", spec.code, 1, 1), 1)]] = first[(("class", spec.code, 5, 1), 1)]
    paired = set(older_of) | set(older_of.values())
    for _ in range(round(len(students) * SIBLING_SHARE)):
        younger, older = rng.sample(students, 2)
        if grade_of[younger.username] > grade_of[older.username]:
            younger, older = older, younger
        if (
            grade_of[younger.username] == grade_of[older.username]
            or younger.username in paired
            or older.username in paired
        ):
            continue
        older_of[younger.username] = older.username
        paired |= {younger.username, older.username}

    by_username = {s.username: s for s in students}
    for younger_name, older_name in older_of.items():
        surname = _split_surname(by_username[older_name].name)
        by_username[younger_name].name = _full_name(rng, _CHILD_NAMES, rng.choice("mf"), surname)

    family_of: dict[str, list[str]] = {}
    for s in students:
        head = older_of.get(s.username, s.username)
        family_of.setdefault(head, []).append(s.username)
    families = sorted(family_of.values(), key=lambda members: min(members))
    for number, members in enumerate(families, start=1):
        username = f"{spec.code}-p{number:04d}"
        relation = rng.choices(
            [ParentLink.Relation.MOTHER, ParentLink.Relation.FATHER, ParentLink.Relation.GUARDIAN],
            weights=[60, 36, 4],
        )[0]
        child_surname = _split_surname(by_username[members[0]].name)
        if relation == ParentLink.Relation.FATHER:
            name = _adult_name(rng, "m", child_surname)
        elif relation == ParentLink.Relation.MOTHER:
            name = _adult_name(rng, "f")
        else:
            name = _adult_name(rng)
        plan.users.append(UserPlan(username, name, Role.PARENT, None))
        plan.links.extend(LinkPlan(username, child, relation) for child in sorted(members))


def _split_surname(name: str) -> str:
    """Every generated given name has two syllables, so the surname is what comes before."""
    return name[:-2]


def plan_city(size: str = "full", seed: int = DEMO_SEED) -> CityPlan:
    """The demo city as plain data: nothing touches the database here."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, not {size!r}")
    rng = random.Random(f"{seed}:office")  # noqa: S311 (names, not secrets)
    plan = CityPlan()
    office: OrgKey = ("office",)
    plan.organisations.append(OrgPlan(office, Kind.OFFICE, OFFICE_NAME, code=OFFICE_CODE))
    for code, name in DISTRICTS.items():
        plan.organisations.append(
            OrgPlan(("district", code), Kind.DISTRICT, name, office, code=f"{OFFICE_CODE}-{code}")
        )
    plan.users.append(
        # A plain office admin: the office's work has its own pages; /admin/ is for superusers.
        UserPlan("office-admin", _adult_name(rng), Role.OFFICE_ADMIN, office)
    )
    plan.users.extend(
        UserPlan(f"instructor{n:02d}", _adult_name(rng), Role.INSTRUCTOR, office)
        for n in range(1, INSTRUCTORS + 1)
    )
    for spec in SCHOOLS:
        _plan_school(plan, spec, seed)
    return _small_city(plan) if size == "small" else plan


def _in_small_city(key: OrgKey | None) -> bool:
    if key is None or key[0] == "office":
        return True
    if key[0] == "district":
        return key[1] == next(s.district for s in SCHOOLS if s.code == SMALL_SCHOOL)
    if key[1] != SMALL_SCHOOL:
        return False
    if key[0] in ("grade", "class") and key[2] not in SMALL_GRADES:
        return False
    return key[0] != "class" or int(key[3]) <= SMALL_CLASSES


def _small_city(full: CityPlan) -> CityPlan:
    """The part of the full city that a fast test needs, with the full city's names."""
    small = CityPlan(organisations=[o for o in full.organisations if _in_small_city(o.key)])
    students = {
        u.username
        for u in full.users
        if u.role == Role.STUDENT
        and _in_small_city(u.organisation)
        and u.number is not None
        and u.number <= SMALL_CLASS_SIZE
    }
    small.assignments = [a for a in full.assignments if _in_small_city(a.klass)]
    small.links = [link for link in full.links if link.student in students]
    teachers = {a.teacher for a in small.assignments}
    parents = {link.parent for link in small.links}
    for user in full.users:
        if user.role == Role.STUDENT:
            keep = user.username in students
        elif user.role == Role.TEACHER:
            keep = user.username in teachers
        elif user.role == Role.PARENT:
            keep = user.username in parents
        else:
            keep = _in_small_city(user.organisation)
        if keep:
            small.users.append(user)
    return small


# --- Writing it -----------------------------------------------------------------------------


@dataclass
class BuildReport:
    plan: CityPlan
    created_organisations: int = 0
    created_users: int = 0
    created_assignments: int = 0
    created_links: int = 0

    @property
    def created_anything(self) -> bool:
        return any(
            (
                self.created_organisations,
                self.created_users,
                self.created_assignments,
                self.created_links,
            )
        )


def demo_city_exists() -> bool:
    return Organisation.objects.filter(code=OFFICE_CODE, kind=Kind.OFFICE).exists()


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _user_ids(usernames: Iterable[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in _chunks(list(usernames)):
        ids.update(User.objects.filter(username__in=chunk).values_list("username", "pk"))
    return ids


def _ensure_organisations(plan: CityPlan, report: BuildReport) -> dict[OrgKey, Organisation]:
    """Find or create each node, parents first. Saved one by one (about a hundred) so that
    ``Organisation.save`` keeps the materialised path."""
    orgs: dict[OrgKey, Organisation] = {}
    for item in plan.organisations:
        parent = orgs[item.parent] if item.parent else None
        if item.code:
            found = Organisation.objects.filter(code=item.code).first()
        else:
            found = Organisation.objects.filter(
                parent=parent, kind=item.kind, number=item.number
            ).first()
        if found is None:
            found = Organisation(
                kind=item.kind,
                name=item.name,
                code=item.code,
                parent=parent,
                school_level=item.school_level,
                number=item.number,
            )
            found.save()
            report.created_organisations += 1
        orgs[item.key] = found
    return orgs


def _ensure_users(
    plan: CityPlan, orgs: dict[OrgKey, Organisation], report: BuildReport
) -> dict[str, int]:
    existing = _user_ids(u.username for u in plan.users)
    missing = [u for u in plan.users if u.username not in existing]
    if missing:
        # One hash for every demo account: Argon2 costs ~35 ms a hash, which for 3,000 accounts
        # would be well over the 30 s budget of `make run`'s first start. Sharing the hash is
        # harmless here because every demo account has the same public password anyway.
        password = make_password(DEMO_PASSWORD)
        User.objects.bulk_create(
            [
                User(
                    username=u.username,
                    name=u.name,
                    role=u.role,
                    organisation=orgs[u.organisation] if u.organisation else None,
                    number=u.number,
                    is_staff=u.is_staff,
                    is_superuser=u.is_staff,
                    password=password,
                    must_change_password=False,
                )
                for u in missing
            ],
            batch_size=500,
        )
        report.created_users = len(missing)
        existing.update(_user_ids(u.username for u in missing))
    return existing


def _ensure_assignments(
    plan: CityPlan, orgs: dict[OrgKey, Organisation], ids: dict[str, int], report: BuildReport
) -> None:
    teacher_ids = {ids[a.teacher] for a in plan.assignments}
    existing = set(
        TeachingAssignment.objects.filter(teacher_id__in=teacher_ids).values_list(
            "teacher_id", "klass_id", "subject"
        )
    )
    missing = [
        TeachingAssignment(
            teacher_id=ids[a.teacher],
            klass=orgs[a.klass],
            subject=a.subject,
            is_homeroom=a.is_homeroom,
        )
        for a in plan.assignments
        if (ids[a.teacher], orgs[a.klass].pk, a.subject) not in existing
    ]
    TeachingAssignment.objects.bulk_create(missing, batch_size=500)
    report.created_assignments = len(missing)


def _ensure_links(plan: CityPlan, ids: dict[str, int], report: BuildReport) -> None:
    parent_ids = list({ids[link.parent] for link in plan.links})
    existing: set[tuple[int, int]] = set()
    for chunk in _chunks(parent_ids):
        existing.update(
            ParentLink.objects.filter(parent_id__in=chunk).values_list("parent_id", "student_id")
        )
    missing = [
        ParentLink(parent_id=ids[link.parent], student_id=ids[link.student], relation=link.relation)
        for link in plan.links
        if (ids[link.parent], ids[link.student]) not in existing
    ]
    ParentLink.objects.bulk_create(missing, batch_size=500)
    report.created_links = len(missing)


@transaction.atomic
def build_demo_city(size: str = "full", seed: int = DEMO_SEED) -> BuildReport:
    """Create whatever part of the demo city is missing; existing rows are left as they are,
    so a second run changes nothing and a small city grows into the full one."""
    plan = plan_city(size, seed)
    report = BuildReport(plan)
    orgs = _ensure_organisations(plan, report)
    ids = _ensure_users(plan, orgs, report)
    _ensure_assignments(plan, orgs, ids, report)
    _ensure_links(plan, ids, report)
    return report


def build_demo(options: DemoOptions) -> list[str]:
    """The city for ``manage.py demo_data`` (registered in ``AccountsConfig.ready``): what it
    holds and what this run created, as the command prints it."""
    started = time.monotonic()
    report = build_demo_city(size=options.size, seed=options.seed)
    elapsed = time.monotonic() - started
    plan = report.plan
    lines = [
        f"Demo city ({options.size}): {plan.count_orgs(Kind.DISTRICT)} district offices, "
        f"{plan.count_orgs(Kind.SCHOOL)} schools, {plan.count_orgs(Kind.CLASS)} classes; "
        f"{plan.count(Role.STUDENT):,} students, {plan.count(Role.TEACHER)} teachers, "
        f"{plan.count(Role.SCHOOL_ADMIN)} school admins, {plan.count(Role.PARENT):,} parents, "
        f"{plan.count(Role.INSTRUCTOR)} instructors, {plan.count(Role.OFFICE_ADMIN)} office "
        "admin."
    ]
    if report.created_anything:
        lines.append(
            f"Created {report.created_organisations} organisations, "
            f"{report.created_users:,} users, {report.created_assignments} teaching "
            f"assignments and {report.created_links:,} parent links in {elapsed:.1f} s."
        )
    else:
        lines.append("Everything was already there; nothing changed.")
    return lines
