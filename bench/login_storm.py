"""The 9 o'clock login storm: a whole city's students signing in at the start of the day.

1,000 distinct demo students arrive evenly over 60 s (≈16.7 logins/s), then 200 further students
all start within 5 s. Each one is its own browser: it opens the login page (CSRF cookie and token),
posts its user name and password, must be sent to "/" and must see its own name there. Figures
only: logins/s, latency percentiles of the login POST and of the whole flow, errors by kind,
against the target of p95 < 1 s with no error.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import re
import sqlite3
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from bench import Server, demo_site, ms, percentile, running_server
from bench._setup import DEMO_PASSWORD

STEADY_USERS, STEADY_WINDOW = 1000, 60.0
BURST_USERS, BURST_WINDOW = 200, 5.0
TARGET_P95 = 1.0  # seconds, for the login POST
REQUEST_TIMEOUT = 30.0
CALIBRATION_REQUESTS = 200
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Outcome:
    start: float
    end: float = math.nan
    post: float = math.nan
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def flow(self) -> float:
        return self.end - self.start


@dataclass
class Phase:
    name: str
    users: int
    window: float
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0
    server_cpu: float = math.nan
    client_cpu: float = math.nan


def _students(database: str) -> list[tuple[str, str]]:
    """(user name, name) of every demo student, in a fixed shuffled order."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT username, name FROM accounts_user WHERE role = 'student' ORDER BY username"
        ).fetchall()
    random.Random(9).shuffle(rows)
    return rows


# One TLS context for every client: httpx builds a new one (~20 ms of the load generator's CPU)
# for each client otherwise, though the traffic is plain HTTP on loopback.
_TLS = ssl.create_default_context()


def _client(server: Server) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.base_url, verify=_TLS, timeout=REQUEST_TIMEOUT, follow_redirects=False
    )


async def _sign_in(server: Server, username: str, name: str, start_at: float) -> Outcome:
    """One student's browser: login page, login POST, home page with their name."""
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    outcome = Outcome(start=time.perf_counter())
    try:
        async with _client(server) as client:
            page = await client.get("/accounts/login/")
            if page.status_code != 200:
                outcome.error = f"login page HTTP {page.status_code}"
                return outcome
            token = CSRF_FIELD.search(page.text)
            if token is None:
                outcome.error = "no CSRF token on the login page"
                return outcome
            posted = time.perf_counter()
            response = await client.post(
                "/accounts/login/",
                data={
                    "csrfmiddlewaretoken": token.group(1),
                    "username": username,
                    "password": DEMO_PASSWORD,
                    "remember": "on",
                    "next": "",
                },
            )
            outcome.post = time.perf_counter() - posted
            if response.status_code != 302:
                outcome.error = f"login POST HTTP {response.status_code}"
                return outcome
            if response.headers.get("location") != "/":
                outcome.error = "login redirected elsewhere than /"
                return outcome
            home = await client.get("/")
            if home.status_code != 200:
                outcome.error = f"home HTTP {home.status_code}"
            elif name not in home.text:
                outcome.error = "home page without the student's name"
    except httpx.TimeoutException:
        outcome.error = "timeout"
    except httpx.HTTPError as exc:
        outcome.error = type(exc).__name__
    finally:
        outcome.end = time.perf_counter()
    return outcome


async def _run_phase(server: Server, phase: Phase, students: list[tuple[str, str]]) -> None:
    """Arrivals spread evenly over the window; the phase is cut off a minute after it."""
    cpu_before, client_before = server.cpu_seconds(), time.process_time()
    began = time.perf_counter() + 0.2
    interval = phase.window / phase.users
    tasks = [
        asyncio.create_task(_sign_in(server, username, name, began + i * interval))
        for i, (username, name) in enumerate(students)
    ]
    done, pending = await asyncio.wait(tasks, timeout=phase.window + 2 * REQUEST_TIMEOUT)
    for task in pending:
        task.cancel()
    phase.outcomes = [task.result() for task in done]
    phase.outcomes += [Outcome(start=began, end=math.nan, error="unfinished") for _ in pending]
    finished = [o.end for o in phase.outcomes if not math.isnan(o.end)]
    phase.elapsed = (max(finished) if finished else time.perf_counter()) - began
    phase.server_cpu = server.cpu_seconds() - cpu_before
    phase.client_cpu = time.process_time() - client_before


