from django.http import HttpRequest

from .capabilities import UserCapabilities


def capabilities(request: HttpRequest) -> dict[str, UserCapabilities]:
    """``caps`` in every template: ``{% if "course.create" in caps %}`` (see capabilities.py)."""
    return {"caps": UserCapabilities(request.user)}
