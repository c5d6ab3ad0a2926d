"""Huey tasks of forwarding (``forwarding``): statements to the outside LRSs.

- **Near real time**: a stored statement has its destination's send scheduled
  ``XAPI_FORWARD_DELAY_SECONDS`` later, after its transaction commits (``send_soon``): one
  scheduled send per destination at a time, however many statements come meanwhile (the cache
  remembers it for the delay), and it sends everything due, in batches.
- **Every minute**: the sweep sends what is due again (retries after their backoff, a send the
  cache's memory missed) for the near-real-time destinations, and the retries of the nightly
  ones.
- **Nightly**: at ``XAPI_NIGHTLY_HOUR`` every nightly destination is sent everything pending.
- **Send now**: the office's button (``send_destination_task``), for either mode.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import forwarding
from .models import Destination

log = logging.getLogger(__name__)


def _scheduled_key(destination_id: int) -> str:
    return f"xapi.forward.scheduled:{destination_id}"


def send_soon(destination_id: int) -> bool:
    """Schedule the destination's send in ``XAPI_FORWARD_DELAY_SECONDS``, unless one is
    scheduled already; whether this call scheduled it."""
    delay = max(settings.XAPI_FORWARD_DELAY_SECONDS, 0)
    if not cache.add(_scheduled_key(destination_id), 1, timeout=max(delay, 1)):
        return False
    send_destination_task.schedule(args=(destination_id,), delay=delay)
    return True


def _send(destination: Destination) -> None:
    result = forwarding.send_all(destination)
    if result.claimed:
        log.info(
            "xapi: %s: %s sent, %s to retry, %s failed",
            destination,
            result.sent,
            result.retrying,
            result.failed,
        )


@db_task()
def send_destination_task(destination_id: int) -> None:
    """Send the destination's due statements now (an inactive one: nothing)."""
    destination = Destination.objects.filter(pk=destination_id, is_active=True).first()
    if destination is not None:
        _send(destination)


@db_periodic_task(crontab(minute="*"))
def forward_sweep_task() -> None:
    for destination in forwarding.due_destinations(Destination.Mode.REALTIME):
        _send(destination)
    for destination in forwarding.due_destinations(Destination.Mode.NIGHTLY, retries_only=True):
        _send(destination)


def nightly_utc_hour(hour: int) -> int:
    """``XAPI_NIGHTLY_HOUR`` is in TIME_ZONE (Asia/Seoul: 2 is 02:00 KST); Huey's schedules run
    in UTC, so the task's hour is that hour moved by the zone's offset (today's: Korea keeps no
    summer time)."""
    offset = datetime.now(ZoneInfo(settings.TIME_ZONE)).utcoffset() or timedelta()
    return (hour - round(offset.total_seconds() / 3600)) % 24


@db_periodic_task(crontab(minute="0", hour=str(nightly_utc_hour(settings.XAPI_NIGHTLY_HOUR))))
def forward_nightly_task() -> None:
    for destination in forwarding.due_destinations(Destination.Mode.NIGHTLY):
        _send(destination)
    forwarding.prune_sent()
