"""The home-page panels of live classes: a student's classes live now and the recordings of
classes they missed; the live classes a teacher holds today.

Registered with ``core.registry`` when this module is imported (``LiveConfig.ready``).
"""

from __future__ import annotations

from typing import Any

from openclass.accounts.models import User
from openclass.core.registry import panel

from . import selectors


@panel(
    "live.live_now",
    template="live/panels/live_now.html",
    capability="live.attend",
    order=10,
)
def build_live_now(student: User) -> dict[str, Any] | None:
    rooms = selectors.live_now_for(student)
    return {"rooms": rooms} if rooms else None


@panel(
    "live.recordings",
    template="live/panels/recordings.html",
    capability="course.learn",
    order=50,
)
def build_recordings(student: User) -> dict[str, Any] | None:
    recordings = selectors.to_watch(student)
    return {"recordings": recordings} if recordings else None


@panel(
    "live.live_today",
    template="live/panels/live_today.html",
    capability="live.host",
    unless="city.overview",
    order=110,
)
def build_live_today(host: User) -> dict[str, Any] | None:
    sessions = selectors.live_today_for_host(host)
    return {"sessions": sessions} if sessions else None
