"""Storing statements: the one path every statement takes into the LRS, openclass's own
(``services.record``) and those an LRS client sends (``views``). It assigns what the LRS
assigns (``id`` when missing, ``stored``, ``authority``, ``version``), writes the columns queries
filter by and the related activities and agents, applies voiding, and queues each statement for
the outside LRSs (``forwarding.enqueue``), all in the caller's transaction."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from openclass.accounts import scoping
from openclass.accounts.models import Organisation
from openclass.core.db import insert_rows

from . import agents, forwarding
from .models import Activity, Client, Statement, StatementActivity, StatementAgent
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
    about: About | Sequence[About] | None = None,
    define: bool = False,
) -> list[Statement]:
    """Store ``data`` (statements already validated) as one unit: all or none. ``about`` is
    one for all, or one per statement; ``define``: the writer is trusted with activities'
    definitions (the ``define`` scope, openclass itself): theirs replace the canonical ones,
    anyone else's only fill in an activity not defined yet."""
    abouts = list(about) if isinstance(about, Sequence) else [about or About()] * len(data)
    stored_at = timezone.now()
    rows: list[Statement] = []
    for statement, about_one in zip(data, abouts, strict=True):
        about_one = about_one or About()
        statement = dict(statement)
        statement.setdefault("id", str(uuid.uuid4()))
        statement["stored"] = stored_at.isoformat()
        statement.setdefault("timestamp", statement["stored"])
        statement["authority"] = authority
        statement.setdefault("version", VERSION)
        target = statement["object"]
        kind = target.get("objectType", "Activity")
        context = statement.get("context", {})
        rows.append(
            Statement(
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
                user=about_one.user,
                course_id=about_one.course_id,
                klass=about_one.klass,
                school=about_one.school,
            )
        )
    # A batch is a constant number of queries whatever its size (a quiz handed in records one
    # statement per answer): the rows, then every related activity and agent of the batch.
    with transaction.atomic():
        Statement.objects.bulk_create(rows)
        # Five or so of each a statement, written without model instances: through
        # ``bulk_create`` they cost a quiz hand-in more than its answers (``core.db``).
        insert_rows(
            StatementActivity,
            ["statement_id", "activity"],
            ((row.pk, activity) for row in rows for activity in sorted(_activities(row.full))),
        )
        insert_rows(
            StatementAgent,
            ["statement_id", "agent"],
            ((row.pk, agent) for row in rows for agent in sorted(_agents(row.full))),
        )
        voided = [
            row.object_statement
            for row in rows
            if row.verb == VERBS["voided"].id and row.object_statement is not None
        ]
        if voided:
            Statement.objects.filter(statement_id__in=voided).exclude(
                verb=VERBS["voided"].id
            ).update(voided=True)
        _define([row.full for row in rows], trusted=define)
        forwarding.enqueue(rows)
    return rows


def _defined_activities(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """Every activity a statement carries a definition for (object, context activities,
    sub-statement), in order."""
    found: list[dict[str, Any]] = []
    target = statement.get("object", {})
    if target.get("objectType", "Activity") == "Activity" and target.get("definition"):
        found.append(target)
    if target.get("objectType") == "SubStatement":
        found += _defined_activities(target)
    for activities in statement.get("context", {}).get("contextActivities", {}).values():
        for activity in activities if isinstance(activities, list) else [activities]:
            if activity.get("definition"):
                found.append(activity)
    return found


def _merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A trusted definition over the canonical one: its properties replace, its language maps
    and extensions add to (a statement in English keeps the Korean name)."""
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _define(data: list[dict[str, Any]], *, trusted: bool) -> None:
    definitions: dict[str, dict[str, Any]] = {}
    for statement in data:
        for activity in _defined_activities(statement):
            definitions[activity["id"]] = _merged(
                definitions.get(activity["id"], {}), activity["definition"]
            )
    if not definitions:
        return
    known = {
        activity.activity_id: activity
        for activity in Activity.objects.filter(activity_id__in=list(definitions))
    }
    now = timezone.now()
    # Two writers may define the same new activity at once (two processes flushing progress of
    # one lesson): the second one's row is skipped, never an error rolling back the event.
    Activity.objects.bulk_create(
        [
            Activity(activity_id=activity_id, definition=definition, updated_at=now)
            for activity_id, definition in definitions.items()
            if activity_id not in known
        ],
        ignore_conflicts=True,
    )
    for activity_id, definition in definitions.items():
        if activity_id in known and trusted:
            row = known[activity_id]
            merged = _merged(row.definition, definition)
            if merged != row.definition:
                Activity.objects.filter(pk=row.pk).update(definition=merged, updated_at=now)


# --- statements from LRS clients ---------------------------------------------------------------

_COURSE_ACTIVITY = re.compile(r"/xapi/activities/course/(\d{1,18})$")


def about_for(statement: dict[str, Any]) -> About:
    """Whom and where a statement an LRS client sends is about, when its actor is one of our
    people (an account under our address): so a teacher's and a parent's reads see it, as they
    see openclass's own. The course is the one its context names under our address."""
    user = agents.user_of(statement.get("actor", {}))
    if user is None:
        return About()
    klass = user.organisation
    if klass is not None and klass.kind != Organisation.Kind.CLASS:
        klass = None
    course_id = None
    prefix = agents.home_page()
    for activities in statement.get("context", {}).get("contextActivities", {}).values():
        for activity in activities if isinstance(activities, list) else [activities]:
            identifier = str(activity.get("id", ""))
            match = _COURSE_ACTIVITY.search(identifier)
            if match and identifier.startswith(prefix + "/"):
                course_id = int(match.group(1))
    return About(user=user, course_id=course_id, klass=klass, school=scoping.school_of(user))


#: What the LRS assigns, left out when two statements are compared (§2.1.1: a statement sent
#: again with the same id is a no-op when it is the same one).
ASSIGNED = ("stored", "authority", "version")


def comparable(statement: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in statement.items() if key not in ASSIGNED}
    if "timestamp" in kept:
        parsed = parse_datetime(str(kept["timestamp"]))
        kept["timestamp"] = parsed.isoformat() if parsed else kept["timestamp"]
    return kept


def same_statement(stored: Statement, sent: dict[str, Any]) -> bool:
    """Whether ``sent`` is the statement already stored (its timestamp, when it sends none, is
    the one the LRS gave)."""
    mine = comparable(stored.full)
    theirs = comparable(sent)
    if "timestamp" not in sent:
        mine.pop("timestamp", None)
    return mine == theirs
