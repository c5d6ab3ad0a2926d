"""Who is asking, as far as ranking cares: the boosts of a role and the school level.

Which documents someone may open is not decided here but by each source (``visible``); this
only orders what they may open. Roles are compared here because this is an ``access`` module
(the house rule): the rest of ``search`` asks ``boosts`` and ``school_level``.
"""

from __future__ import annotations

from typing import Any

from openclass.accounts import scoping
from openclass.accounts.models import Organisation, User

Role = User.Role

#: "<facet>:<value>" → what a match adds to a normalised text score, per role. A student sees
#: courses open to them first (and what is meant for parents or teachers after); a teacher,
#: teaching material and instructors; a parent, parent courses and notices.
ROLE_BOOSTS: dict[str, dict[str, float]] = {
    Role.STUDENT: {
        "kind:course": 0.15,
        "audience:student": 0.05,
        "audience:parent": -0.15,
        "audience:teacher": -0.15,
    },
    Role.PARENT: {"audience:parent": 0.2, "kind:notice": 0.1, "audience:teacher": -0.1},
    Role.TEACHER: {
        "kind:lesson": 0.05,
        "kind:video": 0.05,
        "kind:instructor": 0.1,
        "audience:teacher": 0.15,
    },
    Role.INSTRUCTOR: {"kind:instructor": 0.05, "audience:teacher": 0.15},
    Role.SCHOOL_ADMIN: {"kind:instructor": 0.1, "audience:teacher": 0.1},
    Role.OFFICE_ADMIN: {"kind:instructor": 0.05, "audience:teacher": 0.05},
}
#: A document of the asker's school level (its grade band) rises a little.
LEVEL_BOOST = 0.05


def school_level(user: Any) -> str:
    """The level of the school the user belongs to ("elementary", "middle", "high"), or a
    parent's first child's; "" for the office and anyone without one."""
    if not getattr(user, "is_authenticated", False):
        return ""
    organisation = user.organisation
    if user.role == Role.PARENT:
        child = scoping.children_of(user).select_related("organisation").first()
        organisation = child.organisation if child is not None else None
    if organisation is None:
        return ""
    school = organisation.ancestor(Organisation.Kind.SCHOOL)
    level = school.school_level if school is not None else ""
    return level if level in ("elementary", "middle", "high") else ""


def boosts(user: Any, level: str) -> dict[str, float]:
    """What each kind of document adds for this user's role and school level (``level``: their
    ``school_level``, which the caller may have kept)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    found = dict(ROLE_BOOSTS.get(user.role, {}))
    if level:
        found[f"grade_band:{level}"] = LEVEL_BOOST
    return found
