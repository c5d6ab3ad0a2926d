"""The storm: the whole 9 o'clock path at once, the other benchmarks' loads together.

1,000 students of one school each sign in (login page, login POST), load their home page, open
today's live class page (GET /live/sessions/<id>/), connect its socket (/ws/live/<room>/, up to
the welcome) and get a media ticket on it, arriving evenly over 60 s; 40 teachers opened the
rooms (25 students each) and sit in them. Meanwhile 1,000 other students of the school watch a
video, one progress beat a second each over the progress socket (bench/heartbeats), and 200
hand in a 20-question quiz started before (bench/quiz_submit), at random moments of the minute.

Printed: the bare-Django calibration, per step p50/p95/p99 and errors, the whole path, the beats
and the submissions, the CPU of every process (server, load generator, Janus, and on the scaled
profile Redis, PostgreSQL, nginx and Huey), then "nothing lost" counted in the database: every
submission answered with a success is stored and graded as sent, every acknowledged beat is
credited after the watchers' pages closed (the server's last write). Targets: whole path p95 <
1.5 s, home p95 < 100 ms, 0 errors, nothing lost.

Profiles (``OPENCLASS_BENCH_PROFILE``, one or both separated by a comma): ``embedded`` (the
default: one uvicorn worker, SQLite, in-memory channel layer, one local Janus) or ``scaled`` (a
throw-away PostgreSQL through scripts/with_postgres.sh, then the stack the scaled test pass runs,
openclass/web/tests/scaled.py: production mode over HTTPS through Debian's nginx with
deploy/nginx.conf, two uvicorn workers, Redis, Huey and two Janus servers). Without nginx the
scaled profile runs uvicorn (two workers, Redis) and two Janus of its own, the clients talking to
them directly, and the output says so.

The load generator is this one process on asyncio, on the same 2 cores as the server: its own
CPU is printed beside the server's. HTTP goes through the minimal keep-alive client of
bench/_http.py (httpx would cost it about a millisecond of CPU a request).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import (
    ROOT,
    Meter,
    Server,
    Usage,
    _process_tree,
    demo_site,
    ms,
    percentile,
    running_server,
)
from bench._http import (
    Figures,
    RawHTTP,
    bare_django,
    csrf_token,
    print_line,
    print_percentiles,
    verdict,
)
from bench._live import TIMEOUT, JanusPool, Room, Seat, attend, open_rooms, paced, ticket
from bench._progress import Watcher, stored_as_sent, watch
from bench._quiz import Student, answer, check, start, submit
from bench._setup import (
    DEMO_PASSWORD,
    add_students,
    add_teachers,
    live_courses,
    quiz_course,
    session_key,
    video_course,
)
from openclass.core.redis_process import is_installed as redis_installed
from openclass.core.redis_process import throwaway_redis
from openclass.live.process import is_installed as janus_installed

STUDENTS, CLASS_SIZE = 1000, 25  # on the 9 o'clock path, in live classes of 25 and a teacher
WATCHERS, QUIZZERS, QUESTIONS = 1000, 200, 20
WINDOW = 60.0  # the arrivals, the submissions and the beats
RAMP = 10.0  # before it: the watchers connect and the quiz takers start their attempts
TAIL = 20.0  # the watchers go on beating this long after the window
LESSON_SECONDS = 3600.0
HEALTHZ_SECONDS = 5.0
NGINX_CONNECTIONS = 16384  # the scaled profile's nginx (see _behind_nginx)
TARGET_PATH_P95, TARGET_HOME_P95 = 1.5, 0.100
PROFILES = ("embedded", "scaled")
STEPS = ("login page", "login POST", "home", "live class page", "socket → welcome", "ticket")


# --- Set-up, inside the installation's Django (``manage.py shell``) ---------------------------


def prepare(output: str, students: int, watchers: int, quizzers: int, class_size: int) -> None:
    """A school of ``students`` + ``watchers`` + ``quizzers`` students: the first in live
    classes of ``class_size`` with a teacher each (a live session today, its room made), the
    next enrolled in a one-hour video lesson, the last in a 20-question quiz. Writes to
    ``output`` (JSON) the rooms with their teacher's session and their students' user names,
    and the sessions of the watchers and quiz takers (already signed in)."""
    from django.contrib.auth.hashers import make_password

    from openclass.accounts.models import User

    school = add_students(students + watchers + quizzers, code="storm")
    pupils = list(
        User.objects.filter(username__startswith="storm-", role=User.Role.STUDENT).order_by(
            "username"
        )
    )
    walkers, lookers = pupils[:students], pupils[students : students + watchers]
    # They sign in with the demo password (one Argon2 hash, shared), whatever city is there.
    User.objects.filter(pk__in=[s.pk for s in walkers]).update(
        password=make_password(DEMO_PASSWORD)
    )
    takers = pupils[students + watchers :]
    classes = [walkers[n : n + class_size] for n in range(0, len(walkers), class_size)]
    teachers = add_teachers(school, len(classes), code="storm")
    titles = [f"{number}반 실시간 수업" for number in range(1, len(classes) + 1)]
    rooms = live_courses(school, teachers, classes, titles)
    # Their teachers own them: the scaled profile's city has no office administrator.
    lesson = video_course(school, lookers, LESSON_SECONDS, owner=teachers[0])
    quiz = quiz_course(school, takers, QUESTIONS, owner=teachers[-1])
    quiz["students"] = [[s.pk, session_key(s)] for s in takers]
    setup = {
        "rooms": [
            {
                "room": room["room"],
                "session": room["session"],
                "host": [room["host"].pk, session_key(room["host"])],
                "members": [[s.pk, s.username, s.name] for s in room["members"]],
            }
            for room in rooms
        ],
        "lesson": lesson.pk,
        "watchers": [[s.pk, session_key(s)] for s in lookers],
        "quiz": quiz,
    }
    Path(output).write_text(json.dumps(setup))


def stored(output: str, lesson: int, quiz: int) -> None:
    """What the database holds of the watchers' progress and the quiz attempts, to ``output``
    (JSON): read through Django, so the same on SQLite and PostgreSQL."""
    from openclass.assessments.models import Answer, Attempt
    from openclass.courses.models import LessonProgress

    rows = LessonProgress.objects.filter(lesson_id=lesson)
    attempts = Attempt.objects.filter(quiz_id=quiz)
    answers = Counter(
        Answer.objects.filter(attempt__quiz_id=quiz).values_list("attempt_id", flat=True)
    )
    Path(output).write_text(
        json.dumps(
            {
                "progress": {
                    r.student_id: [r.last_seq, r.watched, r.intervals] for r in rows.iterator()
                },
                "attempts": {
                    a.student_id: [a.pk, a.state, None if a.score is None else float(a.score)]
                    for a in attempts
                },
                "answers": answers,
            }
        )
    )


# --- The path ---------------------------------------------------------------------------------


@dataclass
class Walker:
    """One student on the 9 o'clock path: their browser and what each step took."""

    seat: Seat
    username: str
    name: str
    session_id: int  # of the live session
    room_pk: int
    took: dict[str, float] = field(default_factory=dict)
    whole: float = math.nan
    failed: str = ""  # the step that failed
    error: str = ""  # how


