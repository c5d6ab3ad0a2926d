"""Live-class pieces the benchmarks share: Janus started for the run, the classroom page's
socket (welcome, presence, ticket), rooms opened by their teachers, and arrivals paced in an
open loop that sheds load rather than stretching the run (bench/live_classroom, bench/storm)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from bench import Meter, Server, Site
from bench._http import RawHTTP, csrf_token
from openclass.core.server import free_port
from openclass.live.process import JanusConfig, LocalJanus

# An overloaded server must not stretch the run: an arrival finding this many earlier ones still
# unanswered is shed (not sent, counted).
MAX_WAITING = 200
QUIET = 3.0  # a phase is over when nothing has arrived for this long …
TIMEOUT = 20.0  # a request, or a connection's welcome, taking longer counts as failed


# --- Janus, started for the run ---------------------------------------------------------------


@contextmanager
def local_janus(site: Site, config: JanusConfig, name: str) -> Iterator[LocalJanus]:
    """The Janus the server was told about, posting its events to the server; stopped on the way
    out. In a session of its own (``setsid``), so a Ctrl-C reaches only the benchmark."""
    janus = LocalJanus(config, site.var_dir / f"janus-{name}", command_prefix=["setsid"])
    try:
        janus.start()
        yield janus
    finally:
        janus.stop()


@dataclass
class JanusPool:
    """``count`` Janus servers on free ports of 127.0.0.1 and the secrets they share with the
    server: ``env()`` goes into the server's environment before it starts (``OPENCLASS_JANUS_*``
    given explicitly, so both agree), ``start()`` then starts them posting their events to it."""

    count: int = 1
    secret: dict[str, str] = field(
        default_factory=lambda: {
            name: secrets.token_hex(20) for name in ("token", "key", "events", "admin")
        }
    )
    ports: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ports = self.ports or [(free_port(), free_port()) for _ in range(self.count)]

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{http}/janus" for http, _admin in self.ports]

    def env(self) -> dict[str, str]:
        return {
            "OPENCLASS_JANUS_URLS": ",".join(self.urls),
            "OPENCLASS_JANUS_TOKEN_SECRET": self.secret["token"],
            "OPENCLASS_JANUS_ADMIN_KEY": self.secret["key"],
            "OPENCLASS_JANUS_EVENTS_PASSWORD": self.secret["events"],
            "OPENCLASS_JANUS_ADMIN_SECRET": self.secret["admin"],
        }

    def start(
        self, stack: contextlib.ExitStack, site: Site, server: Server, name: str
    ) -> list[LocalJanus]:
        """Start every Janus of the pool; each is stopped when ``stack`` closes."""
        started = []
        for number, (http, admin) in enumerate(self.ports, start=1):
            config = JanusConfig(
                token_auth_secret=self.secret["token"],
                videoroom_admin_key=self.secret["key"],
                admin_secret=self.secret["admin"],
                events_url=f"{server.base_url}/live/janus/events/",
                events_password=self.secret["events"],
                recordings_dir=str(site.var_dir / "recordings"),
                http_port=http,
                admin_port=admin,
                # Each its own share of the media ports, as on hosts of their own.
                rtp_port_min=20000 + 20000 * (number - 1) // self.count,
                rtp_port_max=20000 + 20000 * number // self.count - 1,
            )
            label = name if self.count == 1 else f"{name}-{number}"
            started.append(stack.enter_context(local_janus(site, config, label)))
        return started


# --- The classroom page -----------------------------------------------------------------------


@dataclass
class Seat:
    """One member of one room: a browser tab with the classroom page."""

    room: int  # index into the rooms
    user: int
    session: str
    host: bool
    grant: dict | None = None
    ticket_error: str = ""
    answered: asyncio.Future | None = None  # the ticket answer awaited, set by the reader
    socket: ClientConnection | None = None
    connect_at: float = math.nan
    welcome_at: float = math.nan
    people: set[int] = field(default_factory=set)  # online in the welcome
    inbox: list[tuple[float, str]] = field(default_factory=list)
    error: str = ""


@dataclass
class Room:
    pk: int
    session: int
    seats: list[Seat]
    janus_room: int | None = None

    @property
    def host(self) -> Seat:
        return self.seats[0]


class Clock:
    """When the last WebSocket message arrived, anywhere."""

    last = 0.0


def rooms_of(setup: dict) -> list[Room]:
    rooms = []
    for index, item in enumerate(setup["rooms"]):
        host = Seat(index, *item["host"], host=True)
        members = [Seat(index, pk, key, host=False) for pk, key in item["members"]]
        rooms.append(Room(item["room"], item["session"], [host, *members]))
    return rooms


async def post(server: Server, session: str, path: str) -> tuple[float, str, bytes]:
    """(seconds, outcome, body) of one POST from a browser with a new connection; the outcome
    is the status ("200"), "timeout" past TIMEOUT, or "connection error"."""
    token = csrf_token()
    client = RawHTTP(server, {server.session_cookie: session, server.csrf_cookie: token})
    started = time.perf_counter()
    try:
        request = client.request("POST", path, {"csrfmiddlewaretoken": token})
        status, body = await asyncio.wait_for(request, TIMEOUT)
        outcome = str(status)
    except TimeoutError:
        outcome, body = "timeout", b""
    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
        outcome, body = "connection error", b""
    finally:
        await client.close()
    return time.perf_counter() - started, outcome, body


@dataclass
class Arrivals:
    results: list  # run(item) of each item sent, None for one shed
    shed: int = 0  # not sent: MAX_WAITING earlier ones unanswered, or past the window
    most_waiting: int = 0


async def paced(items: list, rate: float, run, window: float = math.inf) -> Arrivals:
    """Run ``run(item)`` for each item, starting them ``rate`` a second (an open loop), but shed
    an arrival while MAX_WAITING earlier ones are unanswered or once ``window`` seconds have
    gone by."""
    begin = time.perf_counter()
    waiting = 0
    arrivals = Arrivals([None] * len(items))

    async def one(index: int, item) -> None:
        nonlocal waiting
        waiting += 1
        arrivals.most_waiting = max(arrivals.most_waiting, waiting)
        try:
            arrivals.results[index] = await run(item)
        finally:
            waiting -= 1

    tasks = []
    for index, item in enumerate(items):
        at = begin + index / rate
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        if waiting >= MAX_WAITING or at - begin > window:
            arrivals.shed += 1
            continue
        tasks.append(asyncio.create_task(one(index, item)))
    await asyncio.gather(*tasks)
    return arrivals


async def open_rooms(server: Server, rooms: list[Room], meter: Meter, rate: float) -> dict:
    """Each teacher opens their room (POST start: it is created on Janus), ``rate`` a second."""
    errors: Counter = Counter()

    async def open_room(room: Room) -> float:
        took, outcome, _body = await post(
            server, room.host.session, f"/live/sessions/{room.session}/start/"
        )
        if outcome != "302":
            errors[f"start {outcome}"] += 1
        return took

    meter.start()
    opened = (await paced(rooms, rate, open_room)).results
    return {"start": [t for t in opened if t is not None], "usage": meter.stop(), "errors": errors}


async def ticket(seat: Seat) -> float:
    """Ask for a ticket on the seat's socket, as the page does when its person joins: seconds
    until the answer (nan when refused, lost or late)."""
    if seat.socket is None:
        seat.ticket_error = seat.error or "not connected"
        return math.nan
    seat.answered = asyncio.get_running_loop().create_future()
    started = time.perf_counter()
    try:
        await seat.socket.send(json.dumps({"type": "ticket", "purpose": "camera", "request": 1}))
        answer = await asyncio.wait_for(seat.answered, TIMEOUT)
    except TimeoutError:
        seat.ticket_error = "timeout"
        return math.nan
    except ConnectionClosed:
        seat.ticket_error = "connection closed"
        return math.nan
    took = time.perf_counter() - started
    if "grant" not in answer:
        seat.ticket_error = f"refused: {answer.get('error')}"
        return math.nan
    seat.grant = answer["grant"]
    return took


def ws_url(server: Server, room: Room) -> str:
    return f"{server.ws_url}/ws/live/{room.pk}/"


async def attend(server: Server, room: Room, seat: Seat, entered: asyncio.Event) -> None:
    """Open the classroom connection, read the welcome, then keep everything that arrives."""
    seat.connect_at = time.perf_counter()
    try:
        async with connect(
            ws_url(server, room),
            additional_headers={"Cookie": f"{server.session_cookie}={seat.session}"},
            ssl=server.tls(),
            origin=server.base_url,
            ping_interval=None,
            open_timeout=TIMEOUT,
            close_timeout=5,
            max_size=2**23,
            max_queue=None,
        ) as ws:
            welcome = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            seat.welcome_at = time.perf_counter()
            if welcome.get("type") != "welcome":
                seat.error = f"answered {welcome.get('type')}"
                return
            seat.people = {person["user"] for person in welcome["people"]}
            seat.socket = ws
            entered.set()
            inbox = seat.inbox
            async for raw in ws:
                now = time.perf_counter()
                Clock.last = now
                if raw.startswith('{"type": "ticket"'):
                    if seat.answered is not None and not seat.answered.done():
                        seat.answered.set_result(json.loads(raw))
                    continue
                inbox.append((now, raw))
    except TimeoutError:
        seat.error = seat.error or "timeout"
    except ConnectionClosed as exc:
        close = exc.rcvd or exc.sent
        seat.error = seat.error or (
            f"closed {close.code} {close.reason}".strip() if close else "closed without a word"
        )
    except (OSError, InvalidHandshake) as exc:
        seat.error = seat.error or type(exc).__name__
    finally:
        seat.socket = None
        entered.set()


async def settle(until_max: float) -> bool:
    """Wait until nothing has arrived for QUIET seconds (counted from now at the earliest);
    False when still busy at ``until_max``."""
    Clock.last = max(Clock.last, time.perf_counter())
    while time.perf_counter() < until_max:
        if time.perf_counter() - Clock.last > QUIET:
            return True
        await asyncio.sleep(0.25)
    return False
