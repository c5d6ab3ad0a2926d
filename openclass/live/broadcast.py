"""Telling a room's pages something: the one way views, the classroom socket and tasks reach
every page of a class (``tell`` from synchronous code, ``atell`` from a socket).

Each room has three channel-layer groups, one per audience: everyone let into the class, its
hosts, and the guests in its waiting room. A page passes on only what comes from the groups it
listens to (``consumers.ClassroomConsumer.relay``).

What a group is sent is encoded here, once, not by each page (``relay_event``): an assembly's
presence and chat go to a thousand pages, and the in-memory layer would otherwise copy the
message for each of them too.
"""

from __future__ import annotations

import enum
import json
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


class Audience(enum.Enum):
    EVERYONE = ""
    HOSTS = "-hosts"
    WAITING = "-waiting"


EVERYONE, HOSTS, WAITING = Audience.EVERYONE, Audience.HOSTS, Audience.WAITING


def group_name(room_id: int, audience: Audience = EVERYONE) -> str:
    """The channel-layer group of ``room_id``'s pages in ``audience``."""
    return f"live-{room_id}{audience.value}"


def relay_event(group: str, message: dict) -> dict:
    """The channel-layer event that carries ``message`` to every page in ``group``. Beside the
    text is what a page decides by: the kind, the chat's group and the person it is about."""
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


async def atell(
    room_id: int, message: dict, audience: Audience = EVERYONE, *, layer: Any = None
) -> None:
    """Send ``message`` to every page of ``room_id`` in ``audience`` (through ``layer``, the
    sending socket's, or the default one)."""
    layer = layer or get_channel_layer()
    group = group_name(room_id, audience)
    await layer.group_send(group, relay_event(group, message))


def tell(room_id: int, message: dict, *audiences: Audience) -> None:
    """``atell`` from synchronous code (a view, a task): to each of ``audiences``, everyone
    when none is given."""
    for audience in audiences or (EVERYONE,):
        async_to_sync(atell)(room_id, message, audience)
