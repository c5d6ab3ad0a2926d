"""A throw-away redis-server for the tests and the benchmarks: the Redis profile run for real
on 127.0.0.1, keeping nothing on disk."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from openclass.core.server import free_port, stop_process

REDIS_SERVER = "redis-server"


@dataclass(frozen=True)
class Redis:
    process: subprocess.Popen
    url: str


def is_installed() -> bool:
    return shutil.which(REDIS_SERVER) is not None


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_command(folder: Path, port: int) -> list[str]:
    """redis-server on 127.0.0.1:``port``, keeping nothing on disk, its log in ``folder``."""
    return [
        shutil.which(REDIS_SERVER) or REDIS_SERVER,
        "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
        "--dir", str(folder), "--logfile", str(folder / "redis.log"),
    ]  # fmt: skip


def start_redis(folder: Path, port: int) -> subprocess.Popen:
    """Start redis-server (``redis_command``) and wait until it answers PING."""
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        redis_command(folder, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process, sig=signal.SIGTERM)
            log = (folder / "redis.log").read_text(errors="replace") if folder.exists() else ""
            raise RuntimeError(f"redis-server did not start:\n{log[-1000:]}")
        time.sleep(0.05)
    return process


@contextmanager
def throwaway_redis(folder: Path) -> Iterator[Redis]:
    """redis-server on a free port of 127.0.0.1, its log in ``folder``; stopped on the way out."""
    port = free_port()
    process = start_redis(folder, port)
    try:
        yield Redis(process, f"redis://127.0.0.1:{port}/0")
    finally:
        stop_process(process, sig=signal.SIGTERM)
