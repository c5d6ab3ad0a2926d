"""What accounts holds about a person, for their data archive (``privacy``'s "download my
data"; registered in ``core.registry`` when this module is imported from ``AccountsConfig``)."""

from __future__ import annotations

from openclass.core.registry import ExportPart, exporter

from . import scoping
from .models import TeachingAssignment, User


@exporter("accounts.profile")
def profile(person: User) -> ExportPart:
    data: dict = {
        "username": person.username,
        "name": person.name,
        "role": person.get_role_display(),
        "email": person.email,
        "phone": person.phone,
        "belongs_to": person.organisation.full_name if person.organisation else "",
        "placement": person.placement,
        "student_number": person.number,
        "joined": person.date_joined,
        "last_login": person.last_login,
        "open_my_last_lesson_right_after_login": person.resume_at_login,
    }
    if person.is_student:
        data["parents"] = [
            {"name": p.name, "username": p.username}
            for p in User.objects.filter(child_links__student=person).order_by("pk")
        ]
    children = scoping.children_of(person).select_related("organisation").order_by("pk")
    if children:
        data["children"] = [
            {"name": c.name, "username": c.username, "placement": c.placement} for c in children
        ]
    teaching = TeachingAssignment.objects.filter(teacher=person).select_related(
        "klass", "klass__parent"
    )
    if teaching:
        data["classes_taught"] = [
            {"class": t.klass.full_name, "subject": t.subject, "homeroom": t.is_homeroom}
            for t in teaching
        ]
    return ExportPart(data)
