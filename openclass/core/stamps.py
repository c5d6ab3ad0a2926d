"""When a row last changed, for the Open API's ``updated_since`` (a site syncing what changed).

``Stamped`` is an abstract model: its ``updated_at`` is set to now by every ``save()`` — also a
``save(update_fields=[...])``, which Django would otherwise leave out of the write — and by
``core.db.update_by_pk``. A ``QuerySet.update()`` or ``bulk_update()`` sets only what it names:
such writes of stamped models name ``updated_at`` themselves (``stamp()`` gives the value).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone


def stamp() -> datetime.datetime:
    """The ``updated_at`` a ``QuerySet.update()`` of a stamped model sets."""
    return timezone.now()


class Stamped(models.Model):
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields: Iterable[str] | None = kwargs.get("update_fields")
        if fields is not None and (named := set(fields)):  # (an empty list saves nothing)
            kwargs["update_fields"] = named | {"updated_at"}
        super().save(*args, **kwargs)
