"""Watch-progress heartbeats: 1,000 students watching at once, one heartbeat a second each.

The installation holds the demo city topped up to 15,000 students. 1,000 of them, enrolled in a
course with a one-hour video lesson, each open the progress WebSocket with their own session
cookie, announce the lesson and then send one beat a second (the second just played) for the
sustained window, waiting for each answer; meanwhile demo students load the home page. Printed:
beats/s achieved, beat round-trip p50/p95/p99, home page p50/p95, CPU of the server and of this
load generator, and beside them the bare-Django figure (GET /healthz, a trivial view, as many
as it serves with 32 clients) and the plain-HTTP figure (the same beats POSTed one request each,
the sendBeacon endpoint). After the watchers disconnect, the database is compared with what
was sent: every acknowledged beat must be there ("no beat lost").
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import time
from collections import Counter
from pathlib import Path

from bench import Server, Site, demo_site, ms, percentile, running_server
from bench._http import Figures, RawHTTP, bare_django, csrf_token, print_line, timed
from bench._progress import Watcher, stored_as_sent, watch
from bench._setup import add_students, session_key, video_course

WATCHERS = 1000
HTTP_WATCHERS = 100  # other students, for the plain-HTTP comparison
STUDENTS = 15_000
WINDOW = 60.0  # seconds of sustained beating
CONNECT_RATE = 100.0  # new WebSocket connections a second while ramping up
HOME_USERS = 20
HOME_INTERVAL = 0.2  # one home page load every 0.2 s, spread over HOME_USERS
HEALTHZ_CLIENTS, HEALTHZ_SECONDS = 32, 10.0
HTTP_SECONDS = 10.0
LESSON_SECONDS = 3600.0
TARGET_RATE, TARGET_P95, TARGET_HOME_P95 = 1000.0, 0.050, 0.100


# --- Set-up, inside the installation's Django (``manage.py shell``) ---------------------------


def prepare(output: str, watchers: int, students: int, home_users: int) -> None:
    """Top the demo city up to ``students`` students (a school of its own), open a course with
    a one-hour video lesson to ``watchers`` of them (progress rows opened an hour ago), and
    write sessions for them and for ``home_users`` demo students to ``output`` (JSON)."""
    from openclass.accounts.models import User

    school = add_students(max(0, students - User.objects.filter(role=User.Role.STUDENT).count()))
    chosen = list(
        User.objects.filter(username__startswith="bench-").order_by("username")[
            : watchers + HTTP_WATCHERS
        ]
    )
    lesson = video_course(school, chosen, LESSON_SECONDS)
    home = list(User.objects.filter(username__startswith="hanbit-0").order_by("username"))
    home = [u for u in home if u.role == User.Role.STUDENT][:home_users]

    Path(output).write_text(
        json.dumps(
            {
                "course": lesson.section.course_id,
                "lesson": lesson.pk,
                "watchers": [[s.pk, session_key(s)] for s in chosen],
                "home": [session_key(u) for u in home],
                "students": User.objects.filter(role=User.Role.STUDENT).count(),
            }
        )
    )


# --- The load ---------------------------------------------------------------------------------


async def _home_pages(server: Server, sessions: list[str], until: float, out: list) -> None:
    """Demo students loading the home page, one load every HOME_INTERVAL overall."""
    clients = [RawHTTP(server, {"sessionid": key}) for key in sessions]
    try:
        index = 0
        next_at = time.perf_counter()
        while next_at < until:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            client = clients[index % len(clients)]
            index += 1
            out.append(asyncio.create_task(timed(client, "GET", "/")))
            next_at += HOME_INTERVAL
        await asyncio.gather(*out)
    finally:
        for client in clients:
            await client.close()


async def _websocket_phase(server: Server, setup: dict) -> tuple[Figures, list[Watcher], list]:
    lesson = setup["lesson"]
    watchers = [Watcher(pk, key) for pk, key in setup["watchers"][:WATCHERS]]
    ramp = WATCHERS / CONNECT_RATE
    now = time.perf_counter()
    begin = now + ramp + 2.0
    end = begin + WINDOW
    random.Random(7).shuffle(watchers)
    tasks = [
        asyncio.create_task(
            watch(
                server, lesson, w, now + i / CONNECT_RATE, begin + i / WATCHERS, end + i / WATCHERS
            )
        )
        for i, w in enumerate(watchers)
    ]
    home: list = []
    await asyncio.sleep(max(0.0, begin - time.perf_counter()))
    cpu_before, client_before = server.cpu_seconds(), time.process_time()
    home_task = asyncio.create_task(_home_pages(server, setup["home"], end, home))
    await asyncio.gather(*tasks)
    figures = Figures()
    figures.elapsed = time.perf_counter() - begin
    figures.server_cpu = server.cpu_seconds() - cpu_before
    figures.client_cpu = time.process_time() - client_before
    await home_task
    in_window = sum(len(w.latencies) for w in watchers)
    figures.rate = in_window / WINDOW
    figures.latencies = [x for w in watchers for x in w.latencies]
    figures.errors = Counter(w.error for w in watchers if w.error)
    return figures, watchers, [t.result() for t in home]


async def _http_beats(server: Server, setup: dict) -> Figures:
    """The same beats as plain HTTP: one POST each to the sendBeacon endpoint (a write each),
    from 100 students in a closed loop."""
    figures = Figures()
    end = time.perf_counter() + HTTP_SECONDS
    url = f"/courses/{setup['course']}/lessons/{setup['lesson']}/progress/"

    async def student(key: str) -> None:
        token = csrf_token()
        client = RawHTTP(server, {"sessionid": key, "csrftoken": token})
        seq = 0
        try:
            while time.perf_counter() < end:
                seq += 1
                beat = {
                    "seq": seq,
                    "intervals": [[(seq - 1) * 0.01, seq * 0.01]],
                    "position": seq * 0.01,
                    "speed": 1.0,
                }
                form = {"csrfmiddlewaretoken": token, "beat": json.dumps(beat)}
                took, status = await timed(client, "POST", url, form)
                if status == 200:
                    figures.latencies.append(took)
                else:
                    figures.errors[f"HTTP {status}"] += 1
        finally:
            await client.close()

    cpu, client_cpu = server.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    keys = [key for _pk, key in setup["watchers"][WATCHERS : WATCHERS + HTTP_WATCHERS]]
    await asyncio.gather(*(student(key) for key in keys))
    figures.elapsed = time.perf_counter() - started
    figures.server_cpu = server.cpu_seconds() - cpu
    figures.client_cpu = time.process_time() - client_cpu
    figures.rate = len(figures.latencies) / figures.elapsed
    return figures


def _verify(database: Path, lesson: int, watchers: list[Watcher]) -> tuple[int, int, int]:
    """(watchers whose stored progress matches every acknowledged beat, mismatches, refusals
    logged). The server writes on disconnect; give it a few seconds."""
    deadline = time.monotonic() + 15
    while True:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
            rows = connection.execute(
                "SELECT student_id, last_seq, watched, intervals FROM courses_lessonprogress "
                "WHERE lesson_id = ?",
                (lesson,),
            ).fetchall()
            refusals = connection.execute(
                "SELECT COUNT(*) FROM courses_rejectedheartbeat WHERE lesson_id = ?", (lesson,)
            ).fetchone()[0]
        stored = {student: (seq, watched, json.loads(iv)) for student, seq, watched, iv in rows}
        good = stored_as_sent(watchers, stored)
        if good == len(watchers) or time.monotonic() > deadline:
            return good, len(watchers) - good, refusals
        time.sleep(0.5)


async def _run(server: Server, site: Site, setup: dict) -> None:
    healthz = await bare_django(server)
    http = await _http_beats(server, setup)
    print("\n  calibration (same server, same run):")
    print_line("bare Django /healthz", healthz, "req")
    print_line("HTTP beats (POST)", http, "beats")
    print(
        f"\n  {WATCHERS:,} watchers on the WebSocket, one beat a second each, {WINDOW:.0f} s "
        f"after a {WATCHERS / CONNECT_RATE:.0f} s ramp; {setup['students']:,} students in the "
        "database",
        flush=True,
    )
    figures, watchers, home = await _websocket_phase(server, setup)
    print_line("WebSocket beats", figures, "beats")
    home_ok = [took for took, status in home if status == 200]
    home_errors = Counter(status for _took, status in home if status != 200)
    print(
        f"    {'home page (GET /)':<22} {len(home) / WINDOW:,.1f} req/s   "
        f"p50 {ms(percentile(home_ok, 50))}  p95 {ms(percentile(home_ok, 95))}"
        + (f"   errors {dict(home_errors)}" if home_errors else "")
    )
    print(
        f"    load generator CPU     {figures.client_cpu / figures.elapsed:.2f} cores; "
        f"watchers with errors: {sum(1 for w in watchers if w.error)}"
        + (f" {dict(figures.errors)}" if figures.errors else "")
    )
    good, bad, refusals = _verify(site.database, setup["lesson"], watchers)
    sent = sum(w.sent for w in watchers)
    acked = sum(w.acked for w in watchers)
    print(
        f"    database check         {acked:,} beats acknowledged of {sent:,} sent; {good:,} "
        f"watchers' progress exactly as sent, {bad:,} not; {refusals} refused beats logged"
    )
    p95 = percentile(figures.latencies, 95)
    home_p95 = percentile(home_ok, 95)
    passed = (
        figures.rate >= TARGET_RATE * 0.98
        and p95 < TARGET_P95
        and bad == 0
        and not figures.errors
        and home_p95 < TARGET_HOME_P95
    )
    print(
        f"    target                 ≥ {TARGET_RATE:,.0f} beats/s, p95 < {TARGET_P95 * 1000:.0f} "
        f"ms, no beat lost, home p95 < {TARGET_HOME_P95 * 1000:.0f} ms: "
        f"{'PASS' if passed else 'MISS'}"
    )


def main() -> None:
    print("heartbeats: 1,000 students watching a lesson, one progress beat a second each")
    started = time.monotonic()
    with demo_site("full") as site:
        output = site.var_dir / "bench-heartbeats.json"
        site.manage(
            "shell",
            "-c",
            "from bench.heartbeats import prepare; "
            f"prepare({str(output)!r}, {WATCHERS}, {STUDENTS}, {HOME_USERS})",
        )
        setup = json.loads(output.read_text())
        with running_server(site) as server:
            print(
                f"  server: uvicorn, 1 worker, SQLite in WAL mode, in-memory channel layer, "
                f"{os.cpu_count()} CPUs shared with this load generator; set-up took "
                f"{time.monotonic() - started:.0f} s",
                flush=True,
            )
            asyncio.run(_run(server, site, setup))
