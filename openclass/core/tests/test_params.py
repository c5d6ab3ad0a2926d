"""Ids and numbers from a request are ASCII digits within what the database holds."""

from __future__ import annotations

import pytest
from django.urls import resolve
from django.urls.exceptions import Resolver404

from openclass.core.params import MAX_ID, parse_id, parse_ids, parse_int


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        (" 42 ", 42),
        ("0", 0),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("²", None),  # str.isdigit() says yes; int() raises
        ("٣", None),  # Arabic-Indic three: the same
        ("-1", None),
        ("1e3", None),
        ("1\x00", None),
        ("", None),
        (None, None),
        (12, None),  # only text comes from a request
    ],
)
def test_parse_int(raw: object, expected: int | None) -> None:
    assert parse_int(raw) == expected


def test_ids_start_at_one_and_a_list_is_refused_whole() -> None:
    assert parse_id("0") is None and parse_id("1") == 1
    assert parse_ids(["3", "1"]) == [3, 1]
    assert parse_ids(["3", "²"]) is None
    assert parse_ids([]) == []


def test_a_path_id_longer_than_the_database_holds_is_not_found() -> None:
    assert resolve("/courses/999999999999999999/").kwargs == {"pk": 999999999999999999}
    for odd in ("99999999999999999999", "²", "-1"):
        with pytest.raises(Resolver404):
            resolve(f"/courses/{odd}/")
