"""Saves and deletes of what the sources index re-index it once the transaction commits.

A receiver on each registered source's model and on the models it ``watch`` es asks every
source whether the saved instance is one of its objects or one it watches, gathers the keys per
source for the transaction, and hands them to Huey when the transaction commits. An area never
calls search. Bulk writes (``bulk_create``, ``update()``) send no signals; the nightly
``reindex`` catches what they changed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from openclass.core import registry

_local = threading.local()
log = logging.getLogger(__name__)


#: A ``watch`` function to ask when the transaction commits, with the saved instance.
Deferred = tuple[str, Callable[[Any], Any], Any]


def _pending() -> tuple[dict[str, set[int]], list[Deferred]]:
    if not hasattr(_local, "keys"):
        _local.keys, _local.deferred = {}, []
    return _local.keys, _local.deferred


def _flush() -> None:
    from .tasks import refresh_documents

    keys, deferred = _pending()
    _local.keys, _local.deferred = {}, []
    for source, watch, instance in deferred:
        if instance.pk is None:
            continue  # deleted later in the transaction: its delete asked already
        try:
            found = {int(key) for key in watch(instance) if key is not None}
        except Exception:
            # The transaction has committed: a failing watch must not turn the request into
            # an error; the nightly reindex catches what it missed.
            log.exception("search: the %s source's watch failed on %r", source, instance)
            continue
        keys.setdefault(source, set()).update(found)
    for source, found_keys in keys.items():
        if found_keys:
            refresh_documents(source, sorted(found_keys))


def _changed(sender: Any, instance: Any, *, deleted: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loading a fixture
    keys, deferred = _pending()
    touched = False
    for source in registry.search_sources():
        if sender is source.model and instance.pk is not None:
            keys.setdefault(source.name, set()).add(int(instance.pk))
            touched = True
        for model, watch in source.watch:
            if sender is not model:
                continue
            touched = True
            if deleted:
                # After the commit the deleted row's relations are gone: ask now.
                found = {int(key) for key in watch(instance) if key is not None}
                keys.setdefault(source.name, set()).update(found)
            else:
                # Asked at commit, so what the transaction adds after this save counts (a
                # copied course's lessons, created after its sections).
                deferred.append((source.name, watch, instance))
    if touched:
        # Every change asks for a flush on commit; the first to run sends what is pending,
        # the rest find nothing. (What a rolled-back transaction left goes with the next
        # commit's: re-reading an unchanged object is harmless, missing a change would not be.)
        transaction.on_commit(_flush)


def _saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    _changed(sender, instance, deleted=False, **kwargs)


def _deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _changed(sender, instance, deleted=True, **kwargs)


def _listen(source: registry.SearchSource) -> None:
    """Connect the receivers to this source's model and the models it watches (only those:
    a receiver for every model would take Django's fast delete from every delete)."""
    models = [source.model, *(model for model, _watch in source.watch)]
    for model in models:
        if model is None:
            continue
        label = f"{model._meta.label_lower}"
        post_save.connect(_saved, sender=model, dispatch_uid=f"search.save.{label}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"search.delete.{label}")


def connect() -> None:
    registry.on_search_source(_listen)