class Failed(Exception):
    """A step of the path failed: (step, how)."""


async def _request(
    client: RawHTTP, walker: Walker, step: str, method: str, path: str, form: dict | None = None
) -> tuple[int, bytes]:
    started = time.perf_counter()
    try:
        status, body = await asyncio.wait_for(client.request(method, path, form), TIMEOUT)
    except TimeoutError as exc:
        raise Failed(step, "timeout") from exc
    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
        raise Failed(step, "connection error") from exc
    walker.took[step] = time.perf_counter() - started
    return status, body


async def _walk(server: Server, walker: Walker, pages: list[asyncio.Task]) -> None:
    """Login page, login POST, home, the live class page, its socket and a ticket; the socket
    stays open (its task in ``pages``) until the end of the run."""
    began = time.perf_counter()
    client = RawHTTP(server)
    try:
        status, _body = await _request(client, walker, "login page", "GET", "/accounts/login/")
        if status != 200:
            raise Failed("login page", f"HTTP {status}")
        token = client.cookies.setdefault(server.csrf_cookie, csrf_token())
        form = {
            "csrfmiddlewaretoken": token,
            "username": walker.username,
            "password": DEMO_PASSWORD,
            "remember": "on",
            "next": "",
        }
        status, _body = await _request(
            client, walker, "login POST", "POST", "/accounts/login/", form
        )
        signed_in = client.cookies.get(server.session_cookie)
        if status != 302 or client.location != "/" or not signed_in:
            raise Failed("login POST", f"HTTP {status} to {client.location!r}")
        status, body = await _request(client, walker, "home", "GET", "/")
        if status != 200 or walker.name.encode() not in body:
            raise Failed("home", f"HTTP {status}" if status != 200 else "without their name")
        page = f"/live/sessions/{walker.session_id}/"
        page_step = "live class page"
        status, body = await _request(client, walker, page_step, "GET", page)
        if status != 200 or b'id="classroom-config"' not in body:
            raise Failed(page_step, f"HTTP {status}" if status != 200 else "no classroom on it")
        seat = walker.seat
        seat.session = client.cookies[server.session_cookie]
        entered = asyncio.Event()
        room = Room(walker.room_pk, walker.session_id, [])
        pages.append(asyncio.create_task(attend(server, room, seat, entered)))
        await entered.wait()
        if seat.socket is None:
            raise Failed("socket → welcome", seat.error or "closed")
        walker.took["socket → welcome"] = seat.welcome_at - seat.connect_at
        took = await ticket(seat)
        if math.isnan(took):
            raise Failed("ticket", seat.ticket_error)
        walker.took["ticket"] = took
        walker.whole = time.perf_counter() - began
    except Failed as failure:
        walker.failed, walker.error = failure.args
    finally:
        await client.close()


