"""A private network namespace for tests that need real WebRTC media.

Janus (libnice) never offers loopback candidates, and this machine's own non-loopback address is
off limits, so a browser and Janus cannot exchange media over 127.0.0.1. ``NetNamespace`` makes a
throw-away namespace with a veth pair whose two ends both stay inside it (10.77.0.1 and
10.77.0.2): Janus, the servers and the browser run there under ``ip netns exec NAME`` and talk
over those addresses, while nothing is reachable from (or leaks to) the rest of the machine.

The test process itself stays outside: it starts programs with ``ns.prefix`` and runs anything
that must *reach* a server in the namespace (an HTTP request, a readiness probe) through
``ns.run_python``. The browser joins through ``chromium_wrapper``: Playwright launches the
wrapper, which execs chromium inside the namespace; Playwright drives it over the pipes it
inherits (``--remote-debugging-pipe``, fds 3 and 4), which no namespace boundary cuts.

Needs root and iproute2 (``netns_available``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from openclass.core.tests.chromium import CHROMIUM
from openclass.live.process import LocalJanus

ROOT = Path(__file__).resolve().parents[3]
# The media page (``media_page/``) and Debian's browser libraries it loads.
MEDIA_PAGE = Path(__file__).resolve().parent / "media_page"
MEDIA_SCRIPTS = {
    "adapter.js": Path("/usr/share/javascript/webrtc-adapter/adapter.js"),
    "janus.js": Path("/usr/share/javascript/janus-gateway/janus.js"),
}


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10, check=False)


def netns_available() -> bool:
    """Whether this process may create network namespaces (root, with iproute2's ``ip``)."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    probe = f"oc-probe-{secrets.token_hex(4)}"
    if _ip("netns", "add", probe).returncode != 0:
        return False
    _ip("netns", "del", probe)
    return True


class NetNamespace:
    """``with NetNamespace() as ns:`` a fresh, uniquely named namespace with loopback up and a
    veth pair ``oc0`` (``host_ip``, where servers listen) and ``oc1`` (``peer_ip``) inside it.
    Deleted on exit, also after errors; deleting it ends nothing still running in it, so stop
    your processes first."""

    def __init__(self, subnet: str = "10.77.0") -> None:
        # Each namespace has its own interfaces and routes, so every one can use the same /24.
        self.name = f"oc-{os.getpid()}-{secrets.token_hex(3)}"
        self.host_ip = f"{subnet}.1"
        self.peer_ip = f"{subnet}.2"
        self.prefix = ["ip", "netns", "exec", self.name]
        self._created = False

    def __enter__(self) -> NetNamespace:
        self.create()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.delete()

    def create(self) -> None:
        self._must("netns", "add", self.name)
        self._created = True
        try:
            inside = ["-n", self.name]
            veth = f"link add oc0 netns {self.name} type veth peer name oc1 netns {self.name}"
            self._must(*inside, "link", "set", "lo", "up")
            self._must(*veth.split())
            self._must(*inside, "addr", "add", f"{self.host_ip}/24", "dev", "oc0")
            self._must(*inside, "addr", "add", f"{self.peer_ip}/24", "dev", "oc1")
            self._must(*inside, "link", "set", "oc0", "up")
            self._must(*inside, "link", "set", "oc1", "up")
        except BaseException:
            self.delete()
            raise

    def delete(self) -> None:
        if self._created:
            _ip("netns", "del", self.name)  # the veth pair goes with it
            self._created = False

    def _must(self, *args: str) -> None:
        result = _ip(*args)
        if result.returncode != 0:
            raise RuntimeError(f"ip {' '.join(args)} failed: {result.stderr.strip()}")

    def run_python(
        self, code: str, *args: str, input: str | None = None, timeout: float = 30.0
    ) -> str:
        """Run ``python -c code args…`` inside the namespace, with this interpreter, in the
        repository's root (so ``openclass`` imports) and ``input`` on its stdin (secrets
        belong there, not in the command line); returns its stdout, raises with its stderr
        when it fails."""
        result = subprocess.run(
            [*self.prefix, sys.executable, "-c", code, *args],
            cwd=ROOT,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"python in {self.name} failed:\n{result.stderr}")
        return result.stdout

    def answers(self, url: str, timeout: float = 2.0) -> bool:
        """Whether ``url`` answers 200 from inside the namespace (one try)."""
        try:
            self.run_python(_PROBE, url, timeout=timeout + 5)
        except (RuntimeError, subprocess.TimeoutExpired):
            return False
        return True


_PROBE = (
    "import sys, urllib.request\n"
    "with urllib.request.urlopen(sys.argv[1], timeout=2) as r:\n"
    "    sys.exit(0 if r.status == 200 else 1)\n"
)


def chromium_wrapper(ns: NetNamespace | str, folder: Path, chromium: str = CHROMIUM) -> Path:
    """Write an executable ``chromium-in-<ns>`` script into ``folder`` and return its path.

    ``playwright.chromium.launch(executable_path=wrapper, args=CHROMIUM_ARGS)`` then runs the
    browser inside the namespace. Both ``ip netns exec`` and the script ``exec``, so the process
    Playwright started (and later kills) is chromium itself, and the debugging pipes on fds 3
    and 4 reach it unchanged.
    """
    name = ns.name if isinstance(ns, NetNamespace) else ns
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / f"chromium-in-{name}"
    wrapper.write_text(f'#!/bin/sh\nexec ip netns exec {name} {chromium} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return wrapper


@dataclass
class NamespacedJanus(LocalJanus):
    """A ``LocalJanus`` in ``ns`` (started with ``command_prefix=ns.prefix``): its readiness
    probe has to run in there too."""

    ns: NetNamespace | None = None

    def answers(self) -> bool:
        assert self.ns is not None
        return self.ns.answers(f"{self.api_url}/info")


@contextmanager
def media_page(ns: NetNamespace, folder: Path, port: int = 8000) -> Iterator[str]:
    """The media page, served by ``python -m http.server`` on the namespace's own loopback;
    yields its address. getUserMedia needs a secure context, which http://127.0.0.1 is and
    http://10.77.0.1 is not. (The page still reaches Janus on ``ns.host_ip``, and media never
    uses loopback.)"""
    folder.mkdir(parents=True, exist_ok=True)
    for source in [*MEDIA_PAGE.iterdir(), *MEDIA_SCRIPTS.values()]:
        (folder / source.name).symlink_to(source)
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", folder]
    server = subprocess.Popen(
        [*ns.prefix, *map(str, command), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/index.html"
        deadline = time.monotonic() + 10
        while not ns.answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the media page's server did not start")
            time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=5)


def main(argv: list[str]) -> int:
    """``python -m openclass.live.tests.netns COMMAND…``: run COMMAND in a fresh namespace (with
    its veth pair, so Janus and the browsers have an address that is not loopback for media),
    with ``OPENCLASS_TEST_NETNS`` set to the namespace's name. The scaled test pass runs so:
    PostgreSQL, Redis, nginx, the servers, Janus and chromium all inside, nothing reachable
    from outside. Without the rights to make one, COMMAND runs here, and the tests that need
    real media say so."""
    if not argv:
        print(main.__doc__)
        return 2
    if not netns_available():
        print("netns: cannot create a network namespace (needs root and iproute2); running here")
        return subprocess.call(argv)
    with NetNamespace() as ns:
        env = {**os.environ, "OPENCLASS_TEST_NETNS": ns.name}
        return subprocess.call([*ns.prefix, *argv], env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
