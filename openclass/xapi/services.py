"""Recording learning events as xAPI statements (F-18).

Every area records what a learner did with one call, ``record(actor, verb, activity, ...)``, in
the same transaction as the event itself: the statement and its outbox rows (``Delivery``, one per
outside LRS it goes to) commit or roll back with the event, so a statement is never lost nor
invented. Statements name a person only by their opaque ``Actor.key`` under the installation's
address (``account.homePage``): no name, no e-mail.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openclass.accounts import scoping
from openclass.accounts.models import Organisation
from openclass.core.runtime import runtime

from . import statements
from . import vocabulary as vocabulary  # the areas read the verbs and extensions through here
from .models import Actor, Statement
from .vocabulary import ACTIVITY_TYPES, VERBS

#: uuid5 namespace of the registrations openclass derives from its enrolments.
REGISTRATIONS = uuid.UUID("0f6d3c9e-5b0a-4c1e-9a55-6f1f3e0c7a21")


def home_page() -> str:
    return settings.SITE_URL.rstrip("/")


def activity_id(kind: str, pk: object) -> str:
    """An openclass object's activity IRI: under the installation's own address."""
    return f"{home_page()}/xapi/activities/{kind}/{pk}"


def registration_for(enrolment_pk: int) -> uuid.UUID:
    """The registration of one enrolment: stable, derived (no column), unique per installation."""
    return uuid.uuid5(REGISTRATIONS, f"{home_page()}/enrolment/{enrolment_pk}")


class _ActorKeys:
    """Users' opaque keys this process has seen stored (``core.runtime``): a key never changes,
    so a busy path (progress statements) asks the database once per user and process. A key is
    kept only once the transaction that read or made it commits, so a rolled-back Actor is never
    remembered."""

    def __init__(self) -> None:
        self.keys: dict[int, uuid.UUID] = {}

    def reset(self) -> None:
        self.keys.clear()


_actor_keys = runtime.register("xapi.actor_keys", _ActorKeys())


def actor_key(user: Any) -> uuid.UUID:
    known = _actor_keys.keys.get(user.pk)
    if known is not None:
        return known
    actor, _ = Actor.objects.get_or_create(user=user)
    key, pk = actor.key, user.pk
    transaction.on_commit(lambda: _actor_keys.keys.__setitem__(pk, key))
    return key


def agent_for(user: Any) -> dict[str, Any]:
    """The statement's actor: account-based, opaque, never a name or an e-mail."""
    return {
        "objectType": "Agent",
        "account": {"homePage": home_page(), "name": str(actor_key(user))},
    }


def authority() -> dict[str, Any]:
    """The authority of openclass's own statements: the installation itself."""
    return {"objectType": "Agent", "account": {"homePage": home_page(), "name": "openclass"}}


@dataclass(frozen=True)
class Activity:
    """An openclass object as a statement's object or context activity."""

    kind: str
    pk: object
    name: str = ""
    extensions: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return activity_id(self.kind, self.pk)

    def as_json(self) -> dict[str, Any]:
        definition: dict[str, Any] = {"type": ACTIVITY_TYPES[self.kind]}
        if self.name:
            definition["name"] = {"ko-KR": self.name}
        if self.extensions:
            definition["extensions"] = self.extensions
        return {"objectType": "Activity", "id": self.id, "definition": definition}


@dataclass(frozen=True)
class Where:
    """Where a statement happened: the course (with its registration, one per enrolment), the
    learner's class and school (derived from the actor when not given), and a parent activity
    (the quiz of a question, the course of a lesson)."""

    course: Activity | None = None
    registration: uuid.UUID | None = None
    klass: Organisation | None = None
    school: Organisation | None = None
    parent: Activity | None = None


@dataclass(frozen=True)
class Event:
    """One statement of ``record_many``: what ``record`` takes, but the actor and the time."""

    verb: str
    activity: Activity
    where: Where | None = None
    result: dict[str, Any] | None = None


def record(
    actor: Any,
    verb: str,
    activity: Activity,
    *,
    where: Where | None = None,
    result: dict[str, Any] | None = None,
    timestamp: datetime | None = None,
) -> None:
    """Store one statement about ``actor`` (one of our users) and queue it for the outside LRSs.
    Call it inside the transaction of the event it records."""
    record_many(actor, [Event(verb, activity, where, result)], timestamp=timestamp)


def record_many(actor: Any, events: list[Event], *, timestamp: datetime | None = None) -> None:
    """Store several statements about ``actor`` at once, in this order (a quiz handed in: each
    answer, the score, the completion). Call it inside the event's transaction."""
    record_each([(actor, event) for event in events], timestamp=timestamp)