# --- The run ----------------------------------------------------------------------------------


@dataclass
class Load:
    walkers: list[Walker]
    watchers: list[Watcher]
    takers: list[Student]
    starts: Figures = field(default_factory=Figures)
    attempt_pages: Figures = field(default_factory=Figures)
    submits: Figures = field(default_factory=Figures)
    pages: list[asyncio.Task] = field(default_factory=list)
    shed: int = 0
    most_waiting: int = 0


def _load(setup: dict) -> tuple[list[Seat], Load]:
    hosts, walkers = [], []
    for index, room in enumerate(setup["rooms"]):
        hosts.append(Seat(index, *room["host"], host=True))
        for pk, username, name in room["members"]:
            seat = Seat(index, pk, "", host=False)
            walkers.append(Walker(seat, username, name, room["session"], room["room"]))
    random.Random(23).shuffle(walkers)
    watchers = [Watcher(pk, key) for pk, key in setup["watchers"]]
    takers = [Student(pk, key) for pk, key in setup["quiz"]["students"]]
    rng = random.Random(11)
    for taker in takers:
        answer(taker, setup["quiz"]["key"], rng)
    return hosts, Load(walkers, watchers, takers)


class LoopLag:
    """How late this load generator's event loop wakes from a 50 ms sleep, sampled all along:
    when it is behind (its CPU, TLS on the scaled profile, the machine's other work), every
    figure it takes is late by as much, and so is every beat and request it sends."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []  # (when, how late)

    async def run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.05)
            now = time.perf_counter()
            self.samples.append((now, now - before - 0.05))

    def between(self, start: float, end: float) -> list[float]:
        return [late for at, late in self.samples if start <= at <= end]


async def _storm(server: Server, setup: dict, meter: Meter) -> dict:
    """Every load of the run, in this one event loop; returns the CPU used per stretch."""
    hosts, load = _load(setup)
    healthz = await bare_django(server, seconds=HEALTHZ_SECONDS)
    print("\n  calibration (same server, same run):")
    print_line("bare Django /healthz", healthz, "req")

    rooms = [Room(r["room"], r["session"], [s]) for r, s in zip(setup["rooms"], hosts, strict=True)]
    opening = await open_rooms(server, rooms, meter, rate=20.0)
    for room in rooms:
        entered = asyncio.Event()
        load.pages.append(asyncio.create_task(attend(server, room, room.host, entered)))
        await entered.wait()
    teachers_in = sum(1 for seat in hosts if seat.socket is not None)

    now = time.perf_counter()
    begin = now + RAMP
    end = begin + WINDOW + TAIL
    watching = [
        asyncio.create_task(
            watch(
                server,
                setup["lesson"],
                w,
                now + i * RAMP / len(load.watchers),
                begin + i / len(load.watchers),
                end + i / len(load.watchers),
            )
        )
        for i, w in enumerate(load.watchers)
    ]

    async def start_at(index: int, taker: Student) -> None:
        await asyncio.sleep(max(0.0, now + index * RAMP / len(load.takers) - time.perf_counter()))
        await start(server, taker, setup["quiz"]["lesson"], load.starts, load.attempt_pages)

    lag = LoopLag()
    lagging = asyncio.create_task(lag.run())
    meter.start()
    await asyncio.gather(*(start_at(i, t) for i, t in enumerate(load.takers)))
    await asyncio.sleep(max(0.0, begin - time.perf_counter()))
    ramp = meter.stop()

    rng = random.Random(29)
    moments = sorted(rng.uniform(0, WINDOW) for _ in load.takers)
    ready = [t for t in load.takers if t.attempt]
    rng.shuffle(ready)

    async def submit_at(moment: float, taker: Student) -> None:
        await asyncio.sleep(max(0.0, begin + moment - time.perf_counter()))
        await submit(server, taker, load.submits)

    async def walk(walker: Walker) -> None:
        await _walk(server, walker, load.pages)

    meter.start()
    submitting = asyncio.gather(*(submit_at(m, t) for m, t in zip(moments, ready, strict=False)))
    arrivals = await paced(load.walkers, len(load.walkers) / WINDOW, walk)
    await submitting
    storm = meter.stop()
    storm_lag = lag.between(begin, time.perf_counter())
    load.shed, load.most_waiting = arrivals.shed, arrivals.most_waiting
    for walker, result in zip(load.walkers, arrivals.results, strict=True):
        if result is None and not walker.took:
            walker.failed, walker.error = "shed", "too many earlier arrivals unanswered"
    meter.start()
    await asyncio.gather(*watching)
    tail = meter.stop()
    lagging.cancel()
    # The class is over: every page closes (the watchers' pages closed as their beats ended).
    sockets = [s.socket for s in [*hosts, *(w.seat for w in load.walkers)] if s.socket]
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    await asyncio.gather(*load.pages, return_exceptions=True)
    return {
        "healthz": healthz,
        "opening": opening,
        "teachers_in": teachers_in,
        "load": load,
        "usage": {"ramp": ramp, "storm": storm, "tail": tail},
        "lag": {"ramp": lag.between(now, begin), "storm": storm_lag},
    }


def _report(result: dict, check_stored) -> bool:
    load: Load = result["load"]
    opening = result["opening"]
    rooms = len(opening["start"])
    print(
        f"\n  {rooms} teachers open their rooms (POST start) and sit in them: "
        f"{result['teachers_in']} of {rooms} connected"
        + (f"   errors {dict(opening['errors'])}" if opening["errors"] else "")
    )
    ramp: Usage = result["usage"]["ramp"]
    print(
        f"\n  ramp, {RAMP:.0f} s: {len(load.watchers):,} watchers connect, "
        f"{len(load.takers)} quiz takers start their attempt and load it   {ramp}"
    )
    for name, figures in (("quiz start (POST)", load.starts), ("attempt page", load.attempt_pages)):
        errors = f"   errors {dict(figures.errors)}" if figures.errors else ""
        print_percentiles(name, figures.latencies, f"{len(figures.latencies)} done{errors}")

    storm: Usage = result["usage"]["storm"]
    walkers = load.walkers
    print(
        f"\n  the storm, {WINDOW:.0f} s: {len(walkers):,} students walk the 9 o'clock path "
        f"({len(walkers) / WINDOW:.1f} arrivals/s), {len(load.takers)} hand in the quiz, "
        f"{len(load.watchers):,} watch   ({storm.elapsed:.0f} s until the last arrival was done)"
    )
    for step in STEPS:
        times = [w.took[step] for w in walkers if step in w.took]
        failed = sum(1 for w in walkers if w.failed == step)
        print_percentiles(step, times, f"errors {failed}" if failed else "")
    whole = [w.whole for w in walkers if not math.isnan(w.whole)]
    print_percentiles("whole path", whole, f"{len(whole):,} of {len(walkers):,} completed")
    submits = load.submits
    print_percentiles(
        "quiz submit (POST, 20 answers)",
        submits.latencies,
        f"{len(submits.latencies)} of {len(load.takers)} answered with a success"
        + (f"   errors {dict(submits.errors)}" if submits.errors else ""),
    )
    beats = [x for w in load.watchers for x in w.latencies]
    beating = [w for w in load.watchers if w.acked]
    print_percentiles(
        "progress beat (round trip)",
        beats,
        f"{len(beats) / (WINDOW + TAIL):,.0f} beats/s acknowledged, {len(beating):,} watchers",
    )
    print(f"    {'CPU, the storm':<30} {storm}")
    print_percentiles(
        "load generator's loop, late",
        result["lag"]["storm"],
        f"max {ms(max(result['lag']['storm'], default=math.nan))} (ramp p95 "
        f"{ms(percentile(result['lag']['ramp'], 95))}): what its own figures may be late by",
    )
    tail: Usage = result["usage"]["tail"]
    print(f"    {'CPU, the watchers’ tail':<30} {tail}   ({tail.elapsed:.1f} s)")
    errors = Counter(f"{w.failed}: {w.error[:60]}" for w in walkers if w.failed)
    errors.update(f"watcher: {w.error}" for w in load.watchers if w.error)
    errors.update(f"quiz submit: {kind}" for kind, n in submits.errors.items() for _ in range(n))
    errors.update(f"quiz start: {kind}" for kind, n in load.starts.errors.items() for _ in range(n))
    errors.update(f"room opened: {kind}" for kind, n in opening["errors"].items() for _ in range(n))
    errors["teacher not in the room"] += rooms - result["teachers_in"]
    errors = +errors  # the kinds that happened
    print(
        f"    {'errors':<30} "
        + (", ".join(f"{kind} × {n}" for kind, n in errors.most_common()) or "none")
        + (f"   ({load.shed} arrivals shed)" if load.shed else "")
    )

    quiz_outcome, progress_good = check_stored(load)
    answered = [t for t in load.takers if t.submitted]
    quiz_good = quiz_outcome["graded and stored as sent"]
    acked = sum(w.acked for w in load.watchers)
    told_saved = sum(min(w.saved, w.acked) for w in load.watchers)
    print(
        f"\n  nothing lost (counted in the database after the last page closed):\n"
        f"    quiz: {quiz_good} of {len(answered)} submissions answered with a success are "
        f"stored and graded as sent"
        + (
            f"; {dict(quiz_outcome - Counter({'graded and stored as sent': quiz_good}))}"
            if quiz_good != len(answered)
            else ""
        )
        + f"\n    progress: {acked:,} beats acknowledged ({told_saved:,} of them confirmed stored "
        f"while the pages were open); {progress_good:,} of {len(load.watchers):,} watchers' "
        f"stored progress holds exactly every beat they had acknowledged"
    )
    lost = (len(answered) - quiz_good) + (len(load.watchers) - progress_good)
    path_p95 = percentile(whole, 95)
    home_p95 = percentile([w.took["home"] for w in walkers if "home" in w.took], 95)
    passed = {
        f"whole path p95 < {TARGET_PATH_P95:.1f} s ({ms(path_p95)})": path_p95 < TARGET_PATH_P95,
        f"home p95 < {TARGET_HOME_P95 * 1000:.0f} ms ({ms(home_p95)})": home_p95 < TARGET_HOME_P95,
        f"0 errors ({errors.total()})": not errors,
        f"nothing lost ({lost} missing)": lost == 0,
    }
    print("\n  targets:")
    for text, ok in passed.items():
        print(f"    {text:<40} {verdict(ok)}")
    return all(passed.values())


# --- The profiles -----------------------------------------------------------------------------


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL cluster of its own through scripts/with_postgres.sh (which makes it, runs a
    command and removes it): the command here prints the database URL and waits for its input
    to close. Yields the URL."""
    script = 'echo "$OPENCLASS_DATABASE_URL"; read -r _'  # the cluster lives until stdin closes
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "with_postgres.sh"), "sh", "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        url = ""
        while process.stdout and (text := process.stdout.readline()):
            if text.startswith("postgres://"):
                url = text.strip()
                break
        if not url:
            raise RuntimeError("scripts/with_postgres.sh gave no database")
        yield url
    finally:
        if process.stdin:
            process.stdin.close()
        process.wait(timeout=60)


