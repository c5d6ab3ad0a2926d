"""In-class tools (F-12): presence, chat, raised hands, reactions, polls and quick quizzes, and
the host's controls (mute, camera off, remove, lock, spotlight, screen sharing, waiting room).

Each function checks who is asking, changes what must last in the database (so several server
processes and a reconnecting page agree), and returns the message every member of the room is
sent. The WebSocket consumer (``consumers.py``) is a thin shell around these.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import secrets
import socket
import threading
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.accounts.models import User
from openclass.core.db import CompiledObjectQuery, CompiledQuery

from . import registry, services
from .janus import JanusError, JanusUnavailable
from .models import (
    ChatMessage,
    LiveRoom,
    Participant,
    Poll,
    PollAnswer,
    ServerProcess,
    Stay,
    Ticket,
)

Role = Participant.Role
Admission = Participant.Admission

REACTIONS = ("👍", "👏", "😀", "😮", "❤️", "❓")
CHAT_HISTORY = 50
MAX_CHOICES = 6


@dataclass
class Member:
    """Who is on the other end of one classroom connection."""

    participant_id: int
    room_id: int
    user_id: int
    name: str
    role: str

    @property
    def is_host(self) -> bool:
        return self.role == Role.HOST


def _host(member: Member) -> None:
    if not member.is_host:
        raise PermissionDenied(_("Only the teacher can do this."))


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
        "waiting": admission == Admission.WAITING,
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
# Read at every arrival, and in an assembly for hundreds of people each time: prepared.
_ONLINE = CompiledQuery(
    lambda room: Participant.objects.filter(room_id=room, connections__gt=0).values_list(
        *_PERSON_COLUMNS
    )
)
_ONLINE_ADMITTED = CompiledQuery(
    lambda room: (
        Participant.objects.filter(room_id=room, connections__gt=0)
        .exclude(admission=Admission.WAITING)
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


def room_state(room: LiveRoom) -> dict:
    return {
        "type": "state",
        "status": room.status,
        "locked": room.locked,
        "screenShare": room.students_may_share_screen,
        "spotlight": room.spotlight_id,
        "recording": room.is_recording,
    }


# --- Connecting -------------------------------------------------------------------------------


_earlier_runs = {"forgotten": False}
_earlier_runs_lock = threading.Lock()


def shares_rooms() -> bool:
    """Whether other server processes may hold pages of the same rooms: on Redis, any number
    of them, on this machine or others. Embedded (no Redis) this process is the only one."""
    return bool(settings.REDIS_URL)


def forget_connections_of_earlier_runs() -> None:
    """Once per server process, before its first classroom connection: a lone process (the
    embedded default) is the only one holding connections, so any counted before it started
    belong to a run that ended — a restart or a crash — and their pages reconnect to this one.
    Without this, everyone would stay "online" after a restart. When processes share the rooms
    the others' counts are live and nothing is reset here: a process that goes without
    closing its pages is found by its missing heartbeat (``sweep_gone_processes``)."""
    with _earlier_runs_lock:
        if _earlier_runs["forgotten"]:
            return
        if not shares_rooms():
            Participant.objects.filter(connections__gt=0).update(connections=0)
        _earlier_runs["forgotten"] = True


# --- This process's pages, when processes share the rooms -------------------------------------

BEAT_EVERY = 5.0  # seconds between two writes of a process's open pages
GONE_AFTER = 30.0  # a process not written for this long has gone, and its pages with it


class _OpenPages:
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


_open_pages = _OpenPages()


def beat() -> int:
    """Write which pages this process has open (every BEAT_EVERY seconds while it has classroom
    connections, when processes share the rooms); returns how many. Had this process been
    taken for gone (its writes held up past GONE_AFTER) and its pages taken off the counts,
    they are counted again."""
    key, pages = _open_pages.now_open()
    with transaction.atomic():
        _row, created = ServerProcess.objects.update_or_create(
            key=key, defaults={"beat_at": timezone.now(), "connections": pages}
        )
        if created and _open_pages.written:  # our row was swept: count our pages again
            for participant_id, count in pages.items():
                Participant.objects.filter(pk=int(participant_id)).update(
                    connections=F("connections") + count
                )
    _open_pages.written = True
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


# What a connection reads of the participant, their room, its session and course (the rest
# stays deferred): every page of a class arriving at once comes here.
_CONNECTING = CompiledObjectQuery(
    lambda room, user: Participant.objects.filter(
        room_id=room, room__parent__isnull=True, user_id=user
    ),
    {
        "": [
            "id",
            "room_id",
            "user_id",
            "role",
            "admission",
            "removed_at",
            "breakout_id",
            "connections",
            "hand_raised_at",
            "media",
        ],
        "room": [
            "id",
            "session_id",
            "parent_id",
            "status",
            "locked",
            "students_may_share_screen",
            "spotlight_id",
            "is_recording",
        ],
        "room__session": ["id", "course_id", "kind"],
        "room__session__course": ["id", "is_published", "owner_id", "organisation_id"],
    },
)


def connect(user: User, room_id: int) -> tuple[Member, dict]:
    """A classroom page connects: who they are (PermissionDenied if they may not be here) and
    everything the page needs to draw the room."""
    if not _earlier_runs["forgotten"]:
        forget_connections_of_earlier_runs()
    known = _CONNECTING.first(room_id, user.pk)
    if known is None:  # a first visit (a guest, a teacher), or no such room
        room = LiveRoom.objects.select_related("session__course").get(pk=room_id, parent=None)
    else:
        room = known.room
    participant = services.participant_for(user, room, known)
    if participant.removed_at is not None:
        raise PermissionDenied(_("The teacher has removed you from this class."))
    Participant.objects.filter(pk=participant.pk).update(connections=F("connections") + 1)
    participant.connections += 1
    _open_pages.count(participant.pk, +1)
    member = Member(
        participant.pk, room.pk, user.pk, user.get_full_name() or user.username, participant.role
    )
    groups = services.breakout_plan(room)["rooms"]
    group = group_of(user.pk, groups)
    open_poll = _OPEN_POLL.first(room.pk)
    me = person(participant)
    welcome = {
        "type": "welcome",
        "you": me,
        # What everyone else is told of this arrival (sent by the consumer, not to the page).
        "presence": {"type": "presence", "person": me, "online": True},
        "people": people_online(room, with_waiting=member.is_host),
        "chat": chat_history(room.pk, group),
        "group": group,
        "hands": hand_queue(room)["queue"],
        "poll": poll_message(open_poll, user)["poll"] if open_poll else None,
        "breakouts": groups,
        **{k: v for k, v in room_state(room).items() if k != "type"},
    }
    return member, welcome


def disconnect(member: Member) -> dict:
    Participant.objects.filter(pk=member.participant_id, connections__gt=0).update(
        connections=F("connections") - 1
    )
    _open_pages.count(member.participant_id, -1)
    participant = Participant.objects.select_related("user").get(pk=member.participant_id)
    return {
        "type": "presence",
        "person": person(participant),
        "online": participant.connections > 0,
    }


def prepare_ticket(user: User, member: Member, purpose: object) -> services.PendingTicket:
    """A ticket for ``user`` (``member``) to join the class's media, asked for over the page's
    socket (``services.prepare_ticket``): it knows who is asking already, so a join costs no
    page request, session or user lookup."""
    if purpose not in Ticket.Purpose.values:
        raise ValidationError(_("Unknown kind of stream."))
    return services.participant_ticket(user, member.participant_id, purpose)


def presence(member: Member) -> dict:
    participant = Participant.objects.select_related("user").get(pk=member.participant_id)
    return {
        "type": "presence",
        "person": person(participant),
        "online": participant.connections > 0,
    }


def report_media(member: Member, audio: bool, video: bool, screen: bool, streams: list) -> dict:
    """The page says what it sends (for the presence list and for the host's mute)."""
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
    clean = [stream for stream in clean if stream["feed"] in own]
    media = {"audio": bool(audio), "video": bool(video), "screen": bool(screen), "streams": clean}
    Participant.objects.filter(pk=member.participant_id).update(media=media)
    return presence(member)


# --- Chat, hands, reactions -------------------------------------------------------------------


def _chat_message(
    pk: int, group: int | None, author_id: int, name: str, text: str, sent_at: datetime.datetime
) -> dict:
    return {
        "type": "chat",
        "id": pk,
        "group": group,
        "user": author_id,
        "name": name,
        "text": text,
        "at": sent_at.isoformat(),
    }


def chat_message(message: ChatMessage, group: int | None) -> dict:
    author = message.author
    return _chat_message(
        message.pk,
        group,
        message.author_id,
        author.get_full_name() or author.username,
        message.text,
        message.sent_at,
    )


def current_group(participant_id: int) -> int | None:
    """The open group (breakout room) someone is in now, None when with the class."""
    return (
        Participant.objects.filter(
            pk=participant_id, breakout__status=LiveRoom.Status.OPEN
        ).values_list("breakout_id", flat=True)
    ).first()


def group_of(user_id: int, groups: list[dict]) -> int | None:
    """Which of the open groups (as ``breakout_plan`` lists them) ``user_id`` is in."""
    return next((group["id"] for group in groups if user_id in group["members"]), None)


# Read at every arrival (the welcome's chat): prepared.
_CHAT_HISTORY = CompiledQuery(
    lambda room: (
        ChatMessage.objects.filter(room_id=room, deleted_at__isnull=True)
        .order_by("-sent_at", "-pk")
        .values_list("pk", "author_id", "author__name", "author__username", "text", "sent_at")[
            :CHAT_HISTORY
        ]
    )
)


def chat_history(room_id: int, group: int | None) -> list[dict]:
    """The last messages of the class's chat, or of one group's: while the class works in
    groups, each group talks among itself (the host hears the group they visit)."""
    return [
        _chat_message(pk, group, author_id, name or username, text, sent_at)
        for pk, author_id, name, username, text, sent_at in reversed(
            _CHAT_HISTORY.rows(group or room_id)
        )
    ]


def chat(member: Member, text: object) -> dict:
    """A message to the class, or to the group the sender is in."""
    text = str(text or "").strip()
    if not text:
        raise ValidationError(_("Write a message first."))
    if len(text) > 1000:
        raise ValidationError(_("A message can be at most 1,000 characters."))
    group = current_group(member.participant_id)
    message = ChatMessage.objects.create(
        room_id=group or member.room_id, author_id=member.user_id, text=text
    )
    message = ChatMessage.objects.select_related("author").get(pk=message.pk)
    return chat_message(message, group)


def delete_chat(member: Member, message_id: object) -> dict:
    """The host takes a message back, from the class's chat or any of its groups'."""
    _host(member)
    updated = (
        ChatMessage.objects.filter(
            pk=message_id if isinstance(message_id, int) else 0, deleted_at__isnull=True
        )
        .filter(Q(room_id=member.room_id) | Q(room__parent_id=member.room_id))
        .update(deleted_at=timezone.now(), deleted_by_id=member.user_id)
    )
    if not updated:
        raise ValidationError(_("That message is not here."))
    return {"type": "chat.deleted", "id": message_id}


_HANDS = CompiledQuery(
    lambda room: (
        Participant.objects.filter(room_id=room, hand_raised_at__isnull=False)
        .order_by("hand_raised_at", "pk")
        .values_list("user_id", "user__name", "user__username")
    )
)


def hand_queue(room: LiveRoom | int) -> dict:
    room_id = room.pk if isinstance(room, LiveRoom) else room
    return {
        "type": "hands",
        "queue": [
            {"user": user_id, "name": name or username}
            for user_id, name, username in _HANDS.rows(room_id)
        ],
    }


def raise_hand(member: Member, raised: bool) -> dict:
    Participant.objects.filter(pk=member.participant_id).update(
        hand_raised_at=timezone.now() if raised else None
    )
    return hand_queue(member.room_id)


def lower_hand(member: Member, user_id: object) -> dict:
    _host(member)
    Participant.objects.filter(room_id=member.room_id, user_id=user_id).update(hand_raised_at=None)
    return hand_queue(member.room_id)


def react(member: Member, emoji: object) -> dict:
    if emoji not in REACTIONS:
        raise ValidationError(_("Choose one of the reactions."))
    return {"type": "reaction", "user": member.user_id, "name": member.name, "emoji": emoji}


# --- Polls and quick quizzes ------------------------------------------------------------------


# The poll open in a room, if any (every arrival is shown it): prepared.
_OPEN_POLL = CompiledObjectQuery(
    lambda room: Poll.objects.filter(room_id=room, closed_at__isnull=True).order_by(
        "-opened_at", "-pk"
    ),
    {"": ["id", "room_id", "question", "choices", "correct", "closed_at"]},
)


def poll_message(poll: Poll, viewer: User | None = None) -> dict:
    mine = None
    if viewer is not None:
        mine = poll.answers.filter(student=viewer).values_list("choice", flat=True).first()
    return {
        "type": "poll",
        "poll": {
            "id": poll.pk,
            "question": poll.question,
            "choices": poll.choices,
            "quiz": poll.correct is not None,
            "open": poll.closed_at is None,
            "mine": mine,
        },
    }


def poll_results(poll: Poll) -> dict:
    counts = dict(poll.answers.values_list("choice").annotate(n=Count("pk")))
    return {
        "type": "poll.results",
        "poll": poll.pk,
        "counts": [counts.get(index, 0) for index in range(len(poll.choices))],
        "answered": sum(counts.values()),
        "correct": poll.correct if poll.closed_at else None,
    }


def open_poll(member: Member, question: object, choices: object, correct: object) -> dict:
    _host(member)
    question = str(question or "").strip()[:300]
    options = (
        [str(c).strip()[:100] for c in choices or [] if str(c).strip()]
        if isinstance(choices, list)
        else []
    )
    if not question:
        raise ValidationError(_("Write the question."))
    if not 2 <= len(options) <= MAX_CHOICES:
        raise ValidationError(_("Give between two and six choices."))
    if correct is not None and not (isinstance(correct, int) and 0 <= correct < len(options)):
        raise ValidationError(_("The correct answer must be one of the choices."))
    with transaction.atomic():
        Poll.objects.filter(room_id=member.room_id, closed_at__isnull=True).update(
            closed_at=timezone.now()
        )
        poll = Poll.objects.create(
            room_id=member.room_id,
            asked_by_id=member.user_id,
            question=question,
            choices=options,
            correct=correct,
        )
    return poll_message(poll)


def answer_poll(member: Member, poll_id: object, choice: object) -> dict:
    """A student's answer (changeable until the poll closes); returns the tally for the host."""
    if member.role != Role.STUDENT:
        raise PermissionDenied(_("Only students answer polls."))
    poll = Poll.objects.filter(
        pk=poll_id if isinstance(poll_id, int) else 0, room_id=member.room_id
    ).first()
    if poll is None or poll.closed_at is not None:
        raise ValidationError(_("This poll is closed."))
    if not (isinstance(choice, int) and 0 <= choice < len(poll.choices)):
        raise ValidationError(_("Choose one of the answers."))
    PollAnswer.objects.update_or_create(
        poll=poll, student_id=member.user_id, defaults={"choice": choice}
    )
    return poll_results(poll)


def close_poll(member: Member, poll_id: object) -> dict:
    _host(member)
    poll = Poll.objects.filter(
        pk=poll_id if isinstance(poll_id, int) else 0, room_id=member.room_id
    ).first()
    if poll is None:
        raise ValidationError(_("That poll is not here."))
    if poll.closed_at is None:
        poll.closed_at = timezone.now()
        poll.save(update_fields=["closed_at"])
    return poll_results(poll)


# --- The host's controls ----------------------------------------------------------------------


def _moderate(participant: Participant, kind: str, mute: bool) -> None:
    """Have Janus stop (or resume) relaying ``kind`` from the participant's camera feed."""
    streams = [s for s in participant.media.get("streams", []) if s.get("kind") == kind]
    stays = {
        stay.feed_id: stay.room
        for stay in Stay.objects.filter(
            participant=participant, left_at__isnull=True
        ).select_related("room__server")
    }
    for stream in streams:
        room = stays.get(stream["feed"])
        if room is None or room.server is None:
            continue
        with contextlib.suppress(JanusError, JanusUnavailable):
            registry.client(room.server).moderate(
                room.janus_room,
                secret=room.janus_secret,
                feed_id=stream["feed"],
                mid=stream["mid"],
                mute=mute,
            )


def mute(member: Member, user_id: object, kind: str) -> dict:
    """Mute one person's microphone (or turn off their camera): Janus stops relaying it, and
    their page switches it off. They may switch it on again themselves (``unmute_self``)."""
    _host(member)
    if kind not in ("audio", "video"):
        raise ValidationError(_("Unknown kind of stream."))
    participant = (
        Participant.objects.filter(room_id=member.room_id, user_id=user_id)
        .select_related("user")
        .first()
    )
    if participant is None:
        raise ValidationError(_("This person is not in the class."))
    _moderate(participant, kind, True)
    media = {**participant.media, kind: False}
    Participant.objects.filter(pk=participant.pk).update(media=media)
    return {"type": "muted", "user": participant.user_id, "kind": kind, "by": member.name}


def mute_all(member: Member) -> list[dict]:
    _host(member)
    messages = []
    others = Participant.objects.filter(room_id=member.room_id, connections__gt=0).exclude(
        role=Role.HOST
    )
    for participant in others:
        if participant.media.get("audio"):
            messages.append(mute(member, participant.user_id, "audio"))
    return messages


def unmute_self(member: Member, kind: str) -> None:
    """The person switches their own microphone or camera on again after the host's mute."""
    if kind not in ("audio", "video"):
        raise ValidationError(_("Unknown kind of stream."))
    participant = Participant.objects.get(pk=member.participant_id)
    _moderate(participant, kind, False)


def remove(member: Member, user_id: object) -> dict:
    _host(member)
    room = LiveRoom.objects.select_related("session__course").get(pk=member.room_id)
    user = User.objects.filter(pk=user_id if isinstance(user_id, int) else 0).first()
    if user is None:
        raise ValidationError(_("This person is not in the class."))
    actor = User.objects.get(pk=member.user_id)
    services.remove(actor, room, user)
    return {"type": "removed", "user": user.pk}


def set_room(member: Member, **changes: object) -> dict:
    """Lock the room to newcomers, spotlight someone, or let students share their screen."""
    _host(member)
    room = LiveRoom.objects.get(pk=member.room_id)
    fields = []
    if "locked" in changes:
        room.locked = bool(changes["locked"])
        fields.append("locked")
    if "screen_share" in changes:
        room.students_may_share_screen = bool(changes["screen_share"])
        fields.append("students_may_share_screen")
    if "spotlight" in changes:
        spotlight = changes["spotlight"]
        if (
            spotlight is not None
            and not Participant.objects.filter(room=room, user_id=spotlight).exists()
        ):
            raise ValidationError(_("This person is not in the class."))
        room.spotlight_id = spotlight
        fields.append("spotlight")
    room.save(update_fields=fields)
    return room_state(room)


def breakouts(member: Member, action: object, **options: object) -> dict:
    """Groups (모둠 활동방): ``open`` {groups: [[user ids], …]}, ``move`` {user, to: room id or
    None}, ``close``. Returns who is where, for every page to follow."""
    _host(member)
    room = LiveRoom.objects.select_related("session__course").get(pk=member.room_id)
    actor = User.objects.get(pk=member.user_id)
    if action == "open":
        groups = options.get("groups")
        if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
            raise ValidationError(_("Make between two and twenty groups."))
        clean = [[u for u in group if isinstance(u, int)] for group in groups]
        services.open_breakouts(actor, room, clean)
    elif action == "move":
        user = User.objects.filter(
            pk=options.get("user") if isinstance(options.get("user"), int) else 0
        ).first()
        target = options.get("to")
        breakout = None
        if target is not None:
            breakout = LiveRoom.objects.filter(pk=target if isinstance(target, int) else 0).first()
            if breakout is None:
                raise ValidationError(_("That group is not open."))
        if user is None:
            raise ValidationError(_("This person is not in the class."))
        services.move_to(actor, room, user, breakout)
    elif action == "close":
        services.close_breakouts(actor, room)
    else:
        raise ValidationError(_("Unknown kind of request."))
    return services.breakout_plan(room)


def record(member: Member, on: bool) -> dict:
    """Start or stop recording; everyone sees that the class is being recorded."""
    _host(member)
    from . import recording

    actor = User.objects.get(pk=member.user_id)
    room = recording.set_recording(actor, LiveRoom.objects.get(pk=member.room_id), bool(on))
    return room_state(room)


def admit(member: Member, user_id: object, admitted: bool) -> dict:
    """Let a guest in from the waiting room, or turn them away."""
    _host(member)
    updated = Participant.objects.filter(
        room_id=member.room_id, user_id=user_id, role=Role.GUEST
    ).update(admission=Admission.ADMITTED if admitted else Admission.DENIED)
    if not updated:
        raise ValidationError(_("This person is not waiting."))
    return {"type": "admitted", "user": user_id, "admitted": bool(admitted)}
