"""How openclass's own server process is started and awaited, in one place.

`make run` (scripts/run.py), the browser tests' live server and the benchmarks all start the same
production command line, so what is tested and measured is what runs. Imports nothing from Django:
scripts/run.py uses it before Django is set up.
"""

from __future__ import annotations

import gc
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def uvicorn_command(
    host: str, port: int, *, workers: int = 1, graceful_seconds: int = 5
) -> list[str]:
    """uvicorn serving HTTP and WebSocket: one worker on the embedded default (the in-memory
    channel layer lives in it), ``workers`` processes sharing the port with Redis."""
    several = ["--workers", str(workers)] if workers > 1 else []
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "openclass.asgi:serve",
        "--host",
        host,
        "--port",
        str(port),
        "--no-access-log",
        # A page's socket messages are small JSON (a progress beat and its answer, a chat
        # line): compressing each cost the event loop more than sending it (decision 0006).
        "--ws-per-message-deflate",
        "false",
        "--timeout-graceful-shutdown",
        str(graceful_seconds),
        *several,
    ]


def wait_until_up(
    url: str, *, process: subprocess.Popen | None = None, timeout: float = 30.0
) -> bool:
    """Poll ``url`` until it answers 200; False on timeout or when ``process`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own URL)
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.1)
    return False


def stop_process(
    process: subprocess.Popen, *, sig: int = signal.SIGINT, timeout: float = 10.0
) -> None:
    """Ask a child process to stop (``sig``, SIGINT as Ctrl-C would), give it ``timeout``
    seconds to finish cleanly, then kill it. Nothing happens if it has already ended."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (for test and benchmark servers)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


#: The garbage collector's thresholds in a serving process (``tune_for_serving``).
SERVING_GC_THRESHOLDS = (10_000, 50, 1000)


def tune_for_serving() -> None:
    """Tune the interpreter of a server process, once its application is loaded.

    One worker runs the event loop (WebSockets, async views) beside the threads of the synchronous
    views and database work. Python hands the interpreter lock between threads every 5 ms by
    default; a thread rendering a page then holds up every heartbeat the loop should answer.
    1 ms keeps the loop responsive (bench/heartbeats: beat p95 166 ms → 9 ms, home page p95
    460 ms → 60 ms). Everything loaded so far lives as long as the process: freezing it keeps
    the garbage collector from scanning it again and again (beat p99 150 ms → 45 ms).
    What comes later — a school's pages, 2,000 of them in bench/live_classroom — is scanned in
    full every few seconds at the default thresholds: 13 % of the server's time there, in
    pauses of ~300 ms. Collecting the young generation after 10,000 allocations instead of 700
    (most objects die young by reference counting, so each collection finds few survivors)
    and the older ones rarely cuts that to a few per cent in short pauses (class-room chat
    p95 480 → 190 ms there).
    """
    sys.setswitchinterval(0.001)
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)