def _postmaster(url: str) -> list[int]:
    """The pid of the PostgreSQL server listening on the port of ``url`` (its backends are its
    children), from /proc."""
    port = url.rsplit(":", 1)[1].split("/", 1)[0]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        flag = argv.index(b"-p") if b"-p" in argv[:-1] else -1
        if argv[0].endswith(b"/postgres") and flag > 0 and argv[flag + 1] == port.encode():
            return [int(proc.name)]
    return []


def _workers(server: Server) -> dict[str, list[int]]:
    """uvicorn's worker processes (started by multiprocessing; not its resource tracker)."""
    workers = []
    for pid in _process_tree(server.process.pid)[1:]:
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                workers.append(pid)
    return {f"worker {number}": [pid] for number, pid in enumerate(workers, start=1)}


def _profiles() -> list[str]:
    """``OPENCLASS_BENCH_PROFILE``: a profile, or several separated by commas, run in turn."""
    chosen = os.environ.get("OPENCLASS_BENCH_PROFILE", "embedded").split(",")
    unknown = [name for name in chosen if name.strip() not in PROFILES]
    if unknown:
        raise SystemExit(f"OPENCLASS_BENCH_PROFILE: {unknown} unknown; {', '.join(PROFILES)}")
    return [name.strip() for name in chosen]


