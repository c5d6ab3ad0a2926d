"""Benchmarks against the real server, run by `make bench` (``python -m bench``).

Each benchmark is a module of this package with a ``main()``. They share the pieces below: a
throw-away site (its own SQLite database and demo city in a temporary directory), the server
started exactly as `make run` starts it on a free port of 127.0.0.1, and percentile figures.
Benchmarks print figures; they assert nothing.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from openclass.core.server import (
    SERVING_GC_THRESHOLDS,
    free_port,
    stop_process,
    uvicorn_command,
    wait_until_up,
)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
STATIC_ROOT = ROOT / "var" / "static"
_TLS: dict[str, ssl.SSLContext] = {}  # the one client context (Server.tls)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: an actually observed value, as latency reports usually give."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def steady_load_generator() -> None:
    """Keep this load generator's own garbage collections out of what it measures: call it when
    its clients are connected, just before the measured window. Everything alive then is frozen
    (never scanned again) and the collector runs at the server's thresholds
    (``core.server.tune_for_serving``). At the interpreter's defaults bench/xapi's generator,
    holding a thousand WebSocket clients, stopped for a full collection of 72–150 ms every 3 s,
    and every answer arriving meanwhile was counted that much late."""
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:,.0f} ms"


@dataclass
class Site:
    """A throw-away installation: environment for its processes and where its database is."""

    var_dir: Path
    env: dict[str, str]

    @property
    def database(self) -> Path:
        return self.var_dir / "openclass.sqlite3"

    def manage(self, *args: str) -> str:
        """Run a management command quietly; its output is shown only when it fails."""
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
            )
        return result.stdout


@contextmanager
def demo_site(size: str = "full", database_url: str = "") -> Iterator[Site]:
    """A fresh SQLite database in a temporary directory, migrated, with the demo city in it.

    The embedded default is what `make run` gives an office, so any database or Redis the caller's
    environment points to is left out: a benchmark never writes into a real installation.
    ``database_url``: a throw-away PostgreSQL database the benchmark made instead of SQLite.
    """
    var_dir = Path(tempfile.mkdtemp(prefix="openclass-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCLASS_")}
    env.update(
        OPENCLASS_VAR_DIR=str(var_dir),
        OPENCLASS_STATIC_ROOT=str(STATIC_ROOT),
        OPENCLASS_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="openclass.settings",
    )
    if database_url:
        env["OPENCLASS_DATABASE_URL"] = database_url
    site = Site(var_dir, env)
    try:
        if not (STATIC_ROOT / "staticfiles.json").exists():
            site.manage("collectstatic", "--noinput", "-v0")
        site.manage("migrate", "--noinput", "-v0")
        site.manage("demo_data", "--size", size)
        yield site
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process from /proc (Linux), NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return math.nan


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants now alive (Linux /proc)."""
    tree, index = [pid], 0
    while index < len(tree):
        try:
            for task in Path(f"/proc/{tree[index]}/task").iterdir():
                tree.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
        index += 1
    return tree


