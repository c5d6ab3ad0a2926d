"""Janus capacity: how many streams one local Janus forwards before frames drop (it sizes the
pool of Janus servers, OPENCLASS_JANUS_URLS).

Real media needs a private network namespace (Janus never offers loopback candidates, and this
machine's own address is off limits), so Janus, the media page (``openclass/live/tests/
media_page``, Debian's janus.js) and headless Chromium with its fake camera (320×240) and
microphone run in one, made and deleted here, as the media browser test does. Every page is
its own browser context; each feed it watches is a subscription of its own, as in the
classroom page.

Two shapes of class, each grown step by step until frames drop:

1. A lecture: the teacher publishes, n students only watch (n streams).
2. A discussion: n people each publish and watch all the others (n × (n − 1) streams).

Measured at each step, over MEASURE seconds once every stream plays: frames a second each
stream decodes (median and worst), CPU of Janus and of Chromium. A step holds while the worst
stream gets HOLD of the frame rate the smallest step got. Janus's CPU per stream gives the
figure that sizes the pool; on this 2-core machine Chromium, decoding every stream in one
place, runs out long before Janus does, so that figure is an extrapolation, printed as such.

Needs root (the namespace), Debian's janus and chromium, and Playwright (all installed by
`scripts/setup.sh --bench`); skipped with the reason otherwise.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench import _cpu_seconds
from openclass.core.tests.chromium import CHROMIUM
from openclass.core.tests.chromium import CHROMIUM_ARGS as TEST_ARGS
from openclass.live.janus import signed_token
from openclass.live.process import JanusConfig, is_installed
from openclass.live.tests.netns import (
    NamespacedJanus,
    NetNamespace,
    chromium_wrapper,
    media_page,
    netns_available,
)

LECTURE_STEPS = (1, 10, 20, 30, 40)
DISCUSSION_STEPS = (2, 4, 5, 6, 8)
VIDEO = {"width": 320, "height": 240}
MEASURE = 8.0  # seconds of frames counted at each step
WARM_UP = 3.0  # after every stream plays, before counting
PLAY_TIMEOUT = 40.0
HOLD = 0.8  # a step holds while its worst stream decodes this share of the first step's rate
JANUS_PORT, ADMIN_PORT, PAGE_PORT = 8088, 7088, 8000
# The tests' flags, and pages in background contexts kept decoding at full rate.
CHROMIUM_ARGS = [
    *TEST_ARGS,
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]

CREATE_ROOM = """
import json, sys
from openclass.live.janus import JanusClient
p = json.load(sys.stdin)
client = JanusClient(p["api_url"], token_secret=p["token_secret"], admin_key=p["admin_key"])
try:
    client.create_room(
        p["room"], secret=p["secret"], description="capacity", publishers=p["publishers"],
        allowed=p["allowed"],
    )
finally:
    client.close()
"""


def _why_not() -> str | None:
    if not netns_available():
        return "needs root and iproute2 to create a network namespace"
    if not is_installed():
        return "janus is not installed (scripts/setup.sh installs it)"
    if shutil.which(CHROMIUM) is None:
        return "chromium is not installed (scripts/setup.sh --bench installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (scripts/setup.sh --bench installs it)"
    return None


def _in_namespace(ns: NetNamespace) -> list[int]:
    """Chromium's processes running in ``ns`` (the browser, its renderers and helpers)."""
    wanted = os.stat(f"/var/run/netns/{ns.name}").st_ino
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.stat(entry / "ns" / "net").st_ino != wanted:
                continue
            if "chromium" in (entry / "comm").read_text():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _cpu(pids: list[int]) -> float:
    return sum(value for value in map(_cpu_seconds, pids) if not math.isnan(value))


class Capacity:
    """One Janus and one Chromium in a namespace; each step makes a room and opens its pages."""

    def __init__(self, ns: NetNamespace, janus: NamespacedJanus, page_url: str, browser) -> None:
        self.ns, self.janus, self.page_url, self.browser = ns, janus, page_url, browser
        self.config = janus.config

    def _room(self, pins: list[str]) -> int:
        room = secrets.randbelow(1_000_000_000) + 1
        request = {
            "api_url": self.janus.api_url,
            "token_secret": self.config.token_auth_secret,
            "admin_key": self.config.videoroom_admin_key,
            "room": room,
            "secret": secrets.token_urlsafe(12),
            "publishers": len(pins),
            "allowed": pins,
        }
        self.ns.run_python(CREATE_ROOM, input=json.dumps(request))
        return room

    def step(self, publishers: list[int], watchers: int) -> dict:
        """``publishers`` feeds each watch all the others; ``watchers`` more pages watch them
        all without publishing. Returns the step's figures."""
        feeds = list(publishers) + [9_000_000 + index for index in range(watchers)]
        pins = {feed: secrets.token_urlsafe(16) for feed in feeds}
        room = self._room(list(pins.values()))
        token = signed_token(self.config.token_auth_secret, 900)
        pages, errors = [], []
        with ExitStack() as stack:
            for feed in feeds:
                context = self.browser.new_context()
                stack.callback(context.close)
                page = context.new_page()
                page.on(
                    "console",
                    lambda message: (
                        errors.append(message.text) if message.type == "error" else None
                    ),
                )
                page.goto(self.page_url)
                page.evaluate(
                    "options => startMedia(options)",
                    {
                        "server": self.janus.api_url,
                        "token": token,
                        "room": room,
                        "feed": feed,
                        "pin": pins[feed],
                        "peers": [other for other in publishers if other != feed],
                        "video": VIDEO,
                        "publish": feed in publishers,
                    },
                )
                pages.append(page)
            expected = sum(len([p for p in publishers if p != feed]) for feed in feeds)
            started = time.monotonic()
            while True:
                stats = [page.evaluate("mediaStats()") for page in pages]
                failed = [s["error"] for s in stats if s["error"]]
                playing = sum(
                    1
                    for s in stats
                    for stream in s["streams"]
                    if stream["videoWidth"] > 0 and stream["framesDecoded"] > 0
                )
                if failed or errors:
                    return {"error": (failed or errors)[0]}
                if playing == expected:
                    break
                if time.monotonic() - started > PLAY_TIMEOUT:
                    return {"error": f"{playing} of {expected} streams playing after "
                            f"{PLAY_TIMEOUT:.0f} s"}  # fmt: skip
                time.sleep(0.5)
            time.sleep(WARM_UP)
            browsers = _in_namespace(self.ns)
            before = [page.evaluate("mediaStats()") for page in pages]
            clock, janus_cpu, chromium_cpu = (
                time.monotonic(),
                _cpu_seconds(self.janus.process.pid),
                _cpu(browsers),
            )
            time.sleep(MEASURE)
            after = [page.evaluate("mediaStats()") for page in pages]
            elapsed = time.monotonic() - clock
            janus_cpu = (_cpu_seconds(self.janus.process.pid) - janus_cpu) / elapsed
            chromium_cpu = (_cpu(browsers) - chromium_cpu) / elapsed
        rates = [
            (end["framesDecoded"] - start["framesDecoded"]) / elapsed
            for first, last in zip(before, after, strict=True)
            for start, end in zip(first["streams"], last["streams"], strict=True)
        ]
        return {
            "streams": len(rates),
            "fps_median": statistics.median(rates),
            "fps_worst": min(rates),
            "janus": janus_cpu,
            "chromium": chromium_cpu,
        }


