"""Who is in class now: connections counted per participant, the people list the pages show,
the classroom pages this server process holds, and presence news batched per room.

Presence counts connections in the database (``Participant.connections``), so any server
process can tell who is online. A lone process (embedded, no Redis) is the only one holding
pages: at its first connection it forgets the counts of the run before it. Processes sharing
the rooms on Redis cannot do that; each writes which pages it holds every BEAT_EVERY seconds
(``beat``), and the minutely task takes the pages of a process silent for GONE_AFTER off the
counts (``sweep_gone_processes``).

What a process keeps while it runs (whether it forgot the earlier runs, its open pages, the
presence batches and its heartbeat tasks) is registered in ``core.runtime``; tests start
afresh with ``runtime.reset()``.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import os
import secrets
import socket
import threading
from collections import Counter
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from openclass.core.db import CompiledQuery
from openclass.core.runtime import runtime

from . import broadcast
from .access import Member
from .models import LiveRoom, Participant, ServerProcess, Stay

logger = logging.getLogger(__name__)

BEAT_EVERY = 5.0  # seconds between two writes of a process's open pages
GONE_AFTER = 30.0  # a process not written for this long has gone, and its pages with it
PRESENCE_EVERY = 0.5  # seconds between two presence messages to a room of up to …
PRESENCE_CROWD = 250  # … this many people; to a larger one proportionally less often,
PRESENCE_EVERY_MOST = 1.0  # but at least once a second


# --- The people list ---------------------------------------------------------------------------


def _person(
    user_id: int,
    name: str,
    role: str,
    hand: datetime.datetime | None,
    media: dict,
    admission: str,
) -> dict:
    media = media or {}
    return {
        "user": user_id,
        "name": name,
        "role": role,
        "hand": hand.isoformat() if hand else None,
        "audio": bool(media.get("audio")),
        "video": bool(media.get("video")),
        "screen": bool(media.get("screen")),
        "feeds": sorted({s["feed"] for s in media.get("streams", []) if "feed" in s}),
        "waiting": admission == Participant.Admission.WAITING,
    }


def person(participant: Participant) -> dict:
    """What the room's pages show of one participant (their row in the people list)."""
    user = participant.user
    return _person(
        user.pk,
        user.get_full_name(),
        participant.role,
        participant.hand_raised_at,
        participant.media,
        participant.admission,
    )


_PERSON_COLUMNS = (
    "user_id", "user__name", "user__username", "role", "hand_raised_at", "media", "admission"
)  # fmt: skip
# Read at every arrival, and in an assembly for hundreds of people each time: compiled once.
_ONLINE = CompiledQuery(
    lambda room: Participant.objects.filter(room_id=room, connections__gt=0).values_list(
        *_PERSON_COLUMNS
    )
)
_ONLINE_ADMITTED = CompiledQuery(
    lambda room: (
        Participant.objects.filter(room_id=room, connections__gt=0)
        .exclude(admission=Participant.Admission.WAITING)
        .values_list(*_PERSON_COLUMNS)
    )
)


def people_online(room: LiveRoom, *, with_waiting: bool) -> list[dict]:
    """Everyone with a classroom page open, as ``person`` describes them. Read as plain values:
    a large room's welcome lists hundreds of people, and every arrival is welcomed."""
    rows = (_ONLINE if with_waiting else _ONLINE_ADMITTED).rows(room.pk)
    return [
        _person(user_id, name or username, role, hand, media, admission)
        for user_id, name, username, role, hand, media, admission in rows
    ]


def presence_of(member: Member) -> dict:
    """The presence message about ``member``: as they are now, online or not."""
    participant = Participant.objects.select_related("user").get(pk=member.participant_id)
    return {
        "type": "presence",
        "person": person(participant),
        "online": participant.connections > 0,
    }


def report_media(
    member: Member, audio: object, video: object, screen: object, streams: object
) -> tuple[dict, bool]:
    """The page says what it sends (for the people list and for the host's mute). Returns the
    presence message and whether every feed it named is known to be theirs: Janus tells us of
    a join over HTTP, in batches, so under load a page's report can come first (the consumer
    then reports again a little later)."""
    clean = []
    for stream in streams[:8] if isinstance(streams, list) else []:
        if not isinstance(stream, dict):
            continue
        feed, mid, kind = stream.get("feed"), stream.get("mid"), stream.get("kind")
        if isinstance(feed, int) and isinstance(mid, str) and kind in ("audio", "video"):
            clean.append({"feed": feed, "mid": mid[:8], "kind": kind})
    # Only feeds this person really joined with (Janus told us) can be reported as theirs.
    own = set(
        Stay.objects.filter(participant_id=member.participant_id, left_at__isnull=True).values_list(
            "feed_id", flat=True
        )
    )
    known = [stream for stream in clean if stream["feed"] in own]
    media = {"audio": bool(audio), "video": bool(video), "screen": bool(screen), "streams": known}
    Participant.objects.filter(pk=member.participant_id).update(media=media)
    return presence_of(member), len(known) == len(clean)


