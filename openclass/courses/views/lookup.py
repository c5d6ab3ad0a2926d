"""How a course page finds its course: through what the viewer may see, so a course outside it
is a 404 (``core.views`` on 403 vs 404)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from openclass.accounts.models import AuthenticatedRequest

from .. import access
from ..models import Course


def managed_course_or_404(request: AuthenticatedRequest, pk: int) -> Course:
    return get_object_or_404(access.manageable_courses(request.user), pk=pk)


def visible_course_or_404(request: AuthenticatedRequest, pk: int) -> Course:
    return get_object_or_404(
        access.visible_courses(request.user).select_related("topic", "organisation", "owner"),
        pk=pk,
    )
