"""How an organisation is named: in full ("한빛초등학교 1학년 1반") where nothing else says the
school, and by ``short_name`` where the school is already said — a class always with its grade
("1학년 1반"), never a bare "1반" (issue 18: "대상: 1반")."""

from __future__ import annotations

from openclass.accounts.models import Organisation


def tree() -> tuple[Organisation, Organisation, Organisation]:
    school = Organisation(kind="school", name="한빛초등학교")
    grade = Organisation(kind="grade", name="1학년", number=1)
    grade.parent = school
    klass = Organisation(kind="class", name="1반", number=1)
    klass.parent = grade
    return school, grade, klass


def test_a_class_is_never_named_without_its_grade() -> None:
    school, grade, klass = tree()
    assert klass.short_name == "1학년 1반"
    assert klass.full_name == str(klass) == "한빛초등학교 1학년 1반"
    assert grade.short_name == "1학년"
    assert school.short_name == "한빛초등학교"
    assert Organisation(kind="class", name="1반").short_name == "1반"  # no grade to say
