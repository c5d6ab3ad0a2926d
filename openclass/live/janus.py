"""The one adapter between the app and Janus: everything the app asks of a Janus server goes
through ``JanusClient``.

It speaks Janus's HTTP API to the VideoRoom plugin: create, configure and destroy rooms, let
tokens in and out of a room, kick and mute participants, start and stop recording, and read who
is in a room. The app keeps one control session and handle per server and process, and makes a
new one when Janus has forgotten it (restart, session timeout).

Janus admits a request only with a token signed with the server's ``token_auth_secret``
(``signed_token``); browsers get one too, valid until their class ends, and besides that a room
token of their own that only the room's allowed list knows (``services.issue_ticket``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

import httpx

PLUGIN = "janus.plugin.videoroom"
# Janus's own error codes the adapter reacts to (janus/apierror.h, plugins/janus_videoroom.c).
NO_SUCH_SESSION = 458
NO_SUCH_HANDLE = 459
NO_SUCH_ROOM = 426
ROOM_EXISTS = 427
NO_SUCH_FEED = 428


class JanusError(Exception):
    """Janus answered, and refused."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"Janus error {code}: {reason}")
        self.code = code
        self.reason = reason


class JanusUnavailable(Exception):
    """Janus did not answer (down, unreachable, too slow)."""


def signed_token(secret: str, valid_seconds: int, *, now: float | None = None) -> str:
    """A token Janus accepts with ``token_auth_secret = secret``, for the VideoRoom plugin only.

    The format is Janus's: ``<expiry>,janus,<plugin>:<signature>``, the signature being the
    base64 HMAC-SHA1 of what precedes the colon.
    """
    expiry = int((now if now is not None else time.time()) + valid_seconds)
    data = f"{expiry},janus,{PLUGIN}"
    signature = hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()
    return f"{data}:{base64.b64encode(signature).decode()}"


@dataclass(frozen=True)
class RoomParticipant:
    feed_id: int
    display: str
    publishing: bool
    talking: bool