@dataclass
class Installation:
    """What a storm runs against: the server, how to run a management command in its Django,
    a folder for files, the other processes whose CPU counts, and a line saying what it is."""

    server: Server
    manage: Callable[..., str]
    folder: Path
    others: dict[str, list[int]]
    description: str


def _started(stack: contextlib.ExitStack, profile: str, database: str) -> Installation:
    """The embedded default, or the scaled profile without nginx: uvicorn on 127.0.0.1 with the
    local Janus pool (and Redis, PostgreSQL) the benchmark starts itself."""
    scaled = profile == "scaled"
    site = stack.enter_context(demo_site("small", database_url=database))
    others: dict[str, list[int]] = {}
    redis = None
    if scaled:
        redis = stack.enter_context(throwaway_redis(site.var_dir / "redis"))
        site.env["OPENCLASS_REDIS_URL"] = redis.url
        others["Redis"] = [redis.process.pid]
        others["PostgreSQL"] = _postmaster(database)
    workers = 2 if scaled else 1
    site.env["OPENCLASS_WEB_WORKERS"] = str(workers)
    pool = JanusPool(count=2 if scaled else 1)
    site.env.update(pool.env())
    server = stack.enter_context(running_server(site, workers=workers))
    if workers > 1:  # each worker's share besides the server's total
        others.update(_workers(server))
    janus = pool.start(stack, site, server, profile)
    for number, one in enumerate(janus, start=1):
        others["Janus" if len(janus) == 1 else f"Janus {number}"] = (
            [one.process.pid] if one.process else []
        )
    description = (
        f"uvicorn, {workers} workers, PostgreSQL ({database.rsplit('@', 1)[1]}), Redis channel "
        f"layer and cache, {len(janus)} Janus; no nginx in front (nginx is not installed): the "
        "clients talk to uvicorn and Janus directly, over plain HTTP"
        if scaled
        else "uvicorn, 1 worker, SQLite in WAL mode, in-memory channel layer, 1 Janus"
    )
    return Installation(server, site.manage, site.var_dir, others, description)


