"""Huey tasks of the search index."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from openclass.core.registry import RegistryError

from . import services

log = logging.getLogger(__name__)


@db_task(retries=2, retry_delay=30)
def refresh_documents(source: str, keys: list[int]) -> None:
    """Index these objects of a source again, after the transaction that changed them."""
    try:
        services.refresh(source, keys)
    except RegistryError:
        log.warning("search: no source %r any more; %s key(s) not indexed", source, len(keys))


@db_periodic_task(crontab(minute="41", hour="3"))
def nightly_reindex() -> None:
    """Every night: rebuild the index in place, for what bulk writes changed without signals."""
    counts = services.reindex()
    log.info("search: reindexed %s documents", sum(counts.values()))
