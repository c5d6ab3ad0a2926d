"""A few access-log entries in the demo city, so the office's search page has something to show
(``manage.py demo_data``; registered in ``PrivacyConfig.ready``)."""

from __future__ import annotations

from openclass.accounts import scoping
from openclass.accounts.models import User
from openclass.core.registry import DemoOptions

from .models import AccessRecord
from .services import record_read

What = AccessRecord.What

#: (who, what, whose records): a homeroom teacher's class, a subject teacher's student, the
#: school admin's export, a parent's look at their child's grades.
READS = [
    ("hanbit-t01", What.ATTENDANCE, "class"),
    ("hanbit-t01", What.STUDENT_ATTENDANCE, "one"),
    ("hanbit-t14", What.SUBMISSION, "one"),
    ("hanbit-admin", What.GRADEBOOK_XLSX, "class"),
    ("hanbit-p0001", What.GRADES, "child"),
]


def demo_exists() -> bool:
    return AccessRecord.objects.exists()


def build_demo(options: DemoOptions) -> list[str]:
    if demo_exists():
        return ["Access log: entries already there; nothing changed."]
    student = User.objects.filter(username="hanbit-0175").select_related("organisation").first()
    if student is None:
        return ["Access log: no demo students; nothing written."]
    classmates = list(
        User.objects.filter(role=User.Role.STUDENT, organisation=student.organisation)
    )
    people = {u.username: u for u in User.objects.filter(username__in=[r[0] for r in READS])}
    written = 0
    for username, what, whose in READS:
        actor = people.get(username)
        if actor is None:
            continue
        if whose == "child":
            students = list(scoping.children_of(actor)[:1])
        else:
            students = classmates if whose == "class" else [student]
        klass = student.organisation if whose == "class" else None
        if record_read(actor, what, students, klass=klass) is not None:
            written += 1
    return [f"Access log: {written} entries about {student.placement}."]
