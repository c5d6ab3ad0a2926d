"""The pool of Janus servers: which are listed, which are healthy, how loaded each is, and where a
new room goes.

Servers come from ``OPENCLASS_JANUS_URLS`` (with ``OPENCLASS_JANUS_PUBLIC_URLS`` for the addresses
browsers use, when they differ). A room is placed once, on the healthy server with the fewest
people in open rooms (then the fewest open rooms), and stays there: a room never spans servers.
When its server stops answering, the next person to join finds it marked unhealthy and the room
is created again on another server; everyone's page rejoins through the same door.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import threading

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from openclass.core.runtime import runtime

from .janus import JanusClient, JanusUnavailable
from .models import JanusServer, LiveRoom
from .process import JanusConfig

logger = logging.getLogger(__name__)

# How long a health reading is trusted before a placement asks the server again.
HEALTH_MAX_AGE = datetime.timedelta(seconds=10)


class JanusClients:
    """This process's clients of the pool's servers, one control session per server."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_url: dict[str, JanusClient] = {}

    def get(self, server: JanusServer) -> JanusClient:
        with self.lock:
            found = self.by_url.get(server.api_url)
            if found is None:
                found = JanusClient(
                    server.api_url,
                    token_secret=settings.JANUS_TOKEN_SECRET,
                    admin_key=settings.JANUS_ADMIN_KEY,
                )
                self.by_url[server.api_url] = found
            return found

    def reset(self) -> None:
        """Close every client (tests that restart Janus, settings changes)."""
        with self.lock:
            for found in self.by_url.values():
                found.close()
            self.by_url.clear()


_clients = runtime.register("live.janus_clients", JanusClients())


def client(server: JanusServer) -> JanusClient:
    """This process's client for ``server`` (one control session per server and process)."""
    return _clients.get(server)


def forget_clients() -> None:
    """Close every cached client (tests that restart Janus, settings changes)."""
    _clients.reset()


def sync_servers() -> list[JanusServer]:
    """Make the table match the settings: listed servers exist, others are marked unlisted."""
    urls = list(settings.JANUS_URLS)
    public = list(settings.JANUS_PUBLIC_URLS) or urls
    if len(public) != len(urls):
        raise ValueError("OPENCLASS_JANUS_PUBLIC_URLS must list one address per Janus server")
    servers = []
    for api_url, public_url in zip(urls, public, strict=True):
        server, _created = JanusServer.objects.update_or_create(
            api_url=api_url, defaults={"public_url": public_url, "is_listed": True}
        )
        servers.append(server)
    JanusServer.objects.exclude(api_url__in=urls).update(is_listed=False)
    return servers


def check(server: JanusServer) -> bool:
    """Ask ``server`` whether it is up, and keep the answer."""
    try:
        client(server).info()
        healthy, error = True, ""
    except JanusUnavailable as failure:
        healthy, error = False, str(failure)[:300]
    if healthy != server.is_healthy:
        logger.warning("Janus %s is now %s", server.api_url, "healthy" if healthy else "down")
    server.is_healthy = healthy
    server.last_error = error
    server.last_checked_at = timezone.now()
    server.save(update_fields=["is_healthy", "last_error", "last_checked_at"])
    return healthy


def is_healthy(server: JanusServer) -> bool:
    """The server's health, asked again when the last reading is old."""
    stale = server.last_checked_at is None or (
        timezone.now() - server.last_checked_at > HEALTH_MAX_AGE
    )
    return check(server) if stale else server.is_healthy


def load() -> list[tuple[JanusServer, int, int]]:
    """Every listed server with its people present and its open rooms, least loaded first."""
    servers = JanusServer.objects.filter(is_listed=True).annotate(
        present=Count(
            "rooms__stays",
            filter=Q(rooms__status=LiveRoom.Status.OPEN, rooms__stays__left_at__isnull=True),
            distinct=True,
        ),
        open_rooms=Count("rooms", filter=Q(rooms__status=LiveRoom.Status.OPEN), distinct=True),
    )
    rows = [(server, server.present, server.open_rooms) for server in servers]
    return sorted(rows, key=lambda row: (row[1], row[2], row[0].pk))


def place() -> JanusServer:
    """The healthy server a new room should go to."""
    sync_servers()
    for server, _present, _rooms in load():
        if is_healthy(server):
            return server
    raise JanusUnavailable("no Janus server is answering")


def local_janus_config(events_url: str, **overrides) -> JanusConfig:
    """The configuration of the Janus this machine runs itself, from the settings."""
    config = JanusConfig(
        token_auth_secret=settings.JANUS_TOKEN_SECRET,
        videoroom_admin_key=settings.JANUS_ADMIN_KEY,
        admin_secret=settings.JANUS_ADMIN_SECRET,
        events_url=events_url,
        events_user="janus",
        events_password=settings.JANUS_EVENTS_PASSWORD,
        recordings_dir=str(settings.LIVE_RECORDINGS_DIR),
        http_port=settings.JANUS_PORT,
        admin_port=settings.JANUS_ADMIN_PORT,
    )
    return dataclasses.replace(config, **overrides)
