"""Saves and deletes of what the sources index re-index it once the transaction commits.

One receiver for every model: it asks each registered source whether the saved instance is one
of its objects or one it ``watch`` es, gathers the keys per source for the transaction, and
hands them to Huey when the transaction commits. An area never calls search.
Bulk writes (``bulk_create``, ``update()``) send no signals; the nightly ``reindex`` catches
what they changed.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from openclass.core import registry

_local = threading.local()


def _keys_for(sender: Any, instance: Any) -> dict[str, set[int]]:
    found: dict[str, set[int]] = defaultdict(set)
    for source in registry.search_sources():
        if sender is source.model and instance.pk is not None:
            found[source.name].add(int(instance.pk))
        for model, keys in source.watch:
            if sender is model:
                found[source.name].update(int(key) for key in keys(instance) if key is not None)
    return found


def _flush() -> None:
    from .tasks import refresh_documents

    pending: dict[str, set[int]] = getattr(_local, "pending", {})
    _local.pending = {}
    for source, keys in pending.items():
        if keys:
            refresh_documents(source, sorted(keys))


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loading a fixture
    found = _keys_for(sender, instance)
    if not found:
        return
    # Every change asks for a flush on commit; the first to run sends what is pending, the
    # rest find nothing. (Keys of a transaction that rolled back go with the next commit's:
    # re-reading an unchanged object is harmless, missing a changed one would not be.)
    pending = getattr(_local, "pending", None)
    if pending is None:
        _local.pending = pending = {}
    for source, keys in found.items():
        pending.setdefault(source, set()).update(keys)
    transaction.on_commit(_flush)


def connect() -> None:
    post_save.connect(_changed, dispatch_uid="search.changed.save")
    post_delete.connect(_changed, dispatch_uid="search.changed.delete")
