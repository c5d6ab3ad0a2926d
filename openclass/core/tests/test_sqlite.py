"""The SQLite engine's writers' queue (openclass.core.sqlite): threads of a process take the write
lock first come, first served, and always give it back.

Each test works on a database file of its own through connections it makes (one a thread, as
Django's are), whatever database the suite runs on.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connections, transaction
from django.db.utils import load_backend

from openclass.core.sqlite.base import DatabaseWrapper, WriteQueue

ALIAS = "sqlite_queue_probe"


@pytest.fixture
def database(tmp_path: Path, django_db_blocker) -> Iterator[Callable[..., DatabaseWrapper]]:
    """Opens this thread's connection to a fresh SQLite file (WAL, BEGIN IMMEDIATE, as the
    embedded default); the first call makes the table ``probe``."""
    path = tmp_path / "probe.sqlite3"
    base = copy.deepcopy(connections["default"].settings_dict)
    opened: list[DatabaseWrapper] = []

    def open_connection(timeout: float = 20.0) -> DatabaseWrapper:
        settings_dict: dict[str, Any] = {
            **copy.deepcopy(base),
            "ENGINE": "openclass.core.sqlite",
            "NAME": str(path),
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": timeout,
            },
        }
        wrapper = load_backend("openclass.core.sqlite").DatabaseWrapper(settings_dict, ALIAS)
        connections[ALIAS] = wrapper  # this thread's
        if not opened:
            with wrapper.cursor() as cursor:
                cursor.execute("CREATE TABLE probe (who TEXT, n INTEGER)")
        opened.append(wrapper)
        return wrapper

    with django_db_blocker.unblock():  # not the test database: a file of its own
        yield open_connection
        for wrapper in opened:
            wrapper.inc_thread_sharing()  # closed from this thread, each opened in its own
            wrapper.close()
    del connections[ALIAS]


def _in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[BaseException]]:
    failures: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as failure:  # reported to the test
            failures.append(failure)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_the_queue_hands_the_lock_on_in_the_order_it_was_asked_for() -> None:
    queue = WriteQueue()
    assert queue.acquire(timeout=1)
    order: list[str] = []
    threads = []
    for name in ("first", "second", "third"):

        def wait(name: str = name) -> None:
            assert queue.acquire(timeout=10)
            order.append(name)
            queue.release()

        waiting = len(queue._waiting)
        threads.append(_in_thread(wait)[0])
        _until(lambda waiting=waiting: len(queue._waiting) == waiting + 1)
    queue.release()
    for thread in threads:
        thread.join()
    assert order == ["first", "second", "third"]
    assert queue.acquire(timeout=0.1), "the last one gave it back"


def test_a_wait_that_runs_out_leaves_the_queue_as_it_was() -> None:
    queue = WriteQueue()
    assert queue.acquire(timeout=1)
    started = time.monotonic()
    assert not queue.acquire(timeout=0.2)
    assert time.monotonic() - started >= 0.2
    assert not queue._waiting
    queue.release()
    assert queue.acquire(timeout=0.1)


@contextmanager
def _another_thread_holds_the_turn(database: Callable[..., DatabaseWrapper]) -> Iterator[list]:
    """Another thread's transaction, its row ("holder", 1) written and not committed, holds the
    turn until the block ends; yields a list that then holds when it committed."""
    holding, go_on = threading.Event(), threading.Event()
    committed_at: list[float] = []

    def hold() -> None:
        database()
        with transaction.atomic(using=ALIAS):
            connections[ALIAS].cursor().execute("INSERT INTO probe VALUES ('holder', 1)")
            holding.set()
            go_on.wait(10)
        committed_at.append(time.monotonic())

    holder, failures = _in_thread(hold)
    assert holding.wait(10)
    try:
        yield committed_at
    finally:
        go_on.set()
        holder.join()
    assert not failures


def test_a_writer_waits_in_the_queue_and_writes_as_soon_as_the_other_commits(database) -> None:
    first = database()
    began_at: list[float] = []

    def write() -> None:
        database()
        with transaction.atomic(using=ALIAS):
            began_at.append(time.monotonic())
            connections[ALIAS].cursor().execute("INSERT INTO probe VALUES ('writer', 2)")

    with _another_thread_holds_the_turn(database) as committed_at:
        writer, failures = _in_thread(write)
        _until(lambda: len(first.queue._waiting) == 1)  # in the queue, not in SQLite's sleep
    writer.join()
    assert not failures
    assert began_at[0] >= committed_at[0] - 0.05  # one after the other
    with first.cursor() as cursor:
        cursor.execute("SELECT who FROM probe ORDER BY n")
        assert [row[0] for row in cursor.fetchall()] == ["holder", "writer"]
    assert not first.queue._held


def test_writes_outside_a_transaction_queue_too_and_reads_do_not(database) -> None:
    first = database()

    def write() -> None:
        database()
        connections[ALIAS].cursor().execute("INSERT INTO probe VALUES ('autocommit', 2)")
        assert not connections[ALIAS].has_turn

    with _another_thread_holds_the_turn(database):
        with first.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM probe")  # WAL: a read goes ahead of the writer
            assert cursor.fetchone() == (0,)
        writer, failures = _in_thread(write)
        _until(lambda: len(first.queue._waiting) == 1)
    writer.join()
    assert not failures
    assert not first.queue._held


def test_the_turn_is_given_back_on_rollback_on_error_and_on_close(database) -> None:
    connection = database()
    with pytest.raises(ZeroDivisionError), transaction.atomic(using=ALIAS):
        connection.cursor().execute("INSERT INTO probe VALUES ('rolled back', 1)")
        assert connection.has_turn
        _ = 1 / 0
    assert not connection.has_turn and not connection.queue._held

    with pytest.raises(OperationalError):  # a statement SQLite refuses, the turn given back
        connection.cursor().execute("INSERT INTO missing VALUES (1)")
    assert not connection.queue._held

    with pytest.raises(OperationalError):  # BEGIN inside a transaction is refused
        connection.cursor().execute("BEGIN IMMEDIATE")
        connection.cursor().execute("BEGIN IMMEDIATE")
    assert connection.has_turn  # the first BEGIN's transaction is still open
    connection.close()
    assert not connection.has_turn and not connection.queue._held
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM probe")
        assert cursor.fetchone() == (0,)


def test_a_turn_not_reached_in_time_fails_as_sqlite_would_and_changes_nothing(database) -> None:
    first = database()
    refused: list[BaseException] = []

    def write() -> None:
        database(timeout=0.2)
        try:
            with transaction.atomic(using=ALIAS):
                connections[ALIAS].cursor().execute("INSERT INTO probe VALUES ('late', 2)")
        except OperationalError as error:
            refused.append(error)

    with _another_thread_holds_the_turn(database):
        writer, failures = _in_thread(write)
        writer.join()
    assert not failures
    assert [str(error) for error in refused] == ["database is locked"]
    with first.cursor() as cursor:
        cursor.execute("SELECT who FROM probe")
        assert cursor.fetchall() == [("holder",)]
    assert not first.queue._held and not first.queue._waiting


def test_many_writers_at_once_all_write_and_none_is_refused(database) -> None:
    """Eight threads each writing in 40 transactions of 5 ms, with a busy timeout of 0.5 s: in
    turn, the longest any waits is seven others' transactions (35 ms). With SQLite's own
    sleep-and-retry the writer that just committed begins again before the sleepers wake, and
    they wait out the timeout: "database is locked" (the storm benchmark, decision 0006)."""
    database()
    threads, failures = [], []
    for who in range(8):

        def write(who: int = who) -> None:
            connection = database(timeout=0.5)
            for n in range(40):
                with transaction.atomic(using=ALIAS):
                    connection.cursor().execute("INSERT INTO probe VALUES (%s, %s)", [who, n])
                    time.sleep(0.005)  # the rest of the view's work in the transaction

        thread, failed = _in_thread(write)
        threads.append(thread)
        failures.append(failed)
    for thread in threads:
        thread.join()
    assert not [failure for failed in failures for failure in failed]
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM probe")
        assert cursor.fetchone() == (8 * 40,)
