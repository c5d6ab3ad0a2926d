"""Live classes: a school's 1,000 students joining 41 live classes at once, presence and chat.

The installation is the small demo city plus a school of 1,000 students and 41 teachers. Each
teacher owns a course with a live session today: 40 class courses of 25 students each, and one
assembly (전체 조회) that all 1,000 are enrolled in; every student is in two rooms. A real Janus
is started on free ports of 127.0.0.1, posting its events to the server's /live/janus/events/,
with the secrets the server is given explicitly (``OPENCLASS_JANUS_*``), so both agree.

1. Presence. Each teacher opens their room (POST start: the room is created on Janus). Every
   member then opens the classroom WebSocket (/ws/live/<room>/) with its own session cookie,
   teachers first, then the 2,000 student connections in random order at 100 a second, as a
   class starting. Measured per connection: connect → welcome, and connect → the moment the
   last member already in the room (welcomed before it started connecting, so certainly in the
   group) received its presence message; a presence message that never comes is lost.
   Afterwards each member's view (the welcome's people plus presence messages) must hold
   everyone in the room.
   The pages not opened then open, a few at a time and unmeasured, so that what follows has
   every member of every room.
2. Join. Every page asks for its ticket on its socket ({"type": "ticket"}), the teachers first,
   then the students' 2,000 requests in random order at 100 a second. Measured: request → the
   grant (token + placement). Every grant must place its holder in the room's Janus room on
   the Janus server; one student a room then really joins Janus with its grant, and the stay
   Janus reports back through its event handler must reach the database.
3. Fan-out. For 30 s a random member of the assembly sends a chat message every second, while
   in each class room a random member sends one every 3 s. Measured: send → receipt at every
   member (the sender included), p95 over all deliveries; expected deliveries = messages ×
   members, and every one must arrive ("no message lost").

Then everyone leaves, and the participants' connection counters must be back to 0. An
overloaded server does not stretch the run: an arrival (new connection or ticket request) that
finds MAX_WAITING earlier ones unanswered is shed and counted, no connection is opened after
CONNECT_WINDOW, and each phase waits at most SETTLE_MAX for its last messages. The whole
run is done twice: on the embedded default (in-memory channel layer, one server process) and on
Redis (a throw-away redis-server on a free port, ``OPENCLASS_REDIS_URL``, and one server worker
per core, ``OPENCLASS_WEB_WORKERS``), skipped with the reason when redis-server
is missing (`scripts/setup.sh --bench` installs it). Printed beside: the bare-Django figure
(GET /healthz), CPU of the server, of this load generator, of Janus and of Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import random
import secrets
import shutil
import sqlite3
import time
from collections import Counter
from pathlib import Path

import httpx
from websockets.exceptions import ConnectionClosed

from bench import Meter, Server, Site, demo_site, ms, percentile, running_server
from bench._http import bare_django, print_line, print_percentiles, verdict
from bench._live import (
    Clock,
    JanusPool,
    Room,
    Seat,
    attend,
    open_rooms,
    paced,
    rooms_of,
    settle,
    ticket,
)
from bench._setup import add_students, add_teachers, live_courses, session_key
from openclass.core.redis_process import Redis, throwaway_redis
from openclass.core.redis_process import is_installed as redis_installed
from openclass.live.process import LocalJanus, is_installed

STUDENTS = 1000
GROUPS, GROUP_SIZE = 40, 25  # class rooms; each also has its teacher
JOIN_RATE = 100.0  # ticket requests a second
CONNECT_RATE = 100.0  # new classroom connections a second
# An overloaded server must not stretch the run: an arrival finding MAX_WAITING earlier ones
# still unanswered is shed (bench._live), and no connection is opened after CONNECT_WINDOW.
CONNECT_WINDOW = 40.0
# Then the pages not opened in the window open, this many at a time, before the join.
CATCH_UP_AT_ONCE, CATCH_UP_MAX = 50, 300.0
FANOUT_SECONDS = 30.0
ASSEMBLY_INTERVAL = 1.0  # one chat message in the assembly every second
CLASS_INTERVAL = 3.0  # and one in each class room every 3 s
HEALTHZ_SECONDS = 5.0
SETTLE_MAX = 20.0  # a phase waits at most this long after its last message was sent
TARGET_JOIN_P95, TARGET_PRESENCE_P95, TARGET_FANOUT_P95 = 0.050, 1.0, 0.250
LAYERS = ("in-memory", "redis")


# --- Set-up, inside the installation's Django (``manage.py shell``) ---------------------------


def prepare(output: str, students: int, groups: int, group_size: int) -> None:
    """A school of ``students`` students and ``groups`` + 1 teachers; each teacher owns a course
    with a live session today (its room made, not started): ``groups`` class courses of
    ``group_size`` students and one assembly of all of them. Writes the rooms, with the session
    of every member, to ``output`` (JSON); the assembly comes first."""
    from openclass.accounts.models import User

    school = add_students(students, code="live")
    teachers = add_teachers(school, groups + 1, code="live")
    pupils = list(
        User.objects.filter(username__startswith="live-", role=User.Role.STUDENT).order_by(
            "username"
        )
    )
    keys = {user.pk: session_key(user) for user in [*teachers, *pupils]}
    classes = [pupils[n * group_size : (n + 1) * group_size] for n in range(groups)]
    titles = ["전체 조회", *(f"{number}모둠 수업" for number in range(1, groups + 1))]
    rooms = live_courses(school, teachers, [pupils, *classes], titles)
    for room in rooms:
        room["host"] = [room["host"].pk, keys[room["host"].pk]]
        room["members"] = [[s.pk, keys[s.pk]] for s in room["members"]]
    Path(output).write_text(json.dumps({"rooms": rooms}))


# --- Opening the rooms, and phase 2: join --------------------------------------------------


async def _join_phase(rooms: list[Room], meter: Meter, janus_url: str) -> dict:
    meter.start()
    hosts = await paced([room.host for room in rooms], JOIN_RATE, ticket)
    hosts_usage = meter.stop()
    for room in rooms:
        room.janus_room = (room.host.grant or {}).get("room")
    students = [seat for room in rooms for seat in room.seats if not seat.host]
    random.Random(11).shuffle(students)
    meter.start()
    arrivals = await paced(students, JOIN_RATE, ticket)
    usage = meter.stop()
    took = [t for t in arrivals.results if t is not None]
    placed = misplaced = 0
    for room in rooms:
        for grant in (seat.grant for seat in room.seats if seat.grant is not None):
            if (
                grant.get("server") == janus_url
                and room.janus_room is not None
                and grant.get("room") == room.janus_room
                and grant.get("pin")
                and isinstance(grant.get("feed"), int)
                and str(grant.get("token", "")).count(",") == 2
            ):
                placed += 1
            else:
                misplaced += 1
    pins = [s.grant["pin"] for r in rooms for s in r.seats if s.grant]
    errors = Counter(s.ticket_error for r in rooms for s in r.seats if s.ticket_error)
    return {
        "host_ticket": [t for t in hosts.results if t is not None and not math.isnan(t)],
        "tickets": [t for t in took if not math.isnan(t)],
        "requests": len(students),
        "shed": arrivals.shed,
        "most_waiting": arrivals.most_waiting,
        "usage": usage,
        "hosts_usage": hosts_usage,
        "errors": errors,
        "placed": placed,
        "misplaced": misplaced,
        "shared_pins": len(pins) - len(set(pins)),
    }


async def _janus_join(http: httpx.AsyncClient, grant: dict) -> tuple[str, int | None]:
    """What a classroom page does with janus.js, without media: a Janus session with the
    grant's token, a VideoRoom handle, and a publisher join with the room, feed and room token.
    Returns (outcome, Janus session)."""
    api, token = grant["server"], grant["token"]

    async def post(url: str, message: dict) -> dict:
        message = {**message, "transaction": secrets.token_hex(6), "token": token}
        return (await http.post(url, json=message)).json()

    reply = await post(api, {"janus": "create"})
    if reply.get("janus") != "success":
        return f"create: {reply.get('error', {}).get('reason', reply)}", None
    session = reply["data"]["id"]
    reply = await post(f"{api}/{session}", {"janus": "attach", "plugin": "janus.plugin.videoroom"})
    handle = reply["data"]["id"]
    body = {
        "request": "join",
        "ptype": "publisher",
        "room": grant["room"],
        "id": grant["feed"],
        "token": grant["pin"],
        "display": grant["display"],
    }
    await post(f"{api}/{session}/{handle}", {"janus": "message", "body": body})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        reply = (await http.get(f"{api}/{session}", params={"maxev": 1, "token": token})).json()
        if reply.get("janus") == "event":
            data = reply.get("plugindata", {}).get("data", {})
            return ("joined" if data.get("videoroom") == "joined" else str(data)), session
    return "no answer", session


async def _janus_check(rooms: list[Room], database: Path) -> tuple[int, int, int]:
    """One student a room joins Janus with its grant: (accepted, tried, stays recorded)."""
    grants = [next((s.grant for s in room.seats[1:] if s.grant), None) for room in rooms]
    grants = [g for g in grants if g]
    async with httpx.AsyncClient(timeout=15) as http:
        results = await asyncio.gather(
            *(_janus_join(http, g) for g in grants), return_exceptions=True
        )
        joined = sum(1 for r in results if not isinstance(r, BaseException) and r[0] == "joined")
        feeds = {g["feed"] for g in grants}
        stays = 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
                rows = connection.execute("SELECT feed_id FROM live_stay WHERE left_at IS NULL")
                stays = len(feeds & {feed for (feed,) in rows})
            if stays >= joined:
                break
            await asyncio.sleep(0.2)
        for result, grant in zip(results, grants, strict=True):
            if not isinstance(result, BaseException) and result[1] is not None:
                with contextlib.suppress(httpx.HTTPError):
                    await http.post(
                        f"{grant['server']}/{result[1]}",
                        json={"janus": "destroy", "transaction": "x", "token": grant["token"]},
                    )
    return joined, len(grants), stays


# --- Phase 1: presence ------------------------------------------------------------------------


async def _presence_phase(server: Server, rooms: list[Room], meter: Meter) -> dict:
    hosts = [room.host for room in rooms]
    students = [seat for room in rooms for seat in room.seats if not seat.host]
    random.Random(13).shuffle(students)
    events: dict[int, asyncio.Event] = {id(seat): asyncio.Event() for seat in hosts + students}
    tasks: list[asyncio.Task] = []

    async def start(seat: Seat) -> None:
        """Open the page; answered when the welcome (or a failure) arrives."""
        tasks.append(asyncio.create_task(attend(server, rooms[seat.room], seat, events[id(seat)])))
        await events[id(seat)].wait()

    meter.start()
    Clock.last = time.perf_counter()
    arrivals = await paced(hosts + students, CONNECT_RATE, start, CONNECT_WINDOW)
    settled = await settle(time.perf_counter() + SETTLE_MAX)
    usage = meter.stop()

    welcome, latency = [], {"assembly": [], "class": []}
    expected = delivered = views_missing = 0
    for index, room in enumerate(rooms):
        seen: dict[int, dict[int, float]] = {}
        for seat in room.seats:
            online: dict[int, float] = {}
            for at, raw in seat.inbox:
                if raw.startswith('{"type": "presence"'):
                    for change in json.loads(raw)["changes"]:
                        if change["online"]:
                            online.setdefault(change["person"]["user"], at)
            seen[id(seat)] = online
            seat.inbox.clear()
        users = {seat.user for seat in room.seats if seat.socket is not None}  # there now
        for seat in room.seats:
            if math.isnan(seat.welcome_at):
                continue
            welcome.append(seat.welcome_at - seat.connect_at)
            knows = seat.people | set(seen[id(seat)])
            views_missing += len(users - knows - {seat.user})
            others = [
                o for o in room.seats if o is not seat and o.welcome_at < seat.connect_at
            ]  # certainly in the room's group before this one connected
            heard = [seen[id(o)].get(seat.user) for o in others]
            arrived = [at for at in heard if at is not None]
            expected += len(others)
            delivered += len(arrived)
            if others and len(arrived) == len(others):
                latency["assembly" if index == 0 else "class"].append(
                    max(arrived) - seat.connect_at
                )
    return {
        "welcome": welcome,
        "latency": latency,
        "expected": expected,
        "delivered": delivered,
        "views_missing": views_missing,
        "connected": sum(1 for room in rooms for seat in room.seats if seat.socket),
        "errors": Counter(seat.error for room in rooms for seat in room.seats if seat.error),
        "shed": arrivals.shed,
        "most_waiting": arrivals.most_waiting,
        "settled": settled,
        "usage": usage,
        "tasks": tasks,
    }


async def _catch_up(server: Server, rooms: list[Room], tasks: list[asyncio.Task]) -> dict:
    """The pages the presence phase shed open now, CATCH_UP_AT_ONCE at a time, unmeasured: the
    join and the fan-out then have every member of every room, however slow connecting was."""
    late = [seat for room in rooms for seat in room.seats if seat.socket is None]
    gate = asyncio.Semaphore(CATCH_UP_AT_ONCE)
    started = time.perf_counter()

    async def open_page(seat: Seat) -> None:
        async with gate:
            seat.error = ""
            entered = asyncio.Event()
            tasks.append(asyncio.create_task(attend(server, rooms[seat.room], seat, entered)))
            await entered.wait()

    await asyncio.wait_for(asyncio.gather(*(open_page(seat) for seat in late)), CATCH_UP_MAX)
    await settle(time.perf_counter() + SETTLE_MAX)
    for room in rooms:
        for seat in room.seats:
            seat.inbox.clear()
    return {
        "late": len(late),
        "seconds": time.perf_counter() - started,
        "connected": sum(1 for room in rooms for seat in room.seats if seat.socket),
    }


# --- Phase 3: fan-out -------------------------------------------------------------------------


async def _fanout_phase(rooms: list[Room], meter: Meter) -> dict:
    sent: dict[str, tuple[int, float]] = {}
    pick = random.Random(17)

    async def talk(index: int, interval: float, offset: float, begin: float) -> None:
        room, number = rooms[index], 0
        while (at := begin + offset + number * interval) < begin + FANOUT_SECONDS:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            speakers = [seat for seat in room.seats if seat.socket is not None]
            if not speakers:
                return
            text = f"r{index}-m{number}"
            sent[text] = (index, time.perf_counter())
            with contextlib.suppress(ConnectionClosed):
                await pick.choice(speakers).socket.send(json.dumps({"type": "chat", "text": text}))
            number += 1

    meter.start()
    begin = time.perf_counter() + 0.5
    await asyncio.gather(
        talk(0, ASSEMBLY_INTERVAL, 0.0, begin),
        *(
            talk(index, CLASS_INTERVAL, CLASS_INTERVAL * index / len(rooms), begin)
            for index in range(1, len(rooms))
        ),
    )
    settled = await settle(time.perf_counter() + SETTLE_MAX)
    usage = meter.stop()

    latency = {"assembly": [], "class": []}
    expected = Counter()
    for index, _at in sent.values():
        expected["assembly" if index == 0 else "class"] += sum(
            1 for seat in rooms[index].seats if seat.socket is not None
        )
    received, duplicates, refusals = Counter(), 0, Counter()
    for index, room in enumerate(rooms):
        kind = "assembly" if index == 0 else "class"
        for seat in room.seats:
            got: set[str] = set()
            for at, raw in seat.inbox:
                if raw.startswith('{"type": "chat"'):
                    text = json.loads(raw)["text"]
                    if text not in sent or sent[text][0] != index:
                        continue
                    if text in got:
                        duplicates += 1
                        continue
                    got.add(text)
                    latency[kind].append(at - sent[text][1])
                    received[kind] += 1
                elif raw.startswith('{"type": "error"'):
                    refusals[json.loads(raw)["message"]] += 1
            seat.inbox.clear()
    messages = Counter("assembly" if index == 0 else "class" for index, _at in sent.values())
    return {
        "members": sum(1 for seat in rooms[0].seats if seat.socket is not None),
        "latency": latency,
        "messages": messages,
        "expected": expected,
        "received": received,
        "duplicates": duplicates,
        "refusals": refusals,
        "settled": settled,
        "usage": usage,
    }


# --- Leaving ----------------------------------------------------------------------------------


async def _leave(rooms: list[Room], tasks: list[asyncio.Task], database: Path) -> tuple:
    """Everyone closes the page; (connections still counted, seconds until none is)."""
    started = time.perf_counter()
    sockets = [seat.socket for room in rooms for seat in room.seats if seat.socket]
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    await asyncio.gather(*tasks, return_exceptions=True)
    deadline = time.monotonic() + SETTLE_MAX
    while True:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
            counted = connection.execute(
                "SELECT COALESCE(SUM(connections), 0) FROM live_participant"
            ).fetchone()[0]
        if counted == 0 or time.monotonic() > deadline:
            return counted, time.perf_counter() - started
        await asyncio.sleep(0.25)


# --- The run ----------------------------------------------------------------------------------


async def _run(
    server: Server, site: Site, janus: LocalJanus, redis: Redis | None, setup: dict
) -> dict:
    rooms = rooms_of(setup)
    seats = sum(len(room.seats) for room in rooms)
    meter = Meter(server, {"Janus": [janus.process.pid] if janus.process else []})
    if redis:
        meter.others["Redis"] = [redis.process.pid]
    healthz = await bare_django(server, seconds=HEALTHZ_SECONDS)
    print("\n  calibration (same server, same run):")
    print_line("bare Django /healthz", healthz, "req")

    opening = await open_rooms(server, rooms, meter, JOIN_RATE)
    print(f"\n  opening: {len(rooms)} teachers open their rooms (POST start)")
    print_percentiles(
        "room opened (POST start)",
        opening["start"],
        str(opening["usage"])
        + (f"   errors {dict(opening['errors'])}" if opening["errors"] else ""),
    )

    presence = await _presence_phase(server, rooms, meter)
    usage = presence["usage"]
    print(
        f"\n  presence: {seats:,} classroom connections, {CONNECT_RATE:.0f}/s (teachers first), "
        f"{len(rooms[0].seats):,} in the assembly and {len(rooms[1].seats)} in each class room"
    )
    print_percentiles("connect → welcome", presence["welcome"], str(usage))
    print_percentiles(
        f"presence, assembly ({len(rooms[0].seats):,})",
        presence["latency"]["assembly"],
        "connect → the last member already in the room has it",
    )
    print_percentiles(
        f"presence, class rooms ({len(rooms[1].seats)})", presence["latency"]["class"]
    )
    lost = presence["expected"] - presence["delivered"]
    print(
        f"    {'deliveries':<30} {presence['delivered']:,} of {presence['expected']:,} presence "
        f"messages owed arrived, {lost:,} "
        + ("lost" if presence["settled"] else "lost or still on the way when the phase ended")
        + f"; {presence['views_missing']:,} times a member's "
        f"view of the room lacks someone who is there"
    )
    print(
        f"    {'connected':<30} {presence['connected']:,} of {seats:,}; "
        f"{presence['shed']:,} not opened (at most {presence['most_waiting']} waiting at once for "
        f"their welcome, or past {CONNECT_WINDOW:.0f} s)"
        + (f"   errors {dict(presence['errors'])}" if presence["errors"] else "")
    )
    presence_p95 = percentile(presence["latency"]["assembly"] + presence["latency"]["class"], 95)
    presence_ok = (
        presence_p95 < TARGET_PRESENCE_P95
        and lost == 0
        and presence["views_missing"] == 0
        and presence["connected"] == seats
    )
    print(
        f"    {'target':<30} presence p95 < {TARGET_PRESENCE_P95 * 1000:,.0f} ms, none lost, "
        f"everyone connected: {verdict(presence_ok)}",
        flush=True,
    )

    caught = await _catch_up(server, rooms, presence["tasks"])
    print(
        f"    {'then':<30} the {caught['late']:,} pages not opened connect, "
        f"{CATCH_UP_AT_ONCE} at a time, unmeasured: {caught['connected']:,} of {seats:,} "
        f"connected after {caught['seconds']:.0f} s"
    )

    join = await _join_phase(rooms, meter, janus.api_url)
    tickets, usage = join["tickets"], join["usage"]
    print(
        f"\n  join: every page asks for its ticket on its socket, the teachers first, then "
        f"{join['requests']:,} students, {JOIN_RATE:.0f}/s in random order"
    )
    print_percentiles("ticket, teacher", join["host_ticket"], str(join["hosts_usage"]))
    rate = len(tickets) / usage.elapsed
    print_percentiles("ticket, student", tickets, f"{rate:,.0f} answered/s   {usage}")
    print(
        f"    {'offered':<30} {join['requests']:,} at {JOIN_RATE:.0f}/s: "
        f"{join['requests'] - join['shed']:,} sent, {join['shed']:,} shed (at most "
        f"{join['most_waiting']} waiting at once)"
    )
    await settle(time.perf_counter() + SETTLE_MAX)  # the presence the joins caused
    for room in rooms:
        for seat in room.seats:
            seat.inbox.clear()
    joined, tried, stays = await _janus_check(rooms, site.database)
    print(
        f"    {'placement':<30} {join['placed']:,} "
        f"of {seats:,} grants name their room's Janus room on the Janus server, "
        f"{join['misplaced']} wrong, {join['shared_pins']} room tokens shared"
        + (f"   errors {dict(join['errors'])}" if join["errors"] else "")
    )
    print(
        f"    {'Janus check':<30} {joined} of {tried} sample joins (one student a room) "
        f"accepted by Janus, {stays} stays reported back through its event handler"
    )
    join_p95 = percentile(tickets, 95)
    join_ok = (
        join_p95 < TARGET_JOIN_P95
        and not join["errors"]
        and not join["shed"]
        and join["placed"] == seats
        and joined == tried == stays
    )
    print(
        f"    {'target':<30} ticket p95 < {TARGET_JOIN_P95 * 1000:.0f} ms, every grant placed, "
        f"Janus agrees: {verdict(join_ok)}",
        flush=True,
    )

    fanout = await _fanout_phase(rooms, meter)
    usage = fanout["usage"]
    messages, expected, received = fanout["messages"], fanout["expected"], fanout["received"]
    print(
        f"\n  fan-out: {FANOUT_SECONDS:.0f} s of chat, one message a second in the assembly from "
        f"a random member, one every {CLASS_INTERVAL:.0f} s in each class room"
    )
    for kind, name in (("assembly", "assembly chat"), ("class", "class-room chat")):
        print_percentiles(
            name,
            fanout["latency"][kind],
            f"{messages[kind]} messages, {expected[kind] / FANOUT_SECONDS:,.0f} deliveries/s",
        )
    print(f"    {'':<30} {usage}")
    members = len(rooms[0].seats)
    print(
        f"    {'deliveries':<30} assembly {received['assembly']:,} of {expected['assembly']:,} "
        f"({messages['assembly']} messages × {fanout['members']:,} members connected), class rooms "
        f"{received['class']:,} of {expected['class']:,}; "
        f"{expected.total() - received.total():,} lost, {fanout['duplicates']} duplicated"
        + (f"   refused {dict(fanout['refusals'])}" if fanout["refusals"] else "")
        + ("" if fanout["settled"] else "   (still arriving)")
    )
    fanout_p95 = percentile(fanout["latency"]["assembly"], 95)
    fanout_ok = (
        fanout_p95 < TARGET_FANOUT_P95
        and received == expected
        and not fanout["duplicates"]
        and fanout["members"] == members
    )
    print(
        f"    {'target':<30} assembly p95 < {TARGET_FANOUT_P95 * 1000:.0f} ms, no message lost: "
        f"{verdict(fanout_ok)}",
        flush=True,
    )

    counted, took = await _leave(rooms, presence["tasks"], site.database)
    server.print_troubles()
    print(
        f"\n  leaving: {seats:,} pages closed; "
        + (
            f"every participant's connection count back to 0 after {took:.1f} s"
            if counted == 0
            else f"{counted} connections still counted after {took:.0f} s"
        )
    )
    return {
        "healthz": healthz.rate,
        "join_p95": join_p95,
        "presence_p95": presence_p95,
        "presence_lost": lost,
        "fanout_p95": fanout_p95,
        "class_p95": percentile(fanout["latency"]["class"], 95),
        "fanout_lost": expected.total() - received.total(),
        "verdicts": (join_ok, presence_ok, fanout_ok),
    }


def _restore(site: Site, snapshot: Path) -> None:
    """Put the database back as ``prepare`` left it (each layer starts from the same state)."""
    for suffix in ("-wal", "-shm"):
        Path(f"{site.database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(snapshot, site.database)


def _run_layer(site: Site, setup: dict, layer: str, started: float) -> dict:
    """One run on a fresh copy of the prepared database: Redis (for that layer), the server, and
    the Janus it is told about, all stopped on the way out."""
    env = dict(site.env)
    with contextlib.ExitStack() as stack:
        stack.callback(lambda: (site.env.clear(), site.env.update(env)))
        redis = None
        if layer == "redis":
            redis = stack.enter_context(throwaway_redis(site.var_dir / "redis"))
            site.env["OPENCLASS_REDIS_URL"] = redis.url
        pool = JanusPool()
        site.env.update(pool.env())
        # Redis is what lets several server processes share the rooms: one per core.
        workers = (os.cpu_count() or 1) if redis else 1
        site.env["OPENCLASS_WEB_WORKERS"] = str(workers)
        server = stack.enter_context(running_server(site, workers=workers))
        (janus,) = pool.start(stack, site, server, layer)
        where = (
            f"Redis channel layer (redis-server on {redis.url.removeprefix('redis://')})"
            if redis
            else "in-memory channel layer"
        )
        print(
            f"\n--- {layer} ---\n  server: uvicorn, {workers} worker{'s' if workers > 1 else ''}, "
            f"SQLite in WAL mode, {where}, "
            f"Janus on {janus.api_url.removeprefix('http://')}, {os.cpu_count()} CPUs shared "
            f"with this load generator; set-up took {time.monotonic() - started:.0f} s",
            flush=True,
        )
        try:
            return asyncio.run(_run(server, site, janus, redis, setup))
        except Exception:
            print(f"  the run failed; server log:\n{server.log_tail()}")
            raise


def main() -> None:
    print(
        f"live_classroom: {STUDENTS:,} students and {GROUPS + 1} teachers joining {GROUPS + 1} "
        f"live classes ({GROUPS} of {GROUP_SIZE}, one assembly of all): tickets, presence, chat"
    )
    if not is_installed():
        print("  skipped: janus is not installed (scripts/setup.sh installs it)")
        return
    started = time.monotonic()
    results = {}
    with demo_site("small") as site:
        output = site.var_dir / "bench-live.json"
        site.manage(
            "shell",
            "-c",
            "from bench.live_classroom import prepare; "
            f"prepare({str(output)!r}, {STUDENTS}, {GROUPS}, {GROUP_SIZE})",
        )
        setup = json.loads(output.read_text())
        snapshot = site.var_dir / "prepared.sqlite3"
        shutil.copyfile(site.database, snapshot)
        for layer in LAYERS:
            if layer == "redis" and not redis_installed():
                print(
                    f"\n--- {layer} ---\n  skipped: redis-server is not installed "
                    "(`scripts/setup.sh --bench`, run by `make bench`, installs it)"
                )
                continue
            _restore(site, snapshot)
            results[layer] = _run_layer(site, setup, layer, started)
            started = time.monotonic()
    if len(results) > 1:
        print("\n  summary            ticket p95  presence p95 (lost)  assembly chat p95 (lost)")
        for layer, r in results.items():
            print(
                f"    {layer:<16} {ms(r['join_p95']):>10}  {ms(r['presence_p95']):>12} "
                f"({r['presence_lost']:,})  {ms(r['fanout_p95']):>16} ({r['fanout_lost']:,})"
                f"   {' '.join(verdict(v) for v in r['verdicts'])}"
            )
