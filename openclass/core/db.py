"""Database helpers shared by the areas, for the few hot paths the ORM makes slow.

Each works below the ORM's public API (see docs/upgrading.md for what they rely on and the
tests that guard them), and each answers as the ORM would: ``test_db.py`` compares them with
the ORM's own results. ``settings.STOCK_FAST_PATHS`` (``OPENCLASS_STOCK_FAST_PATHS=1``) makes
them go through the ORM's public API instead, to bisect a regression after an upgrade.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, Generic, TypeVar, cast

from django.conf import settings
from django.db import connections, router
from django.db.models import DateField, Field, Model, QuerySet
from django.utils import timezone


def _columns(model: type[Model], names: Sequence[str]) -> list[tuple[Field, str]]:
    """Each named field of ``model`` with its column (a relation's reverse side has none)."""
    found = []
    for name in names:
        field = model._meta.get_field(name)
        if not isinstance(field, Field) or not field.column:
            raise ValueError(f"{model.__name__}.{name} is not a column")
        found.append((field, field.column))
    return found


def _auto_now_fields(model: type[Model], named: Sequence[str]) -> list[str]:
    """``auto_now`` fields of ``model`` not among ``named``: a save would set them to now."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, DateField) and field.auto_now and field.name not in named
    ]


def update_by_pk(
    model: type[Model], fields: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Set ``fields`` on many rows of ``model``, each its own values: ``rows`` are
    ``(pk, value, …)`` in the order of ``fields``. One prepared UPDATE run with ``executemany``.

    Why not ``QuerySet.bulk_update``: it builds one ``CASE WHEN pk = … THEN …`` expression per
    row and field, which costs more to compile than the writes themselves (measured: a 20-answer
    quiz submission spent a third of its time there; 1,000 heartbeats a second did not fit in a
    core). Values go through each field's own preparation, so JSON, decimals and aware datetimes
    are stored as the ORM would store them, and ``auto_now`` fields not named are set to now,
    as ``save()`` would.
    """
    rows = list(rows)
    if not rows:
        return
    stamped = _auto_now_fields(model, fields)
    if stamped:
        now = timezone.now()
        fields = [*fields, *stamped]
        rows = [
            (*row, *(now.date() if _is_date_only(model, name) else now for name in stamped))
            for row in rows
        ]
    if settings.STOCK_FAST_PATHS:
        objects = []
        for pk, *values in rows:
            obj = model(pk=pk)
            for name, value in zip(fields, values, strict=True):
                setattr(obj, name, value)
            objects.append(obj)
        model._default_manager.bulk_update(objects, list(fields))
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    quote = connection.ops.quote_name
    model_fields = _columns(model, fields)
    columns = ", ".join(f"{quote(column)} = %s" for _field, column in model_fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 (names from the model, values as parameters)
    params = [
        [
            *(
                field.get_db_prep_save(value, connection)
                for (field, _column), value in zip(model_fields, values, strict=True)
            ),
            pk,
        ]
        for pk, *values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _is_date_only(model: type[Model], name: str) -> bool:
    field = model._meta.get_field(name)
    return isinstance(field, Field) and field.get_internal_type() == "DateField"


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Add rows to ``model``'s table, each ``(value, …)`` in the order of ``fields`` (every
    field without a database default must be named: ``auto_now_add`` is not applied here, but
    ``auto_now`` fields not named are set to now, as ``update_by_pk`` and the ORM's ``bulk_create``
    set them). One prepared INSERT run with ``executemany``; values go through each field's own
    preparation, as ``update_by_pk``'s do.

    Why not ``create``: building the INSERT costs the ORM more than running it (measured: a
    join ticket's row took 0.9 ms to write, 0.06 ms of it SQLite's).
    """
    rows = list(rows)
    if not rows:
        return
    stamped = _auto_now_fields(model, fields)
    if stamped:
        now = timezone.now()
        fields = [*fields, *stamped]
        rows = [
            (*row, *(now.date() if _is_date_only(model, name) else now for name in stamped))
            for row in rows
        ]
    if settings.STOCK_FAST_PATHS:
        model._default_manager.bulk_create(
            [model(**dict(zip(fields, values, strict=True))) for values in rows]
        )
        return
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    quote = connection.ops.quote_name
    model_fields = _columns(model, fields)
    columns = ", ".join(quote(column) for _field, column in model_fields)
    marks = ", ".join("%s" for _field in model_fields)
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 (names from the model, values as parameters)
    params = [
        [
            field.get_db_prep_save(value, connection)
            for (field, _column), value in zip(model_fields, values, strict=True)
        ]
        for values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


class CompiledQuery:
    """A read on a hot path whose SQL the ORM compiles once, run with each call's values. Nothing
    is prepared on the database's side: the SQL text and the converters are kept in this
    process, and the database is sent that SQL with new parameters each time.

    ``build`` is called once, with an integer marker for each of its parameters, and returns a
    ``values_list`` queryset in which each marker appears exactly once as a lookup's value
    (ids, mostly; a text column's lookup carries the marker as its text, and is given text).
    The parameters whose indexes ``datetimes`` names are aware datetimes instead: their markers
    are moments of 1901; those ``dates`` names are dates, their markers days of 1901.
    ``rows(*values)`` runs that SQL with the values in the markers' places and returns the rows
    as ``values_list`` would, each value converted by its field (dates, JSON, booleans), so the
    answer is the ORM's own.

    A parameter given as a list or tuple (``pk__in=ids``) is compiled once for each length it
    comes in (a student's few courses: a few lengths), each element a marker of its own; an
    empty one is read through the ORM, which knows what an empty ``IN`` means where it stands
    (nothing in a filter, everything in an exclude).

    Why: the ORM spends about a millisecond building a query and its results on this
    hardware, against some 50 µs for SQLite to run it (measured on the live classroom's join:
    1.6 ms against 59 µs). Reads that a class joining at once makes a hundred times a second
    are built once instead.
    """

    _MARKER = -7_340_000_001  # an id no table hands out
    _LIST_SPAN = 10_000  # a list parameter's elements: markers below its own

    def __init__(
        self,
        build: Callable[..., QuerySet],
        datetimes: Collection[int] = (),
        dates: Collection[int] = (),
    ) -> None:
        if len(dates) > 365 or set(dates) & set(datetimes):
            raise ValueError("a parameter is a date or a datetime, of at most 365 dates")
        self.build = build
        self.datetimes = frozenset(datetimes)
        self.dates = frozenset(dates)
        self._model: type[Model] | None = None
        self._compiled: dict[tuple[str, tuple], tuple[str, list, list[int], dict]] = {}

    def _marker(self, index: int, element: int = 0) -> Any:
        if index in self.datetimes:
            return datetime.datetime(1901, 1, 1, microsecond=index + 1, tzinfo=datetime.UTC)
        if index in self.dates:
            return datetime.date(1901, 1, 1) + datetime.timedelta(days=index)
        return self._MARKER - index * self._LIST_SPAN - element

    def _compile(self, shape: tuple[int | None, ...]) -> tuple[str, list, list[int], dict, str]:
        """The SQL for values of ``shape`` (each parameter's list length, None for one value),
        its parameters, the place of each value among them (lists flattened) and the
        converters."""
        alias = router.db_for_read(self._model) if self._model else None
        compiled = self._compiled.get((alias, shape)) if alias else None
        if compiled is None or alias is None:
            markers: list[Any] = []
            flat: list[tuple[int, Any]] = []  # (parameter's index, marker), lists flattened
            for index, length in enumerate(shape):
                if length is None:
                    markers.append(self._marker(index))
                    flat.append((index, markers[-1]))
                    continue
                if index in self.datetimes or index in self.dates or length >= self._LIST_SPAN:
                    raise ValueError("a list parameter holds ids, fewer than 10,000")
                elements = [self._marker(index, element) for element in range(length)]
                markers.append(elements)
                flat.extend((index, marker) for marker in elements)
            queryset = self.build(*markers)
            self._model = queryset.model
            alias = router.db_for_read(queryset.model)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            params = list(params)
            positions = []
            for index, marker in flat:
                forms = (marker, self._prepared(index, marker, alias), str(marker))
                found = [place for place, param in enumerate(params) if param in forms]
                if len(found) != 1:
                    raise ValueError(f"each parameter must appear once in the query: {sql}")
                positions.append(found[0])
            fields = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
            compiled = self._compiled[(alias, shape)] = (
                sql,
                params,
                positions,
                compiler.get_converters(fields),
            )
        return (*compiled, alias)

    def _prepared(self, index: int, value: Any, alias: str) -> Any:
        """``value`` as the database takes it (a date or datetime: as its backend stores one)."""
        if index in self.datetimes:
            return connections[alias].ops.adapt_datetimefield_value(value)
        if index in self.dates:
            return connections[alias].ops.adapt_datefield_value(value)
        return value

    def rows(self, *values: Any) -> list[tuple]:
        shape = tuple(len(v) if isinstance(v, (list, tuple)) else None for v in values)
        if settings.STOCK_FAST_PATHS or 0 in shape:
            return list(self.build(*values))
        sql, template, positions, converters, alias = self._compile(shape)
        params = list(template)
        flat = [
            (index, value)
            for index, given in enumerate(values)
            for value in (given if shape[index] is not None else (given,))
        ]
        for position, (index, value) in zip(positions, flat, strict=True):
            params[position] = self._prepared(index, value, alias)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            row = list(row)
            for index, (functions, expression) in converters.items():
                value = row[index]
                for function in functions:
                    value = function(value, expression, connection)
                row[index] = value
            converted.append(tuple(row))
        return converted


M = TypeVar("M", bound=Model)


def every_column(model: type[Model]) -> list[str]:
    """The attribute names of all of ``model``'s columns: a CompiledObjectQuery's ``fields``
    for a whole object."""
    return [field.attname for field in model._meta.concrete_fields]


class CompiledObjectQuery(Generic[M]):
    """Rows of a model with the objects along its foreign keys, through a CompiledQuery.

    ``fields`` names, for the row itself (``""``) and for each path along foreign keys
    (``"room"``, ``"room__session"``), the fields to read, its primary key among them (an
    object whose key is empty, along a nullable key, is None); the rest of each object stays
    deferred, read on first use as with ``only()``. ``first(*values)`` returns the object,
    its related objects set on it, or None; ``all(*values)`` every row's object. ``build`` is
    as for CompiledQuery, without the ``values_list``; so are ``datetimes`` and ``dates``.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet[M]],
        fields: dict[str, Sequence[str]],
        datetimes: Collection[int] = (),
        dates: Collection[int] = (),
    ) -> None:
        self.build = build
        self.fields = fields
        self._parts: list[tuple[str, type[Model], list[str]]] | None = None
        self._read = CompiledQuery(self._values, datetimes, dates)

    def _values(self, *values: Any) -> QuerySet:
        queryset = self.build(*values)
        if self._parts is None:
            parts: list[tuple[str, type[Model], list[str]]] = []
            for path, names in self.fields.items():
                model: type[Model] = queryset.model
                for step in path.split("__") if path else []:
                    related = model._meta.get_field(step).related_model
                    if not isinstance(related, type):
                        raise ValueError(f"{path!r}: {step} is not a relation")
                    model = related
                wanted = set(names)
                # In the order of the model's own fields, as Model.from_db takes them.
                ordered = [f.attname for f in model._meta.concrete_fields if f.attname in wanted]
                parts.append((path, model, ordered))
            self._parts = parts
        lookups = [
            f"{path}__{name}" if path else name
            for path, _model, names in self._parts
            for name in names
        ]
        return queryset.values_list(*lookups)

    def first(self, *values: Any) -> M | None:
        rows = self._read.rows(*values)
        return self._object(rows[0]) if rows else None

    def all(self, *values: Any) -> list[M]:
        """Every row's object, in the query's order."""
        return [self._object(row) for row in self._read.rows(*values)]

    def _object(self, row: tuple) -> M:
        assert self._parts is not None  # set by the first _values, which rows() has run
        start, found = 0, {}
        for path, model, names in self._parts:
            part = row[start : start + len(names)]
            start += len(names)
            pk = part[names.index(model._meta.pk.attname)]
            found[path] = (
                None if pk is None else model.from_db(router.db_for_read(model), names, part)
            )
        for path, obj in found.items():
            if path:
                parent, _, attribute = path.rpartition("__")
                if found.get(parent) is not None:
                    setattr(found[parent], attribute, obj)
        # The row's own object ("") was made by ``from_db`` of the queryset's model: an M.
        return cast("M", found[""])
