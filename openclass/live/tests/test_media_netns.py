"""Real media through a real Janus: two browsers publish Chromium's fake camera and microphone
into one VideoRoom and each plays the other's video.

Janus never offers loopback candidates, so everything runs in a private network namespace
(``netns.NetNamespace``): Janus, a static server for the test page (``media_page/`` with Debian's
adapter.js and janus.js) and chromium, started through a wrapper script. This process stays
outside and reaches into the namespace only through subprocesses: the readiness probes and the
room creation (``JanusClient`` run with ``ip netns exec``). Needs root; skipped otherwise.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import CHROMIUM_ARGS
from openclass.live.janus import signed_token
from openclass.live.process import LocalJanus, is_installed
from openclass.live.registry import local_janus_config

from .netns import NetNamespace, chromium_wrapper, netns_available

pytestmark = pytest.mark.browser

PAGE = Path(__file__).resolve().parent / "media_page"
SCRIPTS = {
    "adapter.js": Path("/usr/share/javascript/webrtc-adapter/adapter.js"),
    "janus.js": Path("/usr/share/javascript/janus-gateway/janus.js"),
}
# The namespace is new and empty, so fixed ports are free in it.
JANUS_PORT, ADMIN_PORT, PAGE_PORT = 8088, 7088, 8000

CREATE_ROOM = """
import json, sys
from openclass.live.janus import JanusClient
p = json.load(sys.stdin)
client = JanusClient(p["api_url"], token_secret=p["token_secret"], admin_key=p["admin_key"])
try:
    client.create_room(
        p["room"], secret=p["secret"], description="media test", publishers=4,
        allowed=p["allowed"],
    )
finally:
    client.close()
"""


@dataclass
class NamespacedJanus(LocalJanus):
    """A ``LocalJanus`` in ``ns``: its readiness probe has to run in there too."""

    ns: NetNamespace | None = None

    def answers(self) -> bool:
        assert self.ns is not None
        return self.ns.answers(f"{self.api_url}/info")


@pytest.fixture
def ns() -> Iterator[NetNamespace]:
    if not netns_available():
        pytest.skip("needs root and iproute2 to create a network namespace")
    with NetNamespace() as namespace:
        yield namespace


@pytest.fixture
def janus(ns: NetNamespace, tmp_path: Path) -> Iterator[NamespacedJanus]:
    if not is_installed():
        pytest.fail("janus is missing: `scripts/setup.sh --test` installs Debian's janus")
    config = local_janus_config(
        # Nobody listens there: the event handler's posts are refused, which Janus shrugs off.
        events_url=f"http://{ns.peer_ip}:9/events",
        http_port=JANUS_PORT,
        admin_port=ADMIN_PORT,
        recordings_dir=str(tmp_path / "recordings"),
        bind_ip=ns.host_ip,
    )
    server = NamespacedJanus(config, tmp_path / "janus", command_prefix=ns.prefix, ns=ns)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def page_url(ns: NetNamespace, tmp_path: Path) -> Iterator[str]:
    """The test page, served by ``python -m http.server`` on the namespace's own loopback:
    getUserMedia needs a secure context, which http://127.0.0.1 is and http://10.77.0.1 is
    not. (The page still reaches Janus on ``ns.host_ip``, and media never uses loopback.)"""
    site = tmp_path / "site"
    site.mkdir()
    for source in [*PAGE.iterdir(), *SCRIPTS.values()]:
        (site / source.name).symlink_to(source)
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", site]
    server = subprocess.Popen(
        [*ns.prefix, *map(str, command), str(PAGE_PORT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{PAGE_PORT}/index.html"
        deadline = time.monotonic() + 10
        while not ns.answers(url):
            assert server.poll() is None and time.monotonic() < deadline, "no page server"
            time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=5)


@pytest.fixture
def ns_browser(chromium, ns: NetNamespace, tmp_path: Path) -> Iterator[object]:
    """Chromium inside the namespace, launched by the session's Playwright (a second sync
    Playwright cannot run beside the ``chromium`` fixture's)."""
    wrapper = chromium_wrapper(ns, tmp_path)
    browser = chromium.browser_type.launch(
        executable_path=str(wrapper), headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


def create_room(ns: NetNamespace, janus: LocalJanus, settings, room: int, pins: list[str]) -> None:
    request = {
        "api_url": janus.api_url,
        "token_secret": settings.JANUS_TOKEN_SECRET,
        "admin_key": settings.JANUS_ADMIN_KEY,
        "room": room,
        "secret": secrets.token_urlsafe(12),
        "allowed": pins,
    }
    ns.run_python(CREATE_ROOM, input=json.dumps(request))


def wait_for_video(page, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        stats = page.evaluate("mediaStats()")
        assert stats["error"] is None, stats["error"]
        if stats["videoWidth"] > 0 and stats["framesDecoded"] > 0:
            return stats
        assert time.monotonic() < deadline, f"no remote video within {timeout} s: {stats}"
        time.sleep(0.2)


def test_two_browsers_see_each_other(ns, janus, page_url, ns_browser, settings):
    room = secrets.randbelow(1_000_000) + 1
    feeds = [secrets.randbelow(1_000_000) + 1]
    feeds.append(feeds[0] + 1)
    pins = [secrets.token_urlsafe(16) for _ in feeds]
    create_room(ns, janus, settings, room, pins)

    contexts, pages, errors = [], [], []
    try:
        for index, feed in enumerate(feeds):
            context = ns_browser.new_context()
            context.set_default_timeout(10_000)
            contexts.append(context)
            page = context.new_page()
            page.on(
                "console",
                lambda message: errors.append(message.text) if message.type == "error" else None,
            )
            page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
            page.goto(page_url)
            page.evaluate(
                "options => startMedia(options)",
                {
                    "server": janus.api_url,
                    "token": signed_token(settings.JANUS_TOKEN_SECRET, 600),
                    "room": room,
                    "feed": feed,
                    "pin": pins[index],
                    "peer": feeds[1 - index],
                },
            )
            pages.append(page)
        for page in pages:
            stats = wait_for_video(page)
            assert stats["videoWidth"] > 0 and stats["framesDecoded"] > 0, stats
        assert errors == []
    finally:
        for context in contexts:
            context.close()
