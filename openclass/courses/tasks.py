"""Huey tasks of the courses app: thin shells around ``services``."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from .services import video_length


@db_task()
def measure_video_url_task(lesson_id: int) -> None:
    """Read a URL video lesson's length with ffprobe (queued when the lesson is saved without
    one): ffprobe may wait on another site for half a minute, never in a request."""
    video_length.measure(lesson_id)
