"""The classroom channel: one WebSocket per classroom page (``/ws/live/<room>/``) for presence,
chat, hands, reactions, polls and the host's controls. Media never passes here (that is Janus).

Authenticated by the session cookie; who may connect, and what each message may do, is decided
by ``live.services`` (built on ``live.access``): anonymous connections are closed with 4401,
people who may not be in the class with 4403. Guests wait in the waiting room, hearing nothing
of the class, until the host admits them.

Client messages are JSON objects with a ``type``: ``chat`` {text}, ``chat.delete`` {id},
``hand`` {raised}, ``hand.lower`` {user}, ``reaction`` {emoji}, ``media`` {audio, video, screen,
streams}, ``unmute`` {kind}, ``poll.open`` {question, choices, correct}, ``poll.answer``
{poll, choice}, ``poll.close`` {poll}, and the host's ``mute`` {user, kind}, ``mute.all``,
``remove`` {user}, ``room`` {locked | screen_share | spotlight}, ``record`` {on},
``breakouts`` {action: open {groups} | move {user, to} | close},
``admit`` {user, admitted}. Two are answered to this page alone, matched by their request
number: ``ticket`` {purpose: camera | screen, request}, with ``{"type": "ticket", request,
grant}`` (what janus.js needs to join) or ``{"type": "ticket", request, error}``; and the
host's ``start`` {request}, which starts the class (every page then hears its state), with
``{"type": "started", request}`` or ``{"type": "started", request, error}``.
A refused message is answered with ``{"type": "error", "message": …, "denied": …}``
(translated; ``denied`` is true when the sender may not do it at all, false when what they sent
was wrong), and a refused request with its ``error`` and ``denied``.
While the class works in groups, chat stays within each group; a page whose group changes is
sent that group's chat as ``{"type": "chat.history", group, chat}``.
Who is in the room reaches the pages as ``{"type": "presence", "changes": [{person, online}]}``,
several arrivals and departures in one message when they come close together
(``presence.PresenceOut``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

from channels.db import database_sync_to_async
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from openclass.core.sockets import PageConsumer
from openclass.core.views import error_text

from . import presence
from .access import Member
from .broadcast import EVERYONE, HOSTS, WAITING, Audience, atell, group_name
from .janus import JanusError, JanusUnavailable
from .services import breakouts, chat, entry, moderation, polls, recordings, rooms, tickets

CLOSE_UNAUTHENTICATED = 4401
CLOSE_DENIED = 4403
CLOSE_ABUSE = 4429
MAX_MESSAGE_CHARS = 4096
# Chat, reactions, hands and requests: at most this many messages in a burst, refilled one a
# second.
BURST = 8
LIMITED = frozenset({"chat", "reaction", "hand", "ticket", "start"})
# Seconds between the tries of a media report naming a feed Janus has not told us of yet.
MEDIA_REPORT_AGAIN = (0.5, 1, 2, 4, 8, 15)
# Messages answered to their page alone, by request number: their answer's type.
REQUESTS = {"ticket": "ticket", "start": "started"}

logger = logging.getLogger(__name__)

call = database_sync_to_async


def _refusal(error: PermissionDenied | ValidationError) -> str:
    return error_text(error) if isinstance(error, ValidationError) else str(error)


def _denied(error: PermissionDenied | ValidationError) -> bool:
    """Whether a refusal says the sender may not do this at all (not that they sent it wrong)."""
    return isinstance(error, PermissionDenied)


class ClassroomConsumer(PageConsumer):
    member: Member | None = None
    # Groups whose messages reach this page; messages from other groups it is in are dropped.
    listening: frozenset[str] = frozenset()
    # The breakout room this page's person is in (None: with the class), whose chat it hears.
    chat_group: int | None = None
    # The first reading of the room, while the page connects.
    connecting: asyncio.Future | None = None
    # About how many pages the room's group has (the people online when this page came in).
    crowd = 1
    # The page's media reports: how many so far, one stored at a time, the next try of the last.
    media_reports = 0
    media_again: asyncio.Future | None = None

    async def connect(self) -> None:
        self.media_lock = asyncio.Lock()
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
        for audience in (EVERYONE, HOSTS):
            await self.channel_layer.group_add(self._group(audience), self.channel_name)
        # Shielded: should this consumer be cancelled meanwhile, the read still ends (and is
        # counted), and __call__ counts it out.
        self.connecting = asyncio.ensure_future(call(entry.connect)(user, self.room_id))
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
        if presence.shares_rooms():
            presence.keep_beating()
        if welcome["you"]["waiting"]:
            await self._leave_groups()
            await self.channel_layer.group_add(self._group(WAITING), self.channel_name)
            self.listening = frozenset({self._group(WAITING)})
            await self.send_json({"type": "waiting"})
            await self._tell(HOSTS, welcome.pop("presence"))
            return
        await self._enter(self.member, welcome)

    def _group(self, audience: Audience) -> str:
        return group_name(self.room_id, audience)

    async def _enter(self, member: Member, welcome: dict) -> None:
        everyone, hosts = self._group(EVERYONE), self._group(HOSTS)
        await self.channel_layer.group_add(everyone, self.channel_name)
        if member.is_host:
            await self.channel_layer.group_add(hosts, self.channel_name)
            self.listening = frozenset({everyone, hosts})
        else:
            await self.channel_layer.group_discard(hosts, self.channel_name)
            self.listening = frozenset({everyone})
        arrival = welcome.pop("presence")
        self.chat_group = welcome["group"]
        self.crowd = len(welcome["people"])
        await self.send_json(welcome)
        await self._tell(EVERYONE, arrival)

    async def _report_media(self, member: Member, message: dict) -> None:
        """What the page sends, told to the room. A feed Janus has not told us of yet is not
        shown as theirs (the others' pages could not tell whose microphone a tile shows), so
        the same report is made again, later each time, until it has, or a newer report or the
        page leaving takes its place. One report at a time: the newest is the one stored."""
        self.media_reports += 1
        mine = self.media_reports
        if self.media_again is not None:
            self.media_again.cancel()  # asleep between tries: the lock below is not held then

        async def report() -> bool:
            async with self.media_lock:
                if mine != self.media_reports:
                    return True  # a newer report took its place
                update, known = await call(presence.report_media)(
                    member,
                    message.get("audio"),
                    message.get("video"),
                    message.get("screen"),
                    message.get("streams"),
                )
                await self._tell(EVERYONE, update)
                return known

        async def again() -> None:
            for wait in MEDIA_REPORT_AGAIN:
                await asyncio.sleep(wait)
                if await asyncio.shield(report()):
                    return

        if not await report():
            self.media_again = asyncio.ensure_future(again())

    async def _leave_groups(self) -> None:
        self.listening = frozenset()
        for audience in (EVERYONE, HOSTS, WAITING):
            await self.channel_layer.group_discard(self._group(audience), self.channel_name)

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
        self.media_reports += 1
        if self.media_again is not None:
            self.media_again.cancel()
        # The count first: whatever happens to the channel layer below, presence stays right.
        gone = await call(entry.disconnect)(member)
        await self._leave_groups()
        await self._tell(EVERYONE, gone)
        await self._tell(HOSTS, gone)

    # --- from the page ------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        member = self.member
        if member is None or not text_data or len(text_data) > MAX_MESSAGE_CHARS:
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        if not isinstance(kind, str):
            kind = None  # answered as an unknown message (a list, say, would not even hash)
        with translation.override(self.language or "ko"):
            if kind in LIMITED and not self._take_allowance():
                await self._refuse(message, _("Not so fast: wait a moment and try again."), False)
                return
            if kind == "ticket":
                await self._ticket(message)
                return
            if kind == "start":
                await self._start(message)
                return
            try:
                await self._dispatch(member, kind, message)
            except (PermissionDenied, ValidationError) as refusal:
                await self._refuse(message, _refusal(refusal), _denied(refusal))

    async def _refuse(self, message: dict, text: str, denied: bool) -> None:
        answer = REQUESTS.get(str(message.get("type")))
        if answer is not None:
            await self.send_json(
                {"type": answer, "request": message.get("request"), "error": text, "denied": denied}
            )
        else:
            await self.send_json({"type": "error", "message": text, "denied": denied})

    async def _ticket(self, message: dict) -> None:
        """A ticket for this page's person: written in the database thread, its token given to
        Janus from another (so the sockets' shared database thread never waits on Janus)."""
        try:
            pending = await call(tickets.prepare_ticket)(self.member, message.get("purpose"))
            if not await asyncio.to_thread(tickets.allow_ticket, pending):
                pending = await call(tickets.place_ticket_again)(pending)
        except (PermissionDenied, ValidationError) as refusal:
            await self._refuse(message, _refusal(refusal), _denied(refusal))
            return
        except ObjectDoesNotExist:  # their participant row went with the room
            await self._refuse(message, _("This live class is not open to you."), True)
            return
        except (JanusUnavailable, JanusError) as failure:
            logger.warning("No ticket for room %s: %s", self.room_id, failure)
            await self._refuse(
                message, _("The video server is not answering. Try again in a minute."), False
            )
            return
        grant = pending.grant.as_json()
        await self.send_json({"type": "ticket", "request": message.get("request"), "grant": grant})

    async def _start(self, message: dict) -> None:
        """The host starts the class from this page: every page of the class hears it (and
        may join), this one is answered by its request number."""
        try:
            state = await call(rooms.start_own_class)(self.member)
        except (PermissionDenied, ValidationError) as refusal:
            await self._refuse(message, _refusal(refusal), _denied(refusal))
            return
        await self.send_json({"type": "started", "request": message.get("request")})
        await self._tell(EVERYONE, state)

    def _take_allowance(self) -> bool:
        now = time.monotonic()
        self.allowance = min(BURST, self.allowance + (now - self.refilled))
        self.refilled = now
        if self.allowance < 1:
            return False
        self.allowance -= 1
        return True

    async def _dispatch(self, member: Member, kind: object, m: dict) -> None:
        if member.is_guest and (await call(presence.presence_of)(member))["person"]["waiting"]:
            return
        if kind == "chat":
            await self._tell(EVERYONE, await call(chat.send_chat)(member, m.get("text")))
        elif kind == "chat.delete":
            await self._tell(EVERYONE, await call(chat.delete_chat)(member, m.get("id")))
        elif kind == "hand":
            queue = await call(chat.raise_hand)(member, bool(m.get("raised")))
            await self._tell(EVERYONE, queue)
        elif kind == "hand.lower":
            await self._tell(EVERYONE, await call(chat.lower_hand)(member, m.get("user")))
        elif kind == "reaction":
            await self._tell(EVERYONE, await call(chat.react)(member, m.get("emoji")))
        elif kind == "media":
            await self._report_media(member, m)
        elif kind == "unmute":
            await call(moderation.unmute_self)(member, m.get("kind"))
        elif kind == "poll.open":
            poll = await call(polls.open_poll)(
                member, m.get("question"), m.get("choices"), m.get("correct")
            )
            await self._tell(EVERYONE, poll)
        elif kind == "poll.answer":
            tally = await call(polls.answer_poll)(member, m.get("poll"), m.get("choice"))
            await self.send_json({"type": "poll.answered", "poll": m.get("poll")})
            await self._tell(HOSTS, tally)
        elif kind == "poll.close":
            await self._tell(EVERYONE, await call(polls.close_poll)(member, m.get("poll")))
        elif kind == "mute":
            muted = await call(moderation.mute)(member, m.get("user"), m.get("kind"))
            await self._tell(EVERYONE, muted)
        elif kind == "mute.all":
            for muted in await call(moderation.mute_all)(member):
                await self._tell(EVERYONE, muted)
        elif kind == "remove":
            removed = await call(moderation.remove_participant)(member, m.get("user"))
            await self._tell(EVERYONE, removed)
        elif kind == "room":
            changes = {k: m[k] for k in ("locked", "screen_share", "spotlight") if k in m}
            await self._tell(EVERYONE, await call(moderation.set_room)(member, **changes))
        elif kind == "breakouts":
            await self._tell(EVERYONE, await self._breakouts(member, m))
        elif kind == "record":
            await self._tell(EVERYONE, await call(recordings.record_class)(member, m.get("on")))
        elif kind == "admit":
            admitted = await call(moderation.admit_guest)(
                member, m.get("user"), bool(m.get("admitted"))
            )
            await self._tell(WAITING, admitted)
            await self._tell(HOSTS, admitted)
        else:
            await self.send_json(
                {
                    "type": "error",
                    "message": _("Unknown kind of request."),
                    "unknown": True,
                    "denied": False,
                }
            )

    async def _breakouts(self, member: Member, m: dict) -> dict:
        action = m.get("action")
        if action == "open":
            return await call(breakouts.open_breakouts)(member, m.get("groups"))
        if action == "move":
            return await call(breakouts.move_to_group)(member, m.get("user"), m.get("to"))
        if action == "close":
            return await call(breakouts.close_breakouts)(member)
        raise ValidationError(_("Unknown kind of request."))

    # --- to the page --------------------------------------------------------------------------

    async def _tell(self, audience: Audience, message: dict) -> None:
        """``message`` to every page of this room in ``audience`` (presence batched)."""
        if message["type"] == "presence":
            crowd = self.crowd if audience is EVERYONE else 1
            presence.tell_presence(self.channel_layer, self.room_id, message, audience, crowd=crowd)
            return
        await atell(self.room_id, message, audience, layer=self.channel_layer)

    async def relay(self, event: dict) -> None:
        if event.get("group") not in self.listening:
            return
        kind = event["kind"]
        if kind == "chat" and event["chat_group"] != self.chat_group:
            return  # another group's talk
        await self.send(text_data=event["text"])
        member = self.member
        if member is None:
            return
        if kind == "breakouts":
            await self._follow_group(member, json.loads(event["text"])["rooms"])
        if event.get("user") == member.user_id:
            if kind == "removed":
                await self.close(CLOSE_DENIED)
            elif kind == "admitted" and not member.is_host:
                await self.channel_layer.group_discard(self._group(WAITING), self.channel_name)
                if json.loads(event["text"])["admitted"]:
                    self.listening = frozenset()
                    await self.channel_layer.group_add(self._group(EVERYONE), self.channel_name)
                    self.member, welcome = await call(entry.rejoin)(
                        self.scope["user"], self.room_id
                    )
                    await self._enter(self.member, welcome)
                else:
                    await self.close(CLOSE_DENIED)

    async def _follow_group(self, member: Member, groups: list[dict]) -> None:
        """Moved into a group, back to the class, or the groups closed: the page's chat becomes
        that of where they are now."""
        group = chat.group_of(member.user_id, groups)
        if group == self.chat_group:
            return
        self.chat_group = group
        history = await call(chat.chat_history)(self.room_id, group)
        await self.send_json({"type": "chat.history", "group": group, "chat": history})

    async def send_json(self, message: dict) -> None:
        await self.send(text_data=json.dumps(message, ensure_ascii=False))