class JanusClient:
    """A Janus server's HTTP API, at ``api_url`` (``http://127.0.0.1:8088/janus``)."""

    def __init__(
        self, api_url: str, *, token_secret: str, admin_key: str, timeout: float = 5.0
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.token_secret = token_secret
        self.admin_key = admin_key
        self.timeout = timeout
        self._http = httpx.Client(timeout=timeout)
        self._handle: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        if self._handle is not None:
            session, _handle = self._handle
            with contextlib.suppress(JanusError, JanusUnavailable):
                self._post(f"{self.api_url}/{session}", {"janus": "destroy"})
            self._handle = None
        self._http.close()

    # --- transport ------------------------------------------------------------------------

    def _post(self, url: str, message: dict) -> dict:
        message = {
            **message,
            "transaction": secrets.token_hex(8),
            "token": signed_token(self.token_secret, 300),
        }
        try:
            response = self._http.post(url, json=message)
            reply = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise JanusUnavailable(f"{self.api_url}: {error}") from error
        if reply.get("janus") == "error":
            failure = reply.get("error") or {}
            raise JanusError(int(failure.get("code", 0)), str(failure.get("reason", "")))
        return reply

    def info(self) -> dict:
        """``GET /info``: the server's version and plugins; raises when it is not up."""
        try:
            response = self._http.get(f"{self.api_url}/info", timeout=min(self.timeout, 2.0))
            reply = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise JanusUnavailable(f"{self.api_url}: {error}") from error
        if reply.get("janus") != "server_info":
            raise JanusUnavailable(f"{self.api_url}: unexpected answer to info")
        return reply

    def _control_handle(self) -> tuple[int, int]:
        if self._handle is None:
            session = self._post(self.api_url, {"janus": "create"})["data"]["id"]
            handle = self._post(f"{self.api_url}/{session}", {"janus": "attach", "plugin": PLUGIN})
            self._handle = (session, handle["data"]["id"])
        return self._handle

    def request(self, body: dict) -> dict:
        """Send one synchronous VideoRoom request; returns the plugin's answer.

        A forgotten control session (Janus restarted, or idle past its session timeout) is made
        again once.
        """
        with self._lock:
            for attempt in (1, 2):
                session, handle = self._control_handle()
                try:
                    reply = self._post(
                        f"{self.api_url}/{session}/{handle}", {"janus": "message", "body": body}
                    )
                    break
                except JanusError as error:
                    if attempt == 2 or error.code not in (NO_SUCH_SESSION, NO_SUCH_HANDLE):
                        raise
                    self._handle = None
        data = reply.get("plugindata", {}).get("data", {})
        if "error_code" in data:
            raise JanusError(int(data["error_code"]), str(data.get("error", "")))
        return data

    # --- rooms ------------------------------------------------------------------------------

    def create_room(
        self,
        room: int,
        *,
        secret: str,
        description: str,
        publishers: int,
        allowed: list[str] | None = None,
        record_dir: str | None = None,
    ) -> None:
        """A private room only tokens on its allowed list may join as publishers, with talking
        events for the active-speaker highlight and simulcast-friendly codecs."""
        body = {
            "request": "create",
            "room": room,
            "admin_key": self.admin_key,
            "secret": secret,
            "description": description[:100],
            "is_private": True,
            "publishers": publishers,
            "bitrate": 512_000,
            "fir_freq": 10,
            "audiocodec": "opus",
            "videocodec": "vp8",
            "audiolevel_event": True,
            "audio_active_packets": 50,
            "audio_level_average": 40,
            "notify_joining": True,
            # Subscriptions must name the private id their page got by joining with an allowed
            # token (the allowed list guards only publishers), and no participant may choose
            # where recordings go.
            "require_pvtid": True,
            "lock_record": True,
            "allowed": list(allowed or []),
            "permanent": False,
        }
        if record_dir:
            body["rec_dir"] = record_dir
        self.request(body)

    def destroy_room(self, room: int, *, secret: str) -> None:
        """Destroy a room; a room Janus no longer has counts as destroyed."""
        try:
            self.request({"request": "destroy", "room": room, "secret": secret})
        except JanusError as error:
            if error.code != NO_SUCH_ROOM:
                raise

    def room_exists(self, room: int) -> bool:
        return bool(self.request({"request": "exists", "room": room}).get("exists"))

    def rooms(self) -> list[dict]:
        """Every room of the server (private ones too: the request carries the admin key)."""
        reply = self.request({"request": "list", "admin_key": self.admin_key})
        return list(reply.get("list", []))

    def participants(self, room: int) -> list[RoomParticipant]:
        reply = self.request({"request": "listparticipants", "room": room})
        return [
            RoomParticipant(
                feed_id=int(item["id"]),
                display=str(item.get("display", "")),
                publishing=bool(item.get("publisher")),
                talking=bool(item.get("talking")),
            )
            for item in reply.get("participants", [])
        ]

    def allow(self, room: int, *, secret: str, tokens: list[str]) -> None:
        self.request(
            {
                "request": "allowed",
                "room": room,
                "secret": secret,
                "action": "add",
                "allowed": tokens,
            }
        )

    def disallow(self, room: int, *, secret: str, tokens: list[str]) -> None:
        self.request(
            {
                "request": "allowed",
                "room": room,
                "secret": secret,
                "action": "remove",
                "allowed": tokens,
            }
        )

    def kick(self, room: int, *, secret: str, feed_id: int) -> None:
        """Remove a participant from the room; one already gone counts as removed."""
        try:
            self.request({"request": "kick", "room": room, "secret": secret, "id": feed_id})
        except JanusError as error:
            if error.code != NO_SUCH_FEED:
                raise

    def moderate(self, room: int, *, secret: str, feed_id: int, mid: str, mute: bool) -> None:
        """Stop (or let again) Janus relaying one stream of a publisher: the server-side mute,
        which a tampered page cannot undo."""
        self.request(
            {
                "request": "moderate",
                "room": room,
                "secret": secret,
                "id": feed_id,
                "mid": mid,
                "mute": mute,
            }
        )

    def set_recording(self, room: int, *, secret: str, record: bool) -> None:
        self.request(
            {"request": "enable_recording", "room": room, "secret": secret, "record": record}
        )
