"""Huey tasks of the media app: thin shells around ``services``."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services
from .models import Video


@db_task()
def transcode_video_task(video_id: int) -> None:
    """Convert one uploaded video to HLS (queued when its upload has been checked)."""
    if Video.objects.filter(pk=video_id).exists():
        services.transcode_video(video_id)


@db_periodic_task(crontab(minute="*/5"))
def requeue_stalled_transcodes_task() -> None:
    """Every five minutes, queue again the transcodes a killed consumer or a lost queue dropped."""
    services.requeue_stalled_transcodes()


@db_periodic_task(crontab(minute="17", hour="3"))
def cleanup_stale_uploads_task() -> None:
    """Every night, forget uploads abandoned for days (their part files fill the disk)."""
    services.cleanup_stale_uploads()
