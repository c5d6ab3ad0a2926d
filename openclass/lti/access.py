"""Who may do what with outside tools (LTI 1.3).

- The office (``lti.manage``) registers tools offered to the whole city and may change or
  disable any tool.
- A teacher, instructor or school admin (``lti.register``) registers tools for their own courses
  and may change or disable the ones they registered.
- A tool is offered for lessons (``usable_tools``) to whoever registered it and, when the office
  registered it (no school), to everyone who may register tools; only while it is active.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from openclass.accounts.capabilities import has_capability, object_rule
from openclass.accounts.models import User

from .models import Tool


@object_rule("lti.manage")
def _manages_any(user: User, tool: Tool) -> bool:
    return True


@object_rule("lti.register")
def may_change_tool(user: User, tool: Tool) -> bool:
    """The one who registered ``tool`` may change it; the office may change any."""
    return tool.created_by_id == user.pk or has_capability(user, "lti.manage")


def visible_tools(user: User) -> QuerySet[Tool]:
    """The tools a user's tools page lists: every tool for the office; for a teacher the ones
    they registered and the city's."""
    if has_capability(user, "lti.manage"):
        return Tool.objects.all()
    if not has_capability(user, "lti.register"):
        return Tool.objects.none()
    return Tool.objects.filter(Q(created_by=user) | Q(city_wide=True))


def usable_tools(user: User) -> QuerySet[Tool]:
    """The active tools ``user`` may put in a lesson of a course they manage."""
    if not has_capability(user, "lti.register"):
        return Tool.objects.none()
    return Tool.objects.filter(is_active=True).filter(Q(created_by=user) | Q(city_wide=True))


def may_use_tool(user: User, tool: Tool) -> bool:
    return usable_tools(user).filter(pk=tool.pk).exists()
