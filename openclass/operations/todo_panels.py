"""What operations adds to the to-do page (``web:todo``, ``core.registry.TO_DO_PAGE``): the sessions
held of a course opened through an application that the viewer confirms and has not confirmed yet
(step g: the school, or the office). Each links to its application's page, where it is confirmed.

Registered with ``core.registry`` when this module is imported (``OperationsConfig.ready``).
"""

from __future__ import annotations

from typing import Any

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User
from openclass.core.registry import TO_DO_PAGE, panel

from .access import visible_applications
from .services import pay

SHOWN = 50  # sessions listed; the count says how many more wait


@panel(
    "operations.todo_confirm",
    template="operations/todo/confirm.html",
    capability="operations.confirm_sessions",
    place=TO_DO_PAGE,
    order=40,
)
def build_to_confirm(user: User) -> dict[str, Any] | None:
    rows: list[dict[str, Any]] = []
    applications = (
        visible_applications(user).filter(course__isnull=False).select_related("course", "school")
    )
    for application in applications.order_by("pk"):
        if not has_capability(user, "operations.confirm_sessions", application):
            continue
        for held in pay.list_sessions_held(application):
            if held.report is None and held.measured is not None:  # taken place, not confirmed
                rows.append({"application": application, "session": held.session})
    if not rows:
        return None
    rows.sort(key=lambda row: (row["session"].day, row["session"].pk))
    return {"rows": rows[:SHOWN], "more": max(0, len(rows) - SHOWN)}
