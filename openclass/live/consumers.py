"""The classroom channel: one WebSocket per classroom page (``/ws/live/<room>/``) for presence,
chat, hands, reactions, polls and the host's controls. Media never passes here (that is Janus).

Authenticated by the session cookie; who may connect, and what each message may do, is decided
by ``live.tools`` (built on ``live.services.role_for``): anonymous connections are closed with
4401, people who may not be in the class with 4403. Guests wait in the waiting room, hearing
nothing of the class, until the host admits them.

Client messages are JSON objects with a ``type``: ``chat`` {text}, ``chat.delete`` {id},
``hand`` {raised}, ``hand.lower`` {user}, ``reaction`` {emoji}, ``media`` {audio, video, screen,
streams}, ``unmute`` {kind}, ``poll.open`` {question, choices, correct}, ``poll.answer``
{poll, choice}, ``poll.close`` {poll}, and the host's ``mute`` {user, kind}, ``mute.all``,
``remove`` {user}, ``room`` {locked | screen_share | spotlight}, ``record`` {on},
``breakouts`` {action: open {groups} | move {user, to} | close},
``admit`` {user, admitted}, and ``ticket`` {purpose: camera | screen, request}, answered to
this page alone with ``{"type": "ticket", request, grant}`` (what janus.js needs to join) or
``{"type": "ticket", request, error}``.
A refused message is answered with ``{"type": "error", "message": …}`` (translated).
While the class works in groups, chat stays within each group; a page whose group changes is
sent that group's chat as ``{"type": "chat.history", group, chat}``.
Who is in the room reaches the pages as ``{"type": "presence", "changes": [{person, online}]}``,
several arrivals and departures in one message when they come close together.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from openclass.core.sockets import PageConsumer

from . import services, tools
from .janus import JanusError, JanusUnavailable

CLOSE_UNAUTHENTICATED = 4401
CLOSE_DENIED = 4403
CLOSE_ABUSE = 4429
MAX_MESSAGE_CHARS = 4096
# Chat, reactions and hands: at most this many messages in a burst, refilled one a second.
BURST = 8
PRESENCE_EVERY = 0.5  # seconds between two presence messages to a room of up to …
PRESENCE_CROWD = 250  # … this many people; to a larger one proportionally less often,
PRESENCE_EVERY_MOST = 1.0  # but at least once a second

logger = logging.getLogger(__name__)


def room_group(room_id: int) -> str:
    return f"live-{room_id}"


def hosts_group(room_id: int) -> str:
    return f"live-{room_id}-hosts"


def waiting_group(room_id: int) -> str:
    return f"live-{room_id}-waiting"


def relay_event(group: str, message: dict) -> dict:
    """The channel-layer event that carries ``message`` to every page in ``group`` (each page
    passes on only what comes from the groups it listens to).

    The message is encoded here, once, not by each page: an assembly's presence and chat go to
    a thousand pages, and the in-memory layer would otherwise copy the message for each of
    them too. Beside the text is what a page decides by: the kind, the chat's group, and the
    person a message is about."""
    event = {
        "type": "relay",
        "group": group,
        "kind": message["type"],
        "text": json.dumps(message, ensure_ascii=False),
    }
    if message["type"] == "chat":
        event["chat_group"] = message["group"]
    if "user" in message:
        event["user"] = message["user"]
    return event


class PresenceOut:
    """Presence changes bound for one group, sent as one message at most every
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

    def __init__(self, layer, group: str) -> None:
        self.layer, self.group = layer, group
        self.loop = asyncio.get_running_loop()
        self.pending: dict[int, dict] = {}
        self.timer: asyncio.TimerHandle | None = None
        self.every = PRESENCE_EVERY

    def add(self, change: dict, crowd: int = 1) -> None:
        """Queue ``change`` for a group of about ``crowd`` pages."""
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
            _presence_outs.pop((id(self.layer), self.group), None)
            return
        message = {"type": "presence", "changes": list(self.pending.values())}
        self.pending = {}
        task = loop.create_task(self.layer.group_send(self.group, relay_event(self.group, message)))
        _sending.add(task)
        task.add_done_callback(_sent)
        self.timer = loop.call_later(self.every, self._flush)


_presence_outs: dict[tuple[int, str], PresenceOut] = {}
_sending: set[asyncio.Task] = set()