def _behind_nginx(stack: contextlib.ExitStack, database: str) -> Installation:
    """The scaled profile as the test pass runs it (openclass/web/tests/scaled.py, issue 15
    item 6): production mode over HTTPS through Debian's nginx with deploy/nginx.conf, two
    uvicorn workers, Redis, the Huey consumer and two Janus, on this PostgreSQL. Its city is the
    test pass's few accounts (demo_data does not build on them), the storm's school added."""
    from openclass.web.tests import scaled as scaled_stack
    from openclass.web.tests.scaled import ScaledStack

    # The test stack's nginx takes 1,024 connections (one worker), and a proxied WebSocket holds
    # two (the browser's, uvicorn's): some 500 pages. The storm opens over 2,000, so its nginx
    # may hold 16,384 (under this machine's 20,000 open files); nothing else changes.
    main_config = scaled_stack._main_config
    stack.callback(setattr, scaled_stack, "_main_config", main_config)
    scaled_stack._main_config = lambda folder, site: re.sub(
        r"worker_connections \d+;",
        f"worker_connections {NGINX_CONNECTIONS};",
        main_config(folder, site),
    )
    folder = Path(tempfile.mkdtemp(prefix="openclass-bench-"))
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    scaled = ScaledStack(folder / "stack", database).start()
    stack.callback(scaled.stop)
    web = scaled.processes["web"]
    # Production mode names its cookies with the __Host- prefix (openclass/settings.py).
    server = Server(web, scaled.url, scaled.folder / "web.log", "__Host-sessionid")
    server.csrf_cookie = "__Host-csrftoken"
    others = _workers(server)
    for name in ("nginx", "huey", "redis"):
        others[{"huey": "Huey", "redis": "Redis"}.get(name, name)] = [scaled.processes[name].pid]
    others["PostgreSQL"] = _postmaster(database)
    for number, one in enumerate(scaled.janus, start=1):
        others[f"Janus {number}"] = [one.process.pid] if one.process else []
    description = (
        f"nginx (deploy/nginx.conf, HTTPS, production mode; worker_connections "
        f"{NGINX_CONNECTIONS:,} instead of the test stack's 1,024) → uvicorn, 2 workers, "
        f"PostgreSQL ({database.rsplit('@', 1)[1]}), Redis channel layer and cache, Huey, "
        f"{len(scaled.janus)} Janus (the classroom's first through nginx)"
    )
    return Installation(server, scaled.manage, folder, others, description)


