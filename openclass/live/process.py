"""A Janus server run by the platform itself: `make run` (``manage.py run_janus``), the tests and
the benchmarks start it the same way.

Its configuration is rendered from the templates in ``deploy/janus/`` into a folder of its own
(never Debian's ``/etc/janus``, which enables a well-known admin secret and two demo rooms), and
it is started as ``janus -F <folder> -L <log> -N -o``. Imports nothing from Django, so a test can
start several with different settings.
"""

from __future__ import annotations

import json
import shutil
import signal
import string
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "deploy" / "janus"
JANUS = "/usr/bin/janus"


@dataclass
class JanusConfig:
    """Everything the templates ask for."""

    token_auth_secret: str
    videoroom_admin_key: str
    admin_secret: str
    events_url: str
    events_password: str
    recordings_dir: str
    events_user: str = "janus"
    server_name: str = "openclass-janus"
    bind_ip: str = "127.0.0.1"
    http_port: int = 8088
    admin_port: int = 7088
    rtp_port_min: int = 20000
    rtp_port_max: int = 40000
    # A tab that stops talking to Janus (crashed, lost its network) is gone after this long.
    # janus.js over HTTP sends no keepalives and restarts its long poll every 30 s, so less
    # than 45 would end sessions that are alive.
    session_timeout: int = 60

    def values(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.__dict__.items()}


def render(config: JanusConfig, folder: Path) -> None:
    """Write Janus's configuration files for ``config`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    values = config.values()
    for unsafe in ('"', "\\", "\n"):
        if any(unsafe in value for value in values.values()):
            raise ValueError("Janus settings cannot contain quotes, backslashes or line breaks")
    for template in sorted(TEMPLATES.glob("*.jcfg.tmpl")):
        text = string.Template(template.read_text()).substitute(values)
        (folder / template.name.removesuffix(".tmpl")).write_text(text)
    Path(config.recordings_dir).mkdir(parents=True, exist_ok=True)


def is_installed() -> bool:
    return Path(JANUS).exists() or shutil.which("janus") is not None


@dataclass
class LocalJanus:
    """One Janus process with its own configuration folder and log."""

    config: JanusConfig
    folder: Path
    command_prefix: list[str] = field(default_factory=list)  # e.g. ["ip", "netns", "exec", ns]
    process: subprocess.Popen | None = None

    @property
    def api_url(self) -> str:
        return f"http://{self.config.bind_ip}:{self.config.http_port}/janus"

    @property
    def log_file(self) -> Path:
        return self.folder / "janus.log"

    def start(self, timeout: float = 15.0) -> str:
        """Start Janus and wait until its API answers; returns the API address."""
        if not is_installed():
            raise RuntimeError("janus is not installed: scripts/setup.sh installs it")
        render(self.config, self.folder / "conf")
        command = [
            *self.command_prefix,
            shutil.which("janus") or JANUS,
            "-F",
            str(self.folder / "conf"),
            "-L",
            str(self.log_file),
            "-N",
            "-o",
        ]
        self.process = subprocess.Popen(  # noqa: S603 (our own command line)
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if not self.wait_until_up(timeout):
            self.stop()
            raise RuntimeError(f"Janus did not start; see {self.log_file}")
        return self.api_url

    def wait_until_up(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                return False
            if self.answers():
                return True
            time.sleep(0.05)
        return False

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/info", timeout=1) as response:  # noqa: S310
                return json.load(response).get("janus") == "server_info"
        except (OSError, ValueError):
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # Janus waits for its event handler's retries on the way out (the app may already be
        # gone); its rooms are closed by then, so a few seconds is enough before the hard way.
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """Stop it the hard way (a crashed server, for tests)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
