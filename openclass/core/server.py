"""How openclass's own server process is started and awaited, in one place.

`make run` (scripts/run.py), the browser tests' live server and the benchmarks all start the same
production command line, so what is tested and measured is what runs. Imports nothing from Django:
scripts/run.py uses it before Django is set up.
"""

from __future__ import annotations

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
        "openclass.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--no-access-log",
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


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (for test and benchmark servers)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