def _sent(task: asyncio.Task) -> None:
    _sending.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.warning("Presence not sent: %s", task.exception())


def _presence_out(layer, group: str) -> PresenceOut:
    key = (id(layer), group)
    out = _presence_outs.get(key)
    if out is None or out.loop is not asyncio.get_running_loop():  # a loop since closed
        out = _presence_outs[key] = PresenceOut(layer, group)
    return out


_beating: dict[int, asyncio.Task] = {}


def _keep_beating() -> None:
    """Keep this process writing which pages it has open (``tools.beat``) while it has any,
    so that, should it die without closing them, the others take them off the counts."""
    loop = asyncio.get_running_loop()
    task = _beating.get(id(loop))
    if task is None or task.done() or task.get_loop() is not loop:
        _beating[id(loop)] = loop.create_task(_beat_while_open())


async def _beat_while_open() -> None:
    while True:
        try:
            if not await database_sync_to_async(tools.beat)():
                return  # nothing open: the next connection starts beating again
        except Exception:
            logger.exception("This process's classroom connections could not be written")
        await asyncio.sleep(tools.BEAT_EVERY)


def announce_presence(changes: dict[int, list[dict]]) -> None:
    """Tell the pages of each room who is online now, from outside any socket (the minutely
    task that takes a gone server process's pages off the counts)."""
    layer = get_channel_layer()
    for room_id, people in changes.items():
        message = {"type": "presence", "changes": people}
        for group in (room_group(room_id), hosts_group(room_id)):
            async_to_sync(layer.group_send)(group, relay_event(group, message))


