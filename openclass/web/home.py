"""The home page, assembled from the panels the areas register (``core.registry``).

Each area's ``panels.py`` says what it adds to the home page and which capability a viewer needs
to see it; this module only asks which of them the viewer holds, builds them in order and hands
them to ``web/home.html``. It imports no area above ``accounts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User
from openclass.core import registry
from openclass.core.registry import LEAD, MAIN, BuiltPanel


@dataclass(frozen=True)
class Home:
    lead: list[BuiltPanel]  # figures after the greeting's placement line
    panels: list[BuiltPanel]  # the page's sections, in order
    greeting: str = "other"  # User.form_of_address: "young", "student", "staff" or "other"

    @property
    def names(self) -> list[str]:
        return [item.name for item in self.panels]


def build_home(user: User) -> Home:
    holds = partial(has_capability, user)
    return Home(
        lead=registry.build_panels(LEAD, holds, user),
        panels=registry.build_panels(MAIN, holds, user),
        greeting=user.form_of_address,
    )


def find_landing(user: User) -> str | None:
    """Where ``user`` goes right after login instead of the home page, if they asked for it
    (``resume_at_login``) and an area has somewhere for them to go."""
    if not user.resume_at_login:
        return None
    return registry.find_landing(partial(has_capability, user), user)