@dataclass
class Server:
    process: subprocess.Popen
    base_url: str  # http://, or https:// through nginx (the scaled profile, production mode)
    log: Path
    session_cookie: str = "sessionid"  # "__Host-sessionid" in production mode
    csrf_cookie: str = "csrftoken"

    @property
    def ws_url(self) -> str:
        """Where its WebSockets are: ws:// or wss://."""
        return "ws" + self.base_url.removeprefix("http")

    def tls(self) -> ssl.SSLContext | None:
        """For https: a TLS context that takes the self-signed certificate made for the run.
        One for every client: making one per connection (the system's CA store read each
        time, ~20 ms) stalled the load generator for seconds under 2,000 connections."""
        if not self.base_url.startswith("https://"):
            return None
        if _TLS.get("client") is None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            _TLS["client"] = context
        return _TLS["client"]

    def cpu_seconds(self) -> float:
        """Of the server and its worker processes (uvicorn --workers)."""
        return sum(_cpu_seconds(pid) for pid in _process_tree(self.process.pid))

    def print_troubles(self) -> None:
        """The warnings and errors of the server's log, the most common first."""
        troubles = Counter(
            line.strip()[:160]
            for line in self.log_tail(20000).splitlines()
            if " ERROR " in line
            or " WARNING " in line
            or re.match(r"^[\w.]*(Error|Exception|Closed\w*)\b", line.strip())
        )
        if troubles:
            print(f"\n  server log: {troubles.total()} warnings and errors, the most common:")
            for line, count in troubles.most_common(8):
                print(f"    {count:>5} × {line}")

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _machine_io() -> dict[str, float]:
    """The machine's counters that say whether it waited on its disks or its CPUs: bytes read
    from whole disks (/proc/diskstats), seconds some task stalled on I/O (/proc/pressure/io),
    seconds the CPUs sat idle waiting for I/O and seconds they were busy (/proc/stat). Missing
    files count as nothing."""
    found = {"read": 0.0, "stalled": 0.0, "iowait": 0.0, "busy": 0.0}
    with contextlib.suppress(OSError):
        disks = {
            path.name
            for path in Path("/sys/block").iterdir()
            if not path.name.startswith(("loop", "ram", "zram", "dm-"))
        }
        for line in Path("/proc/diskstats").read_text().splitlines():
            fields = line.split()
            if fields[2] in disks:
                found["read"] += int(fields[5]) * 512  # sectors of 512 bytes
    with contextlib.suppress(OSError, StopIteration, ValueError):
        some = next(x for x in Path("/proc/pressure/io").read_text().splitlines() if "some" in x)
        found["stalled"] = int(some.rsplit("total=", 1)[1]) / 1e6
    with contextlib.suppress(OSError, IndexError, ValueError):
        cpu = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
        tick = os.sysconf("SC_CLK_TCK")
        found["iowait"] = cpu[4] / tick
        # user, nice, system, irq, softirq, steal: every process's, short-lived ones included
        # (a database's parallel workers come and go between the meter's two readings).
        found["busy"] = (sum(cpu[:3]) + sum(cpu[5:8])) / tick
    return found


@dataclass
class Usage:
    """CPU of every process over a stretch of the run, in cores, by name; and the machine's
    disk reads and I/O waits over it (``_machine_io``), per second."""

    cores: dict[str, float]
    elapsed: float
    io: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        used = (
            f"{name} {value:.2f}" for name, value in self.cores.items() if not math.isnan(value)
        )
        text = f"CPU {', '.join(used)} cores"
        if self.io:
            text += (
                f"; the whole machine {self.io['busy']:.2f} of {os.cpu_count()} cores busy"
                f"; disk reads {self.io['read'] / 1e6:.1f} MB/s, some task stalled on I/O "
                f"{self.io['stalled'] * 100:.0f} % of the time, CPUs idle waiting for I/O "
                f"{self.io['iowait']:.2f} cores"
            )
        return text


class Meter:
    """CPU of the server (all its workers), of this load generator and of the other processes
    named in ``others`` (each pid with its descendants: a database server's backends)."""

    def __init__(self, server: Server, others: dict[str, list[int]] | None = None) -> None:
        self.server, self.others = server, others or {}

    def _read(self) -> tuple[float, dict[str, float], dict[str, float]]:
        cores = {"server": self.server.cpu_seconds(), "load generator": time.process_time()}
        for name, pids in self.others.items():
            cores[name] = sum(_cpu_seconds(p) for pid in pids for p in _process_tree(pid))
        return time.perf_counter(), cores, _machine_io()

    def start(self) -> None:
        self.before = self._read()

    def stop(self) -> Usage:
        at, after, io = self._read()
        began, before, io_before = self.before
        elapsed = at - began
        return Usage(
            {k: (v - before[k]) / elapsed for k, v in after.items()},
            elapsed,
            {k: (v - io_before[k]) / elapsed for k, v in io.items()},
        )


@contextmanager
def running_server(site: Site, workers: int = 1) -> Iterator[Server]:
    """uvicorn with the production command line (as scripts/run.py), stopped on the way out.

    It runs in its own session, so a Ctrl-C in the terminal reaches only the benchmark, which
    then stops the server itself.
    """
    port = free_port()
    log = site.var_dir / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            uvicorn_command(HOST, port, workers=workers),
            cwd=ROOT,
            env=site.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://{HOST}:{port}", log)
    try:
        if not wait_until_up(f"{server.base_url}/healthz", process=process):
            raise RuntimeError(f"the server did not come up:\n{server.log_tail()}")
        yield server
    finally:
        stop_process(process)
