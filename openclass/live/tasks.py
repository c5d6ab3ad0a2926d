"""Huey tasks of the live app: thin shells around ``services``."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import broadcast, presence, recording
from .models import LiveRoom
from .services import janus_events, rooms


@db_periodic_task(crontab(minute="*"))
def reconcile_open_rooms_task() -> None:
    """Every minute, open the classes whose time has come, end the stays Janus no longer
    knows of (a lost event, a restarted server), and take the pages of a server process that
    died without closing them off the presence counts."""
    for room in rooms.open_due_rooms():
        broadcast.tell(room.pk, rooms.room_state(room))  # pages waiting for it may join
    rooms.remind_starting_classes()  # students and parents, ten minutes before
    presence.announce(presence.sweep_gone_processes())
    for room in LiveRoom.objects.filter(status=LiveRoom.Status.OPEN).select_related("server"):
        janus_events.reconcile(room)


@db_task()
def process_recording_task(room_id: int) -> None:
    """After a recorded class: janus-pp-rec and ffmpeg, then the video pipeline."""
    recording.process(room_id)
