"""The length of a URL video lesson, measured by the server (F-08).

Watch progress needs the video's length from the server, never from the student's player. For a
lesson whose video lives at a URL, ffprobe reads it (headers only; an HLS playlist's segments
list) after the lesson is saved, on the task queue, with a time limit: ``measure`` is the task's
body. A URL ffprobe cannot read, or a live stream without a length, leaves the lesson without
one; the lesson form then asks the teacher for it.
"""

from __future__ import annotations

import json
import logging
import math
import subprocess
from urllib.parse import urlparse

from django.conf import settings
from django.utils import timezone

from ..models import Lesson
from .progress import MAX_DURATION

logger = logging.getLogger(__name__)

# Whole ffprobe run, and the longest wait for the network within it (microseconds for ffprobe).
PROBE_SECONDS = 30
NETWORK_WAIT_US = 10_000_000
# Only the web: no file:, pipe:, concat: and so on, also not inside a playlist.
PROTOCOLS = "http,https,tcp,tls,crypto"


def probe_url(url: str) -> float | None:
    """The length in seconds of the video at ``url`` (http or https), or None when ffprobe
    cannot tell within ``PROBE_SECONDS`` or the length is not within (0, ``MAX_DURATION``]."""
    if urlparse(url).scheme not in ("http", "https"):
        return None
    command = [
        settings.FFPROBE_BINARY,
        "-v",
        "error",
        "-protocol_whitelist",
        PROTOCOLS,
        "-rw_timeout",
        str(NETWORK_WAIT_US),
        "-print_format",
        "json",
        "-show_entries",
        "format=duration",
        url,
    ]
    try:
        completed = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            command, capture_output=True, text=True, timeout=PROBE_SECONDS, check=False
        )
    except (subprocess.TimeoutExpired, OSError) as error:
        logger.warning("ffprobe of a lesson URL failed: %s", error)
        return None
    if completed.returncode != 0:
        return None
    try:
        raw = (json.loads(completed.stdout or "{}").get("format") or {}).get("duration")
        seconds = float(str(raw))
    except (ValueError, TypeError, AttributeError):
        return None
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_DURATION:
        return None
    return round(seconds, 3)


def measure(lesson_id: int) -> float | None:
    """Measure a URL video lesson that has no length yet, and keep the result unless the lesson
    changed meanwhile (another URL, or a length the teacher gave). Returns the length stored."""
    lesson = Lesson.objects.filter(
        pk=lesson_id, kind=Lesson.Kind.VIDEO_URL, duration__isnull=True
    ).first()
    if lesson is None or not lesson.url:
        return None
    seconds = probe_url(lesson.url)
    if seconds is None:
        return None
    updated = Lesson.objects.filter(
        pk=lesson.pk, kind=Lesson.Kind.VIDEO_URL, url=lesson.url, duration__isnull=True
    ).update(duration=seconds, updated_at=timezone.now())
    return seconds if updated else None