# --- Counting connections ----------------------------------------------------------------------


def shares_rooms() -> bool:
    """Whether other server processes may hold pages of the same rooms: on Redis, any number
    of them, on this machine or others. Embedded (no Redis) this process is the only one."""
    return bool(settings.REDIS_URL)


class EarlierRuns:
    """Whether this process has forgotten the connections counted before it started."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.forgotten = False

    def reset(self) -> None:
        with self.lock:
            self.forgotten = False


earlier_runs = runtime.register("live.earlier_runs", EarlierRuns())


def forget_connections_of_earlier_runs() -> None:
    """Once per server process, before its first classroom connection: a lone process (the
    embedded default) is the only one holding connections, so any counted before it started
    belong to a run that ended — a restart or a crash — and their pages reconnect to this one.
    Without this, everyone would stay "online" after a restart. When processes share the rooms
    the others' counts are live and nothing is reset here: a process that goes without
    closing its pages is found by its missing heartbeat (``sweep_gone_processes``)."""
    if earlier_runs.forgotten:
        return
    with earlier_runs.lock:
        if earlier_runs.forgotten:
            return
        if not shares_rooms():
            Participant.objects.filter(connections__gt=0).update(connections=0)
        earlier_runs.forgotten = True


class OpenPages:
    """The classroom pages open in this process, per participant: counted by connect and
    disconnect (in the database thread, and in tests from others), written by ``beat``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._begin()

    def _begin(self) -> None:
        """A process of its own: its own name, no pages yet (a forked child holds none of its
        parent's)."""
        self.pid = os.getpid()
        self.key = f"{socket.gethostname()}:{self.pid}:{secrets.token_hex(4)}"[:100]
        self.pages: Counter[int] = Counter()
        self.written = False  # whether this process's row was written before

    def reset(self) -> None:
        with self.lock:
            self._begin()

    def count(self, participant_id: int, change: int) -> None:
        with self.lock:
            if self.pid != os.getpid():
                self._begin()
            self.pages[participant_id] += change
            if self.pages[participant_id] <= 0:
                del self.pages[participant_id]

    def now_open(self) -> tuple[str, dict[str, int]]:
        with self.lock:
            if self.pid != os.getpid():
                self._begin()
            return self.key, {str(pk): n for pk, n in self.pages.items()}


open_pages = runtime.register("live.open_pages", OpenPages())


def count_in(participant: Participant) -> None:
    """One more classroom page of ``participant`` is open (here)."""
    Participant.objects.filter(pk=participant.pk).update(connections=F("connections") + 1)
    participant.connections += 1
    open_pages.count(participant.pk, +1)


def count_out(member: Member) -> dict:
    """One classroom page of ``member`` closed; returns the presence message about them."""
    Participant.objects.filter(pk=member.participant_id, connections__gt=0).update(
        connections=F("connections") - 1
    )
    open_pages.count(member.participant_id, -1)
    return presence_of(member)


def beat() -> int:
    """Write which pages this process has open (every BEAT_EVERY seconds while it has classroom
    connections, when processes share the rooms); returns how many. Had this process been
    taken for gone (its writes held up past GONE_AFTER) and its pages taken off the counts,
    they are counted again."""
    key, pages = open_pages.now_open()
    with transaction.atomic():
        _row, created = ServerProcess.objects.update_or_create(
            key=key, defaults={"beat_at": timezone.now(), "connections": pages}
        )
        if created and open_pages.written:  # our row was swept: count our pages again
            for participant_id, count in pages.items():
                Participant.objects.filter(pk=int(participant_id)).update(
                    connections=F("connections") + count
                )
    open_pages.written = True
    return sum(pages.values())


def sweep_gone_processes() -> dict[int, list[dict]]:
    """Take the pages of server processes that stopped writing (crashed, killed) off the
    participants' counts, so they do not stay "online" for good. Returns, per room, the
    presence changes to tell its pages (``{"person": …, "online": …}``)."""
    gone_before = timezone.now() - datetime.timedelta(seconds=GONE_AFTER)
    touched: set[int] = set()
    for process in ServerProcess.objects.filter(beat_at__lt=gone_before):
        with transaction.atomic():
            # Whoever deletes the row takes its pages off: a second sweeper finds it gone.
            if not ServerProcess.objects.filter(pk=process.pk, beat_at=process.beat_at).delete()[0]:
                continue
            for participant_id, count in process.connections.items():
                Participant.objects.filter(pk=int(participant_id)).update(
                    connections=Greatest(F("connections") - int(count), 0)
                )
                touched.add(int(participant_id))
    changes: dict[int, list[dict]] = {}
    for participant in Participant.objects.filter(pk__in=touched).select_related("user"):
        changes.setdefault(participant.room_id, []).append(
            {"person": person(participant), "online": participant.connections > 0}
        )
    return changes


def announce(changes: dict[int, list[dict]]) -> None:
    """Tell the pages of each room who is online now, from outside any socket (the minutely
    task, after ``sweep_gone_processes``)."""
    for room_id, people in changes.items():
        message = {"type": "presence", "changes": people}
        broadcast.tell(room_id, message, broadcast.EVERYONE, broadcast.HOSTS)


