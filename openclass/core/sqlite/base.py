"""SQLite whose writers queue in turn within a process (the embedded default's engine).

SQLite lets one connection write at a time. A connection that finds the database locked sleeps
and tries again, for longer and longer (up to 100 ms a try) until its busy timeout, while one
that arrives later tries after 1 ms: under a steady stream of writers the lock passes among the
newcomers and an early writer can wait out the whole timeout and fail with "database is
locked". That is what the storm benchmark found on the embedded default (decision 0006): request
threads asleep at ``BEGIN IMMEDIATE`` with the lock free, the server's core a fifth idle, and
quiz submissions answered with an error after 20 s.

Here the threads of one process take the write lock in the order they asked for it: a writing
statement outside a transaction, or the ``BEGIN`` of one, first waits its turn in the process's
queue for that database file, and hands the turn on when its statement, or its transaction,
ends. SQLite's own lock stays the authority between processes (the Huey consumer, commands).
Reads never queue. A turn not reached within the connection's ``timeout`` fails as SQLite would,
with "database is locked".
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from typing import Any

from django.db.backends.sqlite3 import base


class WriteQueue:
    """A lock handed to its waiters first come, first served (``threading.Lock`` lets whoever
    runs next take it, so a thread that writes in a loop can keep it from the others)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._guard:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=timeout):
            return True  # handed over by release()
        with self._guard:
            try:
                self._waiting.remove(turn)
            except ValueError:
                return True  # handed over as the wait ran out: it is ours
            return False

    def release(self) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().release()  # still held: it passes to the next in line
            else:
                self._held = False


_queues: dict[str, WriteQueue] = {}
_queues_guard = threading.Lock()


def write_queue(database: str) -> WriteQueue:
    """The queue of this process for the database file ``database``."""
    with _queues_guard:
        return _queues.setdefault(str(database), WriteQueue())


class QueuedCursor(base.SQLiteCursorWrapper):
    """Django's SQLite cursor, a writing statement of which waits for its connection's turn."""

    owner: DatabaseWrapper

    def execute(self, query: str, params: Any = None) -> Any:
        if query.startswith("SELECT"):
            return super().execute(query, params)
        with self.owner.turn():
            return super().execute(query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        with self.owner.turn():
            return super().executemany(query, param_list)


class _Turn:
    """``with connection.turn():`` around a statement: waits for the turn unless the connection
    has it, and gives it back once no transaction is open."""

    __slots__ = ("owner",)

    def __init__(self, owner: DatabaseWrapper) -> None:
        self.owner = owner

    def __enter__(self) -> None:
        owner = self.owner
        if owner.has_turn or owner.connection.in_transaction:
            return  # in a transaction that holds the turn, or one begun outside the queue
        if not owner.queue.acquire(owner.busy_timeout):
            raise sqlite3.OperationalError("database is locked")
        owner.has_turn = True

    def __exit__(self, *exc: object) -> None:
        self.owner.end_turn_unless_in_transaction()


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = WriteQueue()  # this database's, from the first connection on
        self.has_turn = False
        self.busy_timeout = 5.0

    def get_new_connection(self, conn_params: dict[str, Any]) -> sqlite3.Connection:
        self.queue = write_queue(conn_params["database"])
        self.busy_timeout = float(conn_params.get("timeout", 5.0))
        return super().get_new_connection(conn_params)

    def create_cursor(self, name: str | None = None) -> QueuedCursor:
        cursor = self.connection.cursor(factory=QueuedCursor)
        cursor.owner = self
        return cursor

    def turn(self) -> _Turn:
        return _Turn(self)

    def end_turn_unless_in_transaction(self) -> None:
        if self.has_turn and not (self.connection is not None and self.connection.in_transaction):
            self.has_turn = False
            self.queue.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn_unless_in_transaction()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn_unless_in_transaction()

    def close(self) -> None:
        try:
            super().close()
        finally:
            # Closed (and its transaction with it), unless Django kept an in-memory database.
            if self.has_turn and (self.connection is None or self.closed_in_transaction):
                self.has_turn = False
                self.queue.release()