def _shape(capacity: Capacity, title: str, steps: tuple[int, ...], lecture: bool) -> list[dict]:
    print(f"\n  {title}")
    print("    people  streams   fps median  worst    Janus cores  Chromium cores  verdict")
    held, reference = [], None
    for n in steps:
        publishers = [1] if lecture else list(range(1, n + 1))
        result = capacity.step(publishers, watchers=n if lecture else 0)
        people = n + 1 if lecture else n
        if "error" in result:
            print(f"    {people:>6}  failed: {result['error']}")
            break
        reference = reference or result["fps_median"]
        holds = result["fps_worst"] >= HOLD * reference
        print(
            f"    {people:>6}  {result['streams']:>7}   {result['fps_median']:>10.1f}  "
            f"{result['fps_worst']:>5.1f}    {result['janus']:>11.2f}  "
            f"{result['chromium']:>14.2f}  {'holds' if holds else 'frames drop'}",
            flush=True,
        )
        if not holds:
            break
        held.append(result)
    return held


@contextmanager
def _stack() -> Iterator[Capacity]:
    from playwright.sync_api import sync_playwright

    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="oc-capacity-")))
        ns = stack.enter_context(NetNamespace())
        config = JanusConfig(
            token_auth_secret=secrets.token_urlsafe(24),
            videoroom_admin_key=secrets.token_urlsafe(24),
            admin_secret=secrets.token_urlsafe(24),
            # Nobody listens there: the event handler's posts are refused, which Janus shrugs off.
            events_url=f"http://{ns.peer_ip}:9/events",
            events_password=secrets.token_urlsafe(12),
            recordings_dir=str(folder / "recordings"),
            bind_ip=ns.host_ip,
            http_port=JANUS_PORT,
            admin_port=ADMIN_PORT,
        )
        janus = NamespacedJanus(config, folder / "janus", command_prefix=ns.prefix, ns=ns)
        janus.start()
        stack.callback(janus.stop)
        page_url = stack.enter_context(media_page(ns, folder / "site", PAGE_PORT))
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(
            executable_path=str(chromium_wrapper(ns, folder)), headless=True, args=CHROMIUM_ARGS
        )
        stack.callback(browser.close)
        yield Capacity(ns, janus, page_url, browser)


def main() -> None:
    print(
        "janus_capacity: one local Janus, Chromium's fake camera at "
        f"{VIDEO['width']}×{VIDEO['height']}, in a network namespace; {os.cpu_count()} CPUs "
        "shared by Janus and every page"
    )
    why = _why_not()
    if why:
        print(f"  skipped: {why}")
        return
    with _stack() as capacity:
        lecture = _shape(
            capacity, "lecture: one teacher publishes, everyone else watches", LECTURE_STEPS, True
        )
        discussion = _shape(
            capacity, "discussion: everyone publishes and watches everyone", DISCUSSION_STEPS, False
        )
    held = lecture + discussion
    if not held:
        print("\n  no step held: nothing to size the pool by")
        return
    most = max(held, key=lambda result: result["streams"])
    print(
        f"\n  most streams held: {most['streams']} ({most['fps_median']:.1f} fps median), with "
        f"Janus at {most['janus']:.2f} cores and Chromium at {most['chromium']:.2f}: Chromium "
        "decoding every stream on this machine is the limit, not Janus"
    )
    if len({result["streams"] for result in held}) < 2:
        return
    # What one more stream costs Janus: the slope of its CPU over the streams of the steps that
    # held (a room and its sessions cost a little of their own, the intercept).
    slope, base = statistics.linear_regression(
        [result["streams"] for result in held], [result["janus"] for result in held]
    )
    print(
        f"  Janus: {slope * 100:.2f} % of a core per stream forwarded (over {base:.2f} cores for "
        f"the room itself) → about {1 / slope:,.0f} streams per core; an extrapolation from "
        "these steps, so plan the pool for well under it"
    )