async def _calibrate(server: Server) -> float:
    """p50 of GET /healthz at rest: what one trivial round trip costs on this machine now."""
    timings = []
    async with _client(server) as client:
        for _ in range(CALIBRATION_REQUESTS):
            started = time.perf_counter()
            response = await client.get("/healthz")
            timings.append(time.perf_counter() - started)
            response.raise_for_status()
    return percentile(timings, 50)


def _report(phase: Phase) -> None:
    ok = [o for o in phase.outcomes if o.ok]
    posts = [o.post for o in ok]
    flows = [o.flow for o in ok]
    errors = Counter(o.error for o in phase.outcomes if not o.ok)
    p95 = percentile(posts, 95)
    passed = not errors and len(ok) == phase.users and p95 < TARGET_P95
    rate = len(ok) / phase.elapsed if phase.elapsed > 0 else math.nan
    print(f"\n  {phase.name}: {phase.users:,} distinct students within {phase.window:.0f} s")
    print(
        f"    logins/s      {rate:.1f} achieved ({phase.users / phase.window:.1f} offered), "
        f"{len(ok):,} of {phase.users:,} signed in, last one done after {phase.elapsed:.1f} s"
    )
    print(
        f"    login POST    p50 {ms(percentile(posts, 50))}  p95 {ms(p95)}  "
        f"p99 {ms(percentile(posts, 99))}"
    )
    print(
        f"    whole flow    p50 {ms(percentile(flows, 50))}  p95 {ms(percentile(flows, 95))}  "
        f"p99 {ms(percentile(flows, 99))}   (login page + POST + home page)"
    )
    if phase.elapsed > 0 and not math.isnan(phase.server_cpu):
        print(
            f"    CPU           server {phase.server_cpu / phase.elapsed:.2f} cores "
            f"({phase.server_cpu / phase.users * 1000:.0f} ms a student), "
            f"load generator {phase.client_cpu / phase.elapsed:.2f} cores"
        )
    kinds = ", ".join(f"{kind}: {count}" for kind, count in errors.most_common()) or "none"
    print(f"    errors        {kinds}")
    verdict = "PASS" if passed else "MISS"
    print(f"    target        login POST p95 < {TARGET_P95:.0f} s and 0 errors: {verdict}")


async def _storm(server: Server, students: list[tuple[str, str]]) -> list[Phase]:
    calibration = await _calibrate(server)
    print(
        f"  calibration: GET /healthz at rest p50 {calibration * 1000:.1f} ms "
        f"({CALIBRATION_REQUESTS} sequential requests)",
        flush=True,
    )
    steady = Phase("steady", STEADY_USERS, STEADY_WINDOW)
    burst = Phase("burst", BURST_USERS, BURST_WINDOW)
    await _run_phase(server, steady, students[:STEADY_USERS])
    _report(steady)
    await _run_phase(server, burst, students[STEADY_USERS : STEADY_USERS + BURST_USERS])
    _report(burst)
    return [steady, burst]


def main() -> None:
    print("login storm: the demo city's students signing in at 9 o'clock", flush=True)
    started = time.monotonic()
    with demo_site("full") as site:
        students = _students(str(site.database))
        needed = STEADY_USERS + BURST_USERS
        if len(students) < needed:
            raise RuntimeError(f"the demo city has {len(students)} students, {needed} needed")
        with running_server(site) as server:
            print(
                f"  server: uvicorn, 1 worker, SQLite in WAL mode, {os.cpu_count()} CPUs shared "
                f"with this load generator; load average {os.getloadavg()[0]:.2f} before the "
                f"run; set-up took {time.monotonic() - started:.1f} s",
                flush=True,
            )
            phases = asyncio.run(_storm(server, students))
            if any(not o.ok for phase in phases for o in phase.outcomes):
                print(f"\n  last lines of the server's log:\n{server.log_tail()}")
