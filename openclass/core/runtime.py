"""The state a server process keeps between requests, in one object.

A few things live as long as the process and change while it runs: the classroom pages open
here and their presence batches, the clients of the Janus servers, the watch-progress hub's
buffered beats. Kept as scattered module globals they were hard to find and tests patched
private names to start afresh. Each now registers itself here under a name, once, at import:

    _open_pages = runtime.register("live.open_pages", OpenPages())

and the object keeps its own rules (locks, what a forked child forgets). ``runtime.reset()``
puts every registered object back to its starting state — between tests, and in a forked
child — by calling its ``reset()``; an object that cannot start afresh has no place here.
"""

from __future__ import annotations

import threading
from typing import Protocol, TypeVar


class Resettable(Protocol):
    def reset(self) -> None: ...


State = TypeVar("State", bound=Resettable)


class Runtime:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, Resettable] = {}

    def register(self, name: str, state: State) -> State:
        """Keep ``state`` under ``name`` and return it. A module imported twice under the same
        name (a reload in tests) replaces its earlier object."""
        with self._lock:
            self._states[name] = state
        return state

    def get(self, name: str) -> Resettable:
        return self._states[name]

    def names(self) -> list[str]:
        return sorted(self._states)

    def reset(self) -> None:
        """Every registered state back to how the process started."""
        with self._lock:
            states = list(self._states.values())
        for state in states:
            state.reset()


runtime = Runtime()
