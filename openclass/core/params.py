"""Numbers and ids from a request, read one way: ASCII digits only, within what the database
holds, anything else is "not given".

``str.isdigit()`` accepts "²" and "٣" (``int("²")`` then raises), and an id of twenty digits
overflows SQLite's and PostgreSQL's 64-bit integers: both ended in a 500. Views read ids and
counts from the path (the ``id`` converter) and from forms and query strings (``parse_id``,
``parse_int``) through here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.urls import register_converter

#: The largest id the database keys hold (a signed 64-bit integer).
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_int(value: object, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``value`` as an int when it is ASCII digits (surrounding spaces allowed) within
    [minimum, maximum]; None otherwise."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def parse_id(value: object) -> int | None:
    """A database id (1 … MAX_ID) from a request, or None."""
    return parse_int(value, minimum=1)


def parse_ids(values: Iterable[object]) -> list[int] | None:
    """Every value an id, in order; None when any is not (a tampered form is refused whole)."""
    ids = [parse_id(value) for value in values]
    return None if any(pk is None for pk in ids) else [pk for pk in ids if pk is not None]


class IdConverter:
    """``<id:pk>`` in URL patterns: like Django's ``int``, but no longer than a database id, so
    ``/courses/99999999999999999999/`` is a 404, not an overflow in the database."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


# Registered with the module, as Django registers its own converters, so that every URL
# configuration (``openclass.urls``, the sockets' ``openclass.routing``) can say ``<id:pk>``.
register_converter(IdConverter, "id")
