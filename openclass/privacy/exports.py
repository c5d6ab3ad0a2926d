"""The access log's part of a person's data archive: who opened their records, when and what
(the person's right to know who read their data)."""

from __future__ import annotations

from openclass.accounts.models import User
from openclass.core.registry import ExportPart, exporter

from .models import AccessRecord


@exporter("privacy.access_log")
def reads_of(person: User) -> ExportPart | None:
    records = (
        AccessRecord.objects.filter(subjects__student=person)
        .select_related("actor")
        .order_by("seq")
    )
    if not records.exists():
        return None
    return ExportPart(
        [
            {
                "when": r.at,
                "by": r.actor.name or r.actor.username,
                "by_role": r.actor.get_role_display(),
                "what": r.get_what_display(),
            }
            for r in records
        ]
    )
