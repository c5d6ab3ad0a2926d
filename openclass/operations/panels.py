"""The home-page panels of operations: a student's points, after their placement in the
greeting, and each of a parent's children's points, beside their attendance; an instructor's
invitations to teach.

Registered with ``core.registry`` when this module is imported (``OperationsConfig.ready``).
"""

from __future__ import annotations

from typing import Any

from openclass.accounts.models import User
from openclass.core.registry import CHILD_FIGURES, LEAD, panel

from . import selectors
from .models import Application, InstructorProfile


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


@panel(
    "operations.invitations",
    template="operations/panels/invitations.html",
    capability="pool.own_profile",
    order=15,
)
def build_invitations(user: User) -> dict[str, Any] | None:
    """An instructor's (or a pool teacher's) invitations to teach, waiting for their answer,
    the courses they accepted that are not open yet, and their profile when the office has
    not approved it: nothing when there is none of these."""
    invited = list(
        Application.objects.filter(instructor=user, state=Application.State.INSTRUCTOR_INVITED)
        .select_related("school", "audience")
        .prefetch_related("preferred_sessions")
        .order_by("state_changed_at", "pk")
    )
    accepted = list(
        Application.objects.filter(instructor=user, state=Application.State.INSTRUCTOR_ACCEPTED)
        .select_related("school")
        .order_by("state_changed_at", "pk")
    )
    profile = InstructorProfile.objects.filter(user=user).first()
    unapproved = profile if profile and profile.status != profile.Status.APPROVED else None
    if not (invited or accepted or unapproved):
        return None
    return {"invited": invited, "accepted": accepted, "profile": unapproved}