class Heartbeats:
    """This process's heartbeat task, per event loop, while it holds classroom pages."""

    def __init__(self) -> None:
        self.tasks: dict[int, asyncio.Task] = {}

    def reset(self) -> None:
        self.tasks.clear()


heartbeats = runtime.register("live.heartbeats", Heartbeats())


def keep_beating() -> None:
    """Keep this process writing which pages it has open (``beat``) while it has any, so that,
    should it die without closing them, the others take them off the counts."""
    loop = asyncio.get_running_loop()
    task = heartbeats.tasks.get(id(loop))
    if task is None or task.done() or task.get_loop() is not loop:
        heartbeats.tasks[id(loop)] = loop.create_task(_beat_while_open())


async def _beat_while_open() -> None:
    while True:
        try:
            if not await database_sync_to_async(beat)():
                return  # nothing open: the next connection starts beating again
        except Exception:
            logger.exception("This process's classroom connections could not be written")
        await asyncio.sleep(BEAT_EVERY)


# --- Presence news, batched per room -------------------------------------------------------------


class PresenceOut:
    """Presence changes bound for one audience of a room, sent as one message at most every
    PRESENCE_EVERY seconds: the first change of a quiet room goes at once, those that follow
    within the interval together at its end, each person as they are last.

    Why: in a room of n people every arrival is news to all of them, so a class arriving at
    once costs n² messages one by one; an assembly of 1,000 filling up over ten seconds is ten
    messages to each member instead of a thousand. In a room larger than PRESENCE_CROWD the
    interval grows with it, up to PRESENCE_EVERY_MOST: each message goes to more pages. And
    with several server processes each sends its own: on Redis with two, a school connecting
    at once at 0.25 s was ~10,000 presence deliveries a second, more than channels_redis
    receives (one message per Redis round trip), and presence fell 6 s behind the welcomes;
    at 0.5 s, and 1 s in the assembly, 1.4 s (bench/live_classroom).
    """

    def __init__(self, layer: Any, room_id: int, audience: broadcast.Audience) -> None:
        self.layer, self.room_id, self.audience = layer, room_id, audience
        self.loop = asyncio.get_running_loop()
        self.pending: dict[int, dict] = {}
        self.timer: asyncio.TimerHandle | None = None
        self.every = PRESENCE_EVERY

    def add(self, change: dict, crowd: int = 1) -> None:
        """Queue ``change`` for an audience of about ``crowd`` pages."""
        self.every = min(PRESENCE_EVERY * max(1.0, crowd / PRESENCE_CROWD), PRESENCE_EVERY_MOST)
        self.pending[change["person"]["user"]] = {
            "person": change["person"],
            "online": change["online"],
        }
        if self.timer is None:
            self._flush()

    def _flush(self) -> None:
        loop = self.loop
        if not self.pending:
            # A whole interval without news: the room is quiet again.
            self.timer = None
            presence_outs.drop(self)
            return
        message = {"type": "presence", "changes": list(self.pending.values())}
        self.pending = {}
        presence_outs.send(
            loop.create_task(
                broadcast.atell(self.room_id, message, self.audience, layer=self.layer)
            )
        )
        self.timer = loop.call_later(self.every, self._flush)


class PresenceOuts:
    """The presence batches of this process, one per channel layer, room and audience, and
    the sends under way (kept until done, or the loop would drop them)."""

    def __init__(self) -> None:
        self.outs: dict[tuple[int, int, broadcast.Audience], PresenceOut] = {}
        self.sending: set[asyncio.Task] = set()

    def reset(self) -> None:
        self.outs.clear()
        self.sending.clear()

    def get(self, layer: Any, room_id: int, audience: broadcast.Audience) -> PresenceOut:
        key = (id(layer), room_id, audience)
        out = self.outs.get(key)
        if out is None or out.loop is not asyncio.get_running_loop():  # a loop since closed
            out = self.outs[key] = PresenceOut(layer, room_id, audience)
        return out

    def is_batching(self, layer: Any, room_id: int, audience: broadcast.Audience) -> bool:
        return (id(layer), room_id, audience) in self.outs

    def drop(self, out: PresenceOut) -> None:
        key = (id(out.layer), out.room_id, out.audience)
        if self.outs.get(key) is out:
            del self.outs[key]

    def send(self, task: asyncio.Task) -> None:
        self.sending.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task) -> None:
        self.sending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("Presence not sent: %s", task.exception())


presence_outs = runtime.register("live.presence_outs", PresenceOuts())


def tell_presence(
    layer: Any,
    room_id: int,
    change: dict,
    audience: broadcast.Audience = broadcast.EVERYONE,
    *,
    crowd: int = 1,
) -> None:
    """Queue a presence change (``{"type": "presence", "person": …, "online": …}``) for the
    pages of ``room_id`` in ``audience``, about ``crowd`` of them (see ``PresenceOut``)."""
    presence_outs.get(layer, room_id, audience).add(change, crowd)
