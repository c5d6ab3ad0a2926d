"""Storing statements: the one path every statement takes into the LRS, openclass's own
(``services.record``) and those an LRS client sends (``views``). It assigns what the LRS
assigns (``id`` when missing, ``stored``, ``authority``, ``version``), writes the columns queries
filter by and the related activities and agents, applies voiding, and queues each statement for
the outside LRSs (``forwarding.enqueue``), all in the caller's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from openclass.accounts.models import Organisation

from . import agents, forwarding
from .models import Client, Statement, StatementActivity, StatementAgent
from .vocabulary import VERBS

VERSION = "1.0.0"


@dataclass(frozen=True)
class About:
    """Whom and where a statement is about, in openclass terms (for scoping reads)."""

    user: Any = None
    course_id: int | None = None
    klass: Organisation | None = None
    school: Organisation | None = None


def _activities(statement: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    target = statement.get("object", {})
    if target.get("objectType", "Activity") == "Activity" and "id" in target:
        found.add(target["id"])
    if target.get("objectType") == "SubStatement":
        found |= _activities(target)
    for activities in statement.get("context", {}).get("contextActivities", {}).values():
        for activity in activities if isinstance(activities, list) else [activities]:
            found.add(activity["id"])
    return found


def _agents(statement: dict[str, Any]) -> set[str]:
    found = {agents.key_of(statement["actor"])}
    for member in statement["actor"].get("member", []):
        found.add(agents.key_of(member))
    target = statement.get("object", {})
    if target.get("objectType") in ("Agent", "Group"):
        found.add(agents.key_of(target))
    if target.get("objectType") == "SubStatement":
        found |= _agents(target)
    context = statement.get("context", {})
    for role in ("instructor", "team"):
        if role in context:
            found.add(agents.key_of(context[role]))
    if "authority" in statement:
        found.add(agents.key_of(statement["authority"]))
    return found


def _timestamp(statement: dict[str, Any], stored: datetime) -> datetime:
    parsed = parse_datetime(statement["timestamp"]) if "timestamp" in statement else None
    return parsed or stored


def store(
    data: list[dict[str, Any]],
    *,
    authority: dict[str, Any],
    client: Client | None = None,
    about: About | None = None,
) -> list[Statement]:
    """Store ``data`` (statements already validated) as one unit: all or none."""
    about = about or About()
    stored_at = timezone.now()
    rows: list[Statement] = []
    with transaction.atomic():
        for statement in data:
            statement = dict(statement)
            statement.setdefault("id", str(uuid.uuid4()))
            statement["stored"] = stored_at.isoformat()
            statement.setdefault("timestamp", statement["stored"])
            statement["authority"] = authority
            statement["version"] = VERSION
            target = statement["object"]
            kind = target.get("objectType", "Activity")
            context = statement.get("context", {})
            row = Statement.objects.create(
                statement_id=uuid.UUID(statement["id"]),
                stored=stored_at,
                timestamp=_timestamp(statement, stored_at),
                verb=statement["verb"]["id"],
                actor=agents.key_of(statement["actor"]),
                object_activity=target["id"] if kind == "Activity" else "",
                object_agent=agents.key_of(target) if kind in ("Agent", "Group") else "",
                object_statement=uuid.UUID(target["id"]) if kind == "StatementRef" else None,
                registration=uuid.UUID(context["registration"])
                if "registration" in context
                else None,
                full=statement,
                client=client,
                user=about.user,
                course_id=about.course_id,
                klass=about.klass,
                school=about.school,
            )
            StatementActivity.objects.bulk_create(
                StatementActivity(statement=row, activity=activity)
                for activity in sorted(_activities(statement))
            )
            StatementAgent.objects.bulk_create(
                StatementAgent(statement=row, agent=agent) for agent in sorted(_agents(statement))
            )
            if row.verb == VERBS["voided"].id and row.object_statement is not None:
                Statement.objects.filter(statement_id=row.object_statement).exclude(
                    verb=VERBS["voided"].id
                ).update(voided=True)
            rows.append(row)
        forwarding.enqueue(rows)
    return rows
