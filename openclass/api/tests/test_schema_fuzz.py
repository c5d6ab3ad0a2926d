"""Schemathesis over the Open API's own document (issue 16), as a student, a teacher and a school
admin of one school, each with a personal access token of every scope: no answer is a 5xx, every
answer is what its operation documents (status, content type, headers, body schema), a
documented-secured operation refuses a request without the token, and no JSON answer names an
object of the other school.

The document is read from ``/api/v1/openapi.json`` as a client reads it, so every operation in it
is covered as the API grows. Requests go in-process through schemathesis' WSGI transport to
Django's handler, inside the test's transaction (the suite's database, SQLite or PostgreSQL):
no server. Each operation gets ``POSITIVE`` generated examples, a few negative ones (invalid
input must be refused, never a 5xx) and, for a path parameter naming an object, the ids of a
few real objects of that kind, of this school and of the other; derandomised, no shrinking, so
the run is the same each time and bounded.

"An object of the other school": the permission world (``openclass.web.tests.fixtures``), built
here after every table's next id was moved to a range of its own (``spread_ids``), so an id
names exactly one row of one table. The other school's organisations and people are the seeds;
every row that refers to a forbidden row by a foreign key is forbidden too (its courses, their
lessons, attempts, enrolments, notifications …), to a fixpoint. The scan looks at the keys that
name objects (``id``, ``*_id``, ``*_ids``), never at other numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, models, transaction
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode, openapi
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from openclass.accounts.models import Organisation, User
from openclass.accounts.tests.fixtures import make_city
from openclass.api.tests.helpers import bearer, personal_token
from openclass.web.tests.fixtures import World, make_world

DOCUMENT = "/api/v1/openapi.json"
POSITIVE, NEGATIVE, PER_OBJECT = 6, 2, 1  # examples per operation (per object id)
STRIDE = 1_000_000  # each table's ids start at a multiple of this of their own
ROLES = ("student", "teacher", "school_admin")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]
NEGATIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
# Problems this test found that are reported and not yet fixed in the API, each passed over only
# for its kind of failure and a request it names; remove an entry once its fix is in.
# (kind, a regular expression the failing request matches)
KNOWN: list[tuple[str, str]] = []
# A path's collection → the model its parameter names, where the name does not say it.
ALIASES = {
    "students": User,
    "people": User,
    "teachers": User,
    "users": User,
    "classes": Organisation,
    "schools": Organisation,
    "organisations": Organisation,
}


# --- ids that name one row of one table --------------------------------------------------------


def _tables() -> list[type[models.Model]]:
    return sorted(
        (
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed
            and not model._meta.proxy
            and isinstance(model._meta.pk, models.AutoField)
        ),
        key=lambda model: model._meta.db_table,
    )


def spread_ids() -> None:
    """Move every table's next id to ``(n + 1) × STRIDE`` (n: the table's place in name order),
    so that from now on an id is unique across the database. SQLite's AUTOINCREMENT counter is
    rolled back with the test; PostgreSQL's sequences are not, and only move forward."""
    with connection.cursor() as cursor:
        for number, model in enumerate(_tables(), start=1):
            table, column = model._meta.db_table, model._meta.pk.column
            start = number * STRIDE
            if connection.vendor == "sqlite":
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [start, table]
                )
                if cursor.rowcount == 0:
                    cursor.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start]
                    )
            else:
                quoted = connection.ops.quote_name(table)
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s)", [quoted, column, start]
                )


def forbidden_rows(world: World) -> dict[type[models.Model], set[int]]:
    """The other school's rows: its organisations and people, and every row referring to one of
    them by a foreign key, and so on until nothing more is found."""
    south = world.city.south
    people = [
        south.admin,
        south.homeroom_a,
        south.subject_teacher,
        south.student_a1,
        south.student_a2,
        south.student_b1,
        south.parent_a1,
    ]
    places = [south.school, south.class_a, south.class_b, south.class_a.parent]
    found: dict[type[models.Model], set[int]] = {
        User: {p.pk for p in people},
        Organisation: {o.pk for o in places},
    }
    links = [
        (model, field)
        for model in _tables()
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey)
    ]
    grew = True
    while grew:
        grew = False
        for model, field in links:
            target = field.related_model
            if not found.get(target):
                continue
            rows = set(
                model._base_manager.filter(**{f"{field.attname}__in": found[target]}).values_list(
                    "pk", flat=True
                )
            )
            if not rows <= found.get(model, set()):
                found.setdefault(model, set()).update(rows)
                grew = True
    return found


def named_ids(answer: Any, where: str = "") -> Iterator[tuple[str, int]]:
    """(where, id) of every value under a key that names an object: ``id``, ``*_id``,
    ``*_ids``."""
    if isinstance(answer, dict):
        for key, value in answer.items():
            here = f"{where}.{key}"
            if key == "id" or key.endswith("_id"):
                if isinstance(value, int) and not isinstance(value, bool):
                    yield here, value
            elif key.endswith("_ids") and isinstance(value, list):
                yield from ((here, v) for v in value if isinstance(v, int))
            else:
                yield from named_ids(value, here)
    elif isinstance(answer, list):
        for index, value in enumerate(answer):
            yield from named_ids(value, f"{where}[{index}]")


# --- the run ------------------------------------------------------------------------------------


def _model_of(path: str, parameter: str) -> type[models.Model] | None:
    """The model a path parameter names: the collection before it (``/courses/{pk}`` →
    Course), by the aliases or by the model's name, among openclass's apps."""
    parts = path.strip("/").split("/")
    index = next((i for i, part in enumerate(parts) if part == f"{{{parameter}}}"), 0)
    if index == 0:
        return None
    collection = parts[index - 1]
    if collection in ALIASES:
        return ALIASES[collection]
    for singular in (collection[:-1], collection[:-2]):
        for model in apps.get_models():
            if model.__module__.startswith("openclass.") and model._meta.model_name == singular:
                return model
    return None


