"""The home-page panels of operations: a student's points, after their placement in the
greeting, and each of a parent's children's points, beside their attendance.

Registered with ``core.registry`` when this module is imported (``OperationsConfig.ready``).
"""

from __future__ import annotations

from typing import Any

from openclass.accounts.models import User
from openclass.core.registry import CHILD_FIGURES, LEAD, panel

from . import selectors


@panel(
    "operations.points",
    template="operations/panels/points.html",
    capability="points.hold",
    place=LEAD,
    order=10,
)
def build_points(student: User) -> dict[str, Any]:
    return {"points": selectors.points_balance(student)}


@panel(
    "operations.child_points",
    template="operations/panels/points.html",
    capability="people.view_children",
    place=CHILD_FIGURES,
    order=20,
)
def build_child_points(child: User) -> dict[str, Any]:
    return {"points": selectors.points_balance(child)}
