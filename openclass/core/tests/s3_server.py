"""A throw-away S3 API server for the tests: moto's server mode (``moto[server]``, pinned in
requirements-dev.txt) on 127.0.0.1 and a free port, holding everything in memory."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from openclass.core.server import free_port, stop_process


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):  # noqa: S310 (ours)
            return True
    except (OSError, urllib.error.URLError):
        return False


@contextmanager
def throwaway_s3(folder: Path) -> Iterator[str]:
    """moto_server on a free port of 127.0.0.1, its log in ``folder``: yields the endpoint URL."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with open(folder / "moto.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while not _answers(endpoint):
            if process.poll() is not None or time.monotonic() > deadline:
                text = (folder / "moto.log").read_text(errors="replace")
                raise RuntimeError(f"moto_server did not start:\n{text[-2000:]}")
            time.sleep(0.1)
        yield endpoint
    finally:
        stop_process(process, sig=signal.SIGTERM)


def create_bucket(endpoint: str, bucket: str) -> None:
    """Make ``bucket`` (moto's server checks no signature for this)."""
    request = urllib.request.Request(f"{endpoint}/{bucket}", method="PUT")  # noqa: S310 (ours)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (ours)
        assert response.status == 200