def run(profile: str = "embedded") -> bool | None:
    """One storm on ``profile``; True when every target is met, None when it cannot run here."""
    started = time.monotonic()
    scaled = profile == "scaled"
    missing = [
        name
        for name, present in (
            ("janus", janus_installed()),
            ("redis-server", not scaled or redis_installed()),
            ("PostgreSQL", not scaled or bool(list(Path("/usr/lib/postgresql").glob("*/bin")))),
        )
        if not present
    ]
    if missing:
        print(f"  skipped: {', '.join(missing)} not installed (`scripts/setup.sh --bench`)")
        return None
    with contextlib.ExitStack() as stack:
        database = stack.enter_context(throwaway_postgres()) if scaled else ""
        if scaled and shutil.which("nginx"):
            installation = _behind_nginx(stack, database)
        else:
            installation = _started(stack, profile, database)
        server, output = installation.server, installation.folder / "bench-storm.json"
        installation.manage(
            "shell",
            "-c",
            "from bench.storm import prepare; "
            f"prepare({str(output)!r}, {STUDENTS}, {WATCHERS}, {QUIZZERS}, {CLASS_SIZE})",
        )
        setup = json.loads(output.read_text())
        print(
            f"\n--- {profile} ---\n  server: {installation.description}; {os.cpu_count()} CPUs "
            f"shared with this load generator; load average {os.getloadavg()[0]:.2f}; set-up "
            f"took {time.monotonic() - started:.0f} s",
            flush=True,
        )
        try:
            result = asyncio.run(_storm(server, setup, Meter(server, installation.others)))
        except Exception:
            print(f"  the run failed; server log:\n{server.log_tail()}")
            raise

        def check_stored(load: Load) -> tuple[Counter, int]:
            return _check(installation, setup, load)

        passed = _report(result, check_stored)
        server.print_troubles()
        return passed


def _check(installation: Installation, setup: dict, load: Load) -> tuple[Counter, int]:
    """(what is stored of the submissions answered with a success, how many watchers' stored
    progress holds every beat they had acknowledged), read from the database; the server
    writes a page's progress when it closes, so a few tries."""
    output = installation.folder / "bench-storm-stored.json"
    quiz, answered = setup["quiz"], [t for t in load.takers if t.submitted]
    deadline = time.monotonic() + 20
    while True:
        installation.manage(
            "shell",
            "-c",
            "from bench.storm import stored; "
            f"stored({str(output)!r}, {setup['lesson']}, {quiz['quiz']})",
        )
        found = json.loads(output.read_text())
        progress = {int(k): tuple(v) for k, v in found["progress"].items()}
        attempts = {int(k): tuple(v) for k, v in found["attempts"].items()}
        answers = Counter({int(k): v for k, v in found["answers"].items()})
        outcome = check(answered, attempts, answers, len(quiz["key"]))
        good = stored_as_sent(load.watchers, progress)
        done = outcome["graded and stored as sent"] == len(answered)
        if (done and good == len(load.watchers)) or time.monotonic() > deadline:
            return outcome, good
        time.sleep(2)


def main() -> None:
    profiles = _profiles()
    print(
        f"storm: {STUDENTS:,} students sign in, load their home, open today's live class, connect "
        f"its socket and get a media ticket over {WINDOW:.0f} s, while {WATCHERS:,} watch a video "
        f"and {QUIZZERS} hand in a quiz; profile {', '.join(profiles)}"
    )
    for profile in profiles:
        run(profile)