def _objects(model: type[models.Model], forbidden: set[int]) -> list[int]:
    """The first of the model's rows the other school does not own, and the first it does."""
    everyone = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
    return [pk for pk in everyone if pk not in forbidden][:1] + [
        pk for pk in everyone if pk in forbidden
    ][:1]


class Run:
    """One user's pass over every operation: what went wrong, the first time for each operation
    and kind of failure."""

    def __init__(self, token: str, forbidden: dict[type[models.Model], set[int]]) -> None:
        self.headers = bearer(token)
        self.forbidden = forbidden
        self.secret_ids = {pk: model for model, pks in forbidden.items() for pk in pks}
        self.failures: dict[tuple[str, str], str] = {}
        self.auth_checked: set[str] = set()  # operations that refused a request without token
        self.calls = 0
        self.ids_seen = 0  # ids the scan looked at, in every answer

    def fail(self, case: Any, kind: str, text: str) -> None:
        if not any(kind == known and re.search(named, text) for known, named in KNOWN):
            self.failures.setdefault((case.operation.label, kind), text)

    def check(self, case: Any, checks: list) -> None:
        label = case.operation.label
        self.calls += 1
        # Each request in a savepoint of its own, undone when it failed: a database error inside
        # it (PostgreSQL then refuses every later statement of the transaction) stays its own.
        savepoint = transaction.savepoint()
        response = case.call(headers=self.headers)
        if response.status_code >= 500:
            transaction.savepoint_rollback(savepoint)
        else:
            transaction.savepoint_commit(savepoint)
        request = f"{case.method} {response.request.url} → {response.status_code}"
        # Whether the operation refuses a request without the token (two more requests): once.
        probe = ignored_auth in checks and label not in self.auth_checked
        try:
            case.validate_response(
                response,
                checks=checks if probe else [c for c in checks if c is not ignored_auth],
                headers=self.headers,
                transport_kwargs={"headers": self.headers},
            )
        except FailureGroup as group:
            for failure in group.exceptions:
                self.fail(case, failure.title, f"{request}: {failure.message}".strip()[:600])
        else:
            if probe and 200 <= response.status_code < 300:
                self.auth_checked.add(label)
        content_type = response.headers.get("content-type", [""])[0]
        if not content_type.split(";")[0].endswith("json"):
            return
        try:
            answer = json.loads(response.content)
        except ValueError:
            return
        named = list(named_ids(answer))
        self.ids_seen += len(named)
        leaks = [
            f"{where} = {pk} ({self.secret_ids[pk].__name__})"
            for where, pk in named
            if pk in self.secret_ids
        ]
        if leaks:
            self.fail(case, "names objects of another school", f"{request}: {', '.join(leaks[:8])}")

    def operation(self, operation: Any) -> None:
        def run(strategy: Any, examples: int, checks: list) -> None:
            @settings(
                max_examples=examples,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def one(case: Any) -> None:
                self.check(case, checks)

            one()

        run(operation.as_strategy(GenerationMode.POSITIVE), POSITIVE, CHECKS)
        run(operation.as_strategy(GenerationMode.NEGATIVE), NEGATIVE, NEGATIVE_CHECKS)
        for parameter in operation.path_parameters:
            model = _model_of(operation.path, parameter.name)
            if model is None:
                continue
            for pk in _objects(model, self.forbidden.get(model, set())):
                strategy = operation.as_strategy(
                    GenerationMode.POSITIVE, path_parameters={parameter.name: pk}
                )
                run(strategy, PER_OBJECT, CHECKS)


@pytest.fixture
def fuzz_world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    spread_ids()
    return make_world(make_city())


@pytest.fixture
def in_process() -> Iterator[WSGIHandler]:
    """Django's WSGI handler, its requests in the test's transaction: like Django's test client,
    no closing of the connection at the start and end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _person(world: World, role: str) -> User:
    north = world.city.north
    return {"student": north.student_a1, "teacher": north.homeroom_a, "school_admin": north.admin}[
        role
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_as_documented_and_nothing_of_another_school(
    role: str, fuzz_world: World, in_process: WSGIHandler
) -> None:
    user = _person(fuzz_world, role)
    forbidden = forbidden_rows(fuzz_world)
    other = fuzz_world.scopes["school"]
    assert user.pk not in forbidden[User]
    assert fuzz_world.city.north.school.pk not in forbidden[Organisation]
    assert other.course.pk in forbidden[type(other.course)]
    assert other.attempt.pk in forbidden[type(other.attempt)]

    schema = openapi.from_wsgi(DOCUMENT, in_process)
    run = Run(personal_token(user), forbidden)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"{DOCUMENT} lists no operation"
    for operation in operations:
        run.operation(operation)

    assert not run.failures, f"as the {role}, {len(run.failures)} failures:\n\n" + "\n\n".join(
        f"{label}: {kind}\n  {text}" for (label, kind), text in sorted(run.failures.items())
    )
    assert run.ids_seen, "no answer named any object: the scan saw nothing"


def test_the_scan_tells_an_id_the_user_may_not_see(
    fuzz_world: World, in_process: WSGIHandler
) -> None:
    """The scan itself: told that the student's own account is another school's, it finds it
    in the answer to /me."""
    user = _person(fuzz_world, "student")
    schema = openapi.from_wsgi(DOCUMENT, in_process)
    run = Run(personal_token(user), {User: {user.pk}})
    run.operation(schema["/api/v1/me"]["GET"])
    assert ("GET /api/v1/me", "names objects of another school") in run.failures