class ClassroomConsumer(PageConsumer):
    member: tools.Member | None = None
    # Groups whose messages reach this page; messages from other groups it is in are dropped.
    listening: frozenset[str] = frozenset()
    # The breakout room this page's person is in (None: with the class), whose chat it hears.
    chat_group: int | None = None
    # The first reading of the room, while the page connects.
    connecting: asyncio.Future | None = None
    # About how many pages the room's group has (the people online when this page came in).
    crowd = 1

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        self.language = self.scope.get("cookies", {}).get("django_language")
        self.allowance = float(BURST)
        self.refilled = time.monotonic()
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(CLOSE_UNAUTHENTICATED)
            return
        # In the groups before the room is read for the welcome, so nothing said between the
        # read and the welcome is missed: it waits in the channel and follows the welcome. (Not
        # yet listening: what a refused or waiting page was sent meanwhile is dropped.)
        everyone, hosts = room_group(self.room_id), hosts_group(self.room_id)
        for group in (everyone, hosts):
            await self.channel_layer.group_add(group, self.channel_name)
        # Shielded: should this consumer be cancelled meanwhile, the read still ends (and is
        # counted), and __call__ counts it out.
        self.connecting = asyncio.ensure_future(
            database_sync_to_async(tools.connect)(user, self.room_id)
        )
        try:
            self.member, welcome = await asyncio.shield(self.connecting)
        except (PermissionDenied, ObjectDoesNotExist) as refusal:
            self.connecting = None
            await self._leave_groups()
            await self.send_json({"type": "denied", "message": str(refusal)})
            await self.close(CLOSE_DENIED)
            return
        # Counted in: from here on, however this ends, __call__ counts self.member out.
        self.connecting = None
        if tools.shares_rooms():
            _keep_beating()
        if welcome["you"]["waiting"]:
            await self._leave_groups()
            await self.channel_layer.group_add(waiting_group(self.room_id), self.channel_name)
            self.listening = frozenset({waiting_group(self.room_id)})
            await self.send_json({"type": "waiting"})
            await self._broadcast(hosts, welcome.pop("presence"))
            return
        await self._enter(welcome)

    async def _enter(self, welcome: dict) -> None:
        everyone, hosts = room_group(self.room_id), hosts_group(self.room_id)
        await self.channel_layer.group_add(everyone, self.channel_name)
        if self.member.is_host:
            await self.channel_layer.group_add(hosts, self.channel_name)
            self.listening = frozenset({everyone, hosts})
        else:
            await self.channel_layer.group_discard(hosts, self.channel_name)
            self.listening = frozenset({everyone})
        arrival = welcome.pop("presence")
        self.chat_group = welcome["group"]
        self.crowd = len(welcome["people"])
        await self.send_json(welcome)
        await self._broadcast(everyone, arrival)

    async def _leave_groups(self) -> None:
        self.listening = frozenset()
        for group in (room_group, hosts_group, waiting_group):
            await self.channel_layer.group_discard(group(self.room_id), self.channel_name)

    async def __call__(self, scope, receive, send) -> None:
        """The page is counted out however this consumer ends: the page leaving, a handler
        failing, or the channel layer failing under it (Redis timing out), which ends the
        consumer without a disconnect. Otherwise it would stay "online" for good."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            await asyncio.shield(self._count_out())

    async def _count_out(self) -> None:
        with contextlib.suppress(Exception):  # logged where it failed; nothing more to do
            if self.member is None and self.connecting is not None:
                # Cancelled while the room was read: the connection was counted all the same.
                self.member = (await self.connecting)[0]
            await self.disconnect(1011)

    async def disconnect(self, code: int) -> None:
        if self.member is None:
            return
        member, self.member = self.member, None  # count out once, however we got here
        # The count first: whatever happens to the channel layer below, presence stays right.
        gone = await database_sync_to_async(tools.disconnect)(member)
        await self._leave_groups()
        await self._broadcast(room_group(self.room_id), gone)
        await self._broadcast(hosts_group(self.room_id), gone)

    # --- from the page ------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.member is None or not text_data or len(text_data) > MAX_MESSAGE_CHARS:
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        with translation.override(self.language or "ko"):
            if kind in ("chat", "reaction", "hand", "ticket") and not self._take_allowance():
                await self._refuse(message, _("Not so fast: wait a moment and try again."))
                return
            if kind == "ticket":
                await self._ticket(message)
                return
            try:
                await self._dispatch(kind, message)
            except (PermissionDenied, ValidationError) as refusal:
                text = (
                    " ".join(refusal.messages)
                    if isinstance(refusal, ValidationError)
                    else str(refusal)
                )
                await self.send_json({"type": "error", "message": text})

    async def _refuse(self, message: dict, text: str) -> None:
        if message.get("type") == "ticket":
            await self.send_json(
                {"type": "ticket", "request": message.get("request"), "error": text}
            )
        else:
            await self.send_json({"type": "error", "message": text})

    async def _ticket(self, message: dict) -> None:
        """A ticket for this page's person: written in the database thread, its token given to
        Janus from another (so the sockets' shared database thread never waits on Janus)."""
        call = database_sync_to_async
        try:
            pending = await call(tools.prepare_ticket)(
                self.scope["user"], self.member, message.get("purpose")
            )
            if not await asyncio.to_thread(services.allow_ticket, pending):
                pending = await call(services.place_ticket_again)(pending)
        except (PermissionDenied, ValidationError) as refusal:
            text = (
                " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
            )
            await self._refuse(message, text)
            return
        except ObjectDoesNotExist:  # their participant row went with the room
            await self._refuse(message, _("This live class is not open to you."))
            return
        except (JanusUnavailable, JanusError) as failure:
            logger.warning("No ticket for room %s: %s", self.room_id, failure)
            await self._refuse(
                message, _("The video server is not answering. Try again in a minute.")
            )
            return
        grant = pending.grant.as_json()
        await self.send_json({"type": "ticket", "request": message.get("request"), "grant": grant})

    def _take_allowance(self) -> bool:
        now = time.monotonic()
        self.allowance = min(BURST, self.allowance + (now - self.refilled))
        self.refilled = now
        if self.allowance < 1:
            return False
        self.allowance -= 1
        return True

    async def _dispatch(self, kind: object, m: dict) -> None:
        member = self.member
        everyone = room_group(self.room_id)
        call = database_sync_to_async
        if (
            member.role == tools.Role.GUEST
            and (await call(tools.presence)(member))["person"]["waiting"]
        ):
            return
        if kind == "chat":
            await self._broadcast(everyone, await call(tools.chat)(member, m.get("text")))
        elif kind == "chat.delete":
            await self._broadcast(everyone, await call(tools.delete_chat)(member, m.get("id")))
        elif kind == "hand":
            queue = await call(tools.raise_hand)(member, bool(m.get("raised")))
            await self._broadcast(everyone, queue)
        elif kind == "hand.lower":
            await self._broadcast(everyone, await call(tools.lower_hand)(member, m.get("user")))
        elif kind == "reaction":
            await self._broadcast(everyone, await call(tools.react)(member, m.get("emoji")))
        elif kind == "media":
            update = await call(tools.report_media)(
                member, m.get("audio"), m.get("video"), m.get("screen"), m.get("streams")
            )
            await self._broadcast(everyone, update)
        elif kind == "unmute":
            await call(tools.unmute_self)(member, m.get("kind"))
        elif kind == "poll.open":
            poll = await call(tools.open_poll)(
                member, m.get("question"), m.get("choices"), m.get("correct")
            )
            await self._broadcast(everyone, poll)
        elif kind == "poll.answer":
            tally = await call(tools.answer_poll)(member, m.get("poll"), m.get("choice"))
            await self.send_json({"type": "poll.answered", "poll": m.get("poll")})
            await self._broadcast(hosts_group(self.room_id), tally)
        elif kind == "poll.close":
            await self._broadcast(everyone, await call(tools.close_poll)(member, m.get("poll")))
        elif kind == "mute":
            await self._broadcast(
                everyone, await call(tools.mute)(member, m.get("user"), m.get("kind"))
            )
        elif kind == "mute.all":
            for muted in await call(tools.mute_all)(member):
                await self._broadcast(everyone, muted)
        elif kind == "remove":
            await self._broadcast(everyone, await call(tools.remove)(member, m.get("user")))
        elif kind == "room":
            changes = {k: m[k] for k in ("locked", "screen_share", "spotlight") if k in m}
            await self._broadcast(everyone, await call(tools.set_room)(member, **changes))
        elif kind == "breakouts":
            options = {k: m[k] for k in ("groups", "user", "to") if k in m}
            plan = await call(tools.breakouts)(member, m.get("action"), **options)
            await self._broadcast(everyone, plan)
        elif kind == "record":
            await self._broadcast(everyone, await call(tools.record)(member, m.get("on")))
        elif kind == "admit":
            admitted = await call(tools.admit)(member, m.get("user"), bool(m.get("admitted")))
            await self._broadcast(waiting_group(self.room_id), admitted)
            await self._broadcast(hosts_group(self.room_id), admitted)
        else:
            await self.send_json({"type": "error", "message": "unknown message"})

    # --- to the page --------------------------------------------------------------------------

    async def _broadcast(self, group: str, message: dict) -> None:
        if message.get("type") == "presence":
            crowd = self.crowd if group == room_group(self.room_id) else 1
            _presence_out(self.channel_layer, group).add(message, crowd)
            return
        await self.channel_layer.group_send(group, relay_event(group, message))

    async def relay(self, event: dict) -> None:
        if event.get("group") not in self.listening:
            return
        kind = event["kind"]
        if kind == "chat" and event["chat_group"] != self.chat_group:
            return  # another group's talk
        await self.send(text_data=event["text"])
        if self.member is None:
            return
        if kind == "breakouts":
            await self._follow_group(json.loads(event["text"])["rooms"])
        if event.get("user") == self.member.user_id:
            if kind == "removed":
                await self.close(CLOSE_DENIED)
            elif kind == "admitted" and not self.member.is_host:
                await self.channel_layer.group_discard(
                    waiting_group(self.room_id), self.channel_name
                )
                if json.loads(event["text"])["admitted"]:
                    self.listening = frozenset()
                    await self.channel_layer.group_add(room_group(self.room_id), self.channel_name)
                    user = self.scope["user"]
                    self.member, welcome = await database_sync_to_async(tools.connect)(
                        user, self.room_id
                    )
                    # connect() counted this connection again.
                    await database_sync_to_async(tools.disconnect)(self.member)
                    await self._enter(welcome)
                else:
                    await self.close(CLOSE_DENIED)

    async def _follow_group(self, rooms: list[dict]) -> None:
        """Moved into a group, back to the class, or the groups closed: the page's chat becomes
        that of where they are now."""
        group = tools.group_of(self.member.user_id, rooms)
        if group == self.chat_group:
            return
        self.chat_group = group
        history = await database_sync_to_async(tools.chat_history)(self.room_id, group)
        await self.send_json({"type": "chat.history", "group": group, "chat": history})

    async def send_json(self, message: dict) -> None:
        await self.send(text_data=json.dumps(message, ensure_ascii=False))
