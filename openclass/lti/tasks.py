"""The LTI platform's nightly upkeep: launches past any use are pruned."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="37", hour="4"))
def prune_launches_task() -> None:
    services.prune_launches()