def record_each(items: list[tuple[Any, Event]], *, timestamp: datetime | None = None) -> None:
    """Store statements about one or several actors as one batch, in this order: the store's
    queries are a constant number however many (the progress flush records a minute watched
    for dozens of watchers at once, and one by one those were a tenth of a busy server's
    time). Inside ``together()`` they join its batch instead. Call it inside the events'
    transaction."""
    when = (timestamp or timezone.now()).isoformat()
    pending = _together.get()
    if pending is not None:
        pending.extend((actor, event, when) for actor, event in items)
    else:
        _store([(actor, event, when) for actor, event in items])


_together: ContextVar[list[tuple[Any, Event, str]] | None] = ContextVar(
    "xapi_together", default=None
)


@contextmanager
def together() -> Iterator[None]:
    """Statements recorded inside are stored as one batch when it ends (in the caller's
    transaction, so still all or none with the event). An event that records through several
    areas — a quiz handed in: its answers and score, the lesson's completion, the course's —
    pays the store's queries once instead of once each. Nested, the outermost stores."""
    if _together.get() is not None:
        yield
        return
    pending: list[tuple[Any, Event, str]] = []
    token = _together.set(pending)
    try:
        yield
    finally:
        _together.reset(token)
    _store(pending)


def _store(items: list[tuple[Any, Event, str]]) -> None:
    """The statements of ``items`` (actor, event, ISO timestamp), stored in one batch: each
    actor's key read once, each class's school and name once."""
    schools: dict[tuple[str, int], Organisation | None] = {}
    classes: dict[int, dict[str, Any]] = {}  # a class's name reads its grade
    agents: dict[int, dict[str, Any]] = {}

    def school_of(actor: Any, klass: Organisation | None) -> Organisation | None:
        # Without a class the school is the actor's own (a teacher's, an instructor's).
        key = ("class", klass.pk) if klass is not None else ("actor", actor.pk)
        if key not in schools:
            found = klass.ancestor(Organisation.Kind.SCHOOL) if klass else None
            schools[key] = found or scoping.school_of(actor)
        return schools[key]

    data_list: list[dict[str, Any]] = []
    abouts: list[statements.About] = []
    for actor, event, when in items:
        if actor.pk not in agents:
            agents[actor.pk] = agent_for(actor)
        organisation = getattr(actor, "organisation", None)
        own_klass = (
            organisation
            if organisation is not None and organisation.kind == Organisation.Kind.CLASS
            else None
        )
        where = event.where or Where()
        klass = where.klass or own_klass
        school = where.school or school_of(actor, klass)
        grouping: list[dict[str, Any]] = []
        if where.course is not None:
            grouping.append(where.course.as_json())
        if klass is not None:
            if klass.pk not in classes:
                classes[klass.pk] = Activity("class", klass.pk, klass.short_name).as_json()
            grouping.append(classes[klass.pk])
        if school is not None:
            grouping.append(Activity("school", school.pk, school.name).as_json())
        context: dict[str, Any] = {"platform": "openclass", "language": "ko-KR"}
        activities: dict[str, Any] = {}
        if grouping:
            activities["grouping"] = grouping
        if where.parent is not None:
            activities["parent"] = [where.parent.as_json()]
        if activities:
            context["contextActivities"] = activities
        if where.registration is not None:
            context["registration"] = str(where.registration)
        data: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "actor": agents[actor.pk],
            "verb": VERBS[event.verb].as_json(),
            "object": event.activity.as_json(),
            "context": context,
            "timestamp": when,
        }
        if event.result:
            data["result"] = event.result
        course_pk = where.course.pk if where.course is not None else None
        data_list.append(data)
        abouts.append(
            statements.About(
                user=actor,
                course_id=int(str(course_pk)) if course_pk is not None else None,
                klass=klass,
                school=school,
            )
        )
    if data_list:
        statements.store(data_list, authority=authority(), about=abouts)


def void(statement: Statement, *, timestamp: datetime | None = None) -> Statement:
    """Void one of openclass's own statements that turned out wrong (a corrected attendance
    mark): a voiding statement about the same learner, in the caller's transaction."""
    data: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": statement.full["actor"],
        "verb": VERBS["voided"].as_json(),
        "object": {"objectType": "StatementRef", "id": str(statement.statement_id)},
        "timestamp": (timestamp or timezone.now()).isoformat(),
    }
    (stored,) = statements.store(
        [data],
        authority=authority(),
        about=statements.About(
            user=statement.user,
            course_id=statement.course_id,
            klass=statement.klass,
            school=statement.school,
        ),
    )
    return stored
