"""The scaled profile, started for real for the tests (issue 15, item 6): PostgreSQL (the
cluster ``scripts/with_postgres.sh`` made), Redis, two uvicorn workers, two Janus servers and
Debian's nginx with ``deploy/nginx.conf`` as shipped, all on 127.0.0.1.

What the shipped nginx configuration is changed in, and only that: the addresses it listens on
and proxies to (free ports instead of 443, 80, 8000 and 8088), the certificate (a self-signed
one made here) and the ``/srv/openclass/var`` paths (this stack's own folder). The result is
written next to it, with a small main configuration around it (``nginx -c``).

The first Janus is reached through nginx (``/janus``, as shipped); the second, as a Janus on
another host would be, at its own address.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from openclass.core import redis_process
from openclass.core.server import free_port, stop_process, uvicorn_command
from openclass.core.tests.live_server import (
    PASSWORD,
    collected_static,
    last_line,
    manage,
    migrated_postgres_template,
)
from openclass.live.process import JanusConfig, LocalJanus

ROOT = Path(__file__).resolve().parents[3]
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
WORKERS = 2
TIMEOUT = 15


def nginx_available() -> bool:
    return shutil.which("nginx") is not None


def render_nginx(
    shipped: str,
    *,
    https_port: int,
    http_port: int,
    app_port: int,
    janus_port: int,
    var_dir: Path,
    certificate: Path,
    key: Path,
) -> str:
    """``deploy/nginx.conf`` with this stack's addresses, certificate and folder."""
    replacements = [
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{app_port};"),
        (r"127\.0\.0\.1:8088", f"127.0.0.1:{janus_port}"),
        (r"ssl_certificate\s+\S+;", f"ssl_certificate {certificate};"),
        (r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};"),
        (r"/srv/openclass/var/", f"{var_dir}/"),
    ]
    rendered = shipped
    for pattern, replacement in replacements:
        rendered, count = re.subn(pattern, replacement, rendered)
        if count == 0:
            raise AssertionError(f"deploy/nginx.conf no longer has {pattern!r}")
    return rendered


@contextlib.contextmanager
def fresh_database(cluster_url: str) -> Iterator[str]:
    """A database of its own on the cluster of ``cluster_url`` (each stack seeds its own city),
    a copy of the migrated template (the stack's ``migrate`` then finds nothing to do); dropped
    on the way out. Its address."""
    import psycopg

    address = urllib.parse.urlsplit(cluster_url)
    name = f"scaled_{secrets.token_hex(4)}"
    admin = address._replace(path="/postgres").geturl()
    template = migrated_postgres_template(cluster_url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield address._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _main_config(folder: Path, site: Path) -> str:
    return f"""
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
"""


def _certificate(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "openclass.pem", folder / "openclass.key"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
    command += ["-subj", "/CN=class.example.org"]
    command += ["-addext", "subjectAltName=DNS:class.example.org,IP:127.0.0.1"]
    command += ["-keyout", str(key), "-out", str(certificate)]
    subprocess.run(command, check=True, capture_output=True)
    return certificate, key


@dataclass
class ScaledStack:
    """The running stack: ``url`` is nginx's HTTPS address, ``env`` the platform's settings."""

    folder: Path
    database_url: str
    url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    janus_urls: list[str] = field(default_factory=list)
    janus: list[LocalJanus] = field(default_factory=list)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    app_port: int = 0
    redis_port: int = 0
    _stack: ExitStack = field(default_factory=ExitStack)

    def manage(self, *args: str) -> str:
        return manage(self.env, *args)

    def shell(self, code: str) -> str:
        """Run ``code`` in the platform's Django (its database); the last line it printed."""
        return last_line(self.manage("shell", "-c", code))

    def start(self) -> ScaledStack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        folder = self.folder
        var_dir = folder / "var"
        var_dir.mkdir(parents=True)
        self.redis_port = free_port()
        self.start_redis()
        self._stack.callback(self._stop, "redis", signal.SIGTERM)
        https_port, http_port, app_port = free_port(), free_port(), free_port()
        self.app_port = app_port
        janus_ports = [(free_port(), free_port()) for _ in range(2)]
        self.url = f"https://127.0.0.1:{https_port}"
        direct = [f"http://127.0.0.1:{port}/janus" for port, _admin in janus_ports]
        self.janus_urls = direct
        secret = {
            "OPENCLASS_JANUS_TOKEN_SECRET": secrets.token_urlsafe(24),
            "OPENCLASS_JANUS_ADMIN_KEY": secrets.token_urlsafe(24),
            "OPENCLASS_JANUS_EVENTS_PASSWORD": secrets.token_urlsafe(24),
            "OPENCLASS_JANUS_ADMIN_SECRET": secrets.token_urlsafe(24),
        }
        self.env = {
            **os.environ,
            **secret,
            "DJANGO_SETTINGS_MODULE": "openclass.settings",
            "OPENCLASS_ENV": "production",
            "OPENCLASS_DEBUG": "0",
            "OPENCLASS_SECRET_KEY": secrets.token_urlsafe(50),
            "OPENCLASS_VAR_DIR": str(var_dir),
            "OPENCLASS_STATIC_ROOT": str(var_dir / "static"),
            "OPENCLASS_DATABASE_URL": self.database_url,
            "OPENCLASS_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "OPENCLASS_ALLOWED_HOSTS": "127.0.0.1,class.example.org",
            "OPENCLASS_CSRF_TRUSTED_ORIGINS": self.url,
            "OPENCLASS_JANUS_URLS": ",".join(direct),
            # Browsers reach the first Janus through nginx, the second at its own address.
            "OPENCLASS_JANUS_PUBLIC_URLS": f"{self.url}/janus,{direct[1]}",
            "OPENCLASS_VIDEO_ACCEL_REDIRECT": "/_protected_media/",
            "OPENCLASS_LIVE_RECORDINGS_DIR": str(folder / "recordings"),
            "OPENCLASS_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        for number, (port, admin_port) in enumerate(janus_ports, start=1):
            config = JanusConfig(
                token_auth_secret=secret["OPENCLASS_JANUS_TOKEN_SECRET"],
                videoroom_admin_key=secret["OPENCLASS_JANUS_ADMIN_KEY"],
                admin_secret=secret["OPENCLASS_JANUS_ADMIN_SECRET"],
                events_url=f"http://127.0.0.1:{app_port}/live/janus/events/",
                events_password=secret["OPENCLASS_JANUS_EVENTS_PASSWORD"],
                recordings_dir=str(folder / "recordings"),
                server_name=f"openclass-janus-{number}",
                http_port=port,
                admin_port=admin_port,
                rtp_port_min=20000 + number * 1000,
                rtp_port_max=20999 + number * 1000,
            )
            janus = LocalJanus(config, folder / f"janus-{number}")
            janus.start()
            self.janus.append(janus)
            self._stack.callback(janus.stop)

        self.start_web()
        self._stack.callback(self._stop, "web")
        self.start_huey()
        self._stack.callback(self._stop, "huey")

        nginx_dir = folder / "nginx"
        nginx_dir.mkdir()
        certificate, key = _certificate(nginx_dir)
        site = nginx_dir / "openclass.conf"
        site.write_text(
            render_nginx(
                NGINX_CONF.read_text(),
                https_port=https_port,
                http_port=http_port,
                app_port=app_port,
                janus_port=janus_ports[0][0],
                var_dir=var_dir,
                certificate=certificate,
                key=key,
            )
        )
        main = nginx_dir / "nginx.conf"
        main.write_text(_main_config(nginx_dir, site))
        nginx = subprocess.Popen(
            ["nginx", "-c", str(main), "-p", str(nginx_dir), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=(nginx_dir / "stderr.log").open("wb"),
            start_new_session=True,
        )
        self.processes["nginx"] = nginx
        self._stack.callback(self._stop, "nginx", signal.SIGQUIT)
        # Only now the database and the files: every port above was picked free and then let
        # go, and a connection this makes (to PostgreSQL, Redis) could be given one of them
        # before its server bound it. The database is a migrated copy, so the servers start on
        # it; ``migrate`` checks that nothing is left to apply.
        self.manage("migrate", "--noinput", "-v", "0")
        # The static files the tests collected once, where nginx's alias expects them.
        (var_dir / "static").symlink_to(collected_static(), target_is_directory=True)
        self.manage("shell", "-c", "from openclass.core.tests.live_server import seed; seed()")
        self.wait_until_ready()

    # --- the parts, each started again after a test kills it ---------------------------------

    def _spawn(self, name: str, command: list[str]) -> None:
        with (self.folder / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed whole
            )

    def start_web(self) -> None:
        """uvicorn with its workers."""
        command = uvicorn_command("127.0.0.1", self.app_port, workers=WORKERS, graceful_seconds=2)
        self._spawn("web", command)

    def start_huey(self) -> None:
        """The Huey consumer (tasks queued in Redis: transcodes, periodic work)."""
        self._spawn("huey", [sys.executable, "manage.py", "run_huey", "--workers", "2"])

    def start_redis(self) -> None:
        self.processes["redis"] = redis_process.start_redis(self.folder / "redis", self.redis_port)

    def kill(self, name: str) -> None:
        """SIGKILL a part and every process of its group (uvicorn's workers, Huey's)."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def _stop(self, name: str, sig: int = signal.SIGINT) -> None:
        if name in self.processes:
            stop_process(self.processes[name], sig=sig)

    def wait_until_ready(self, timeout: float = 60) -> None:
        """Until the platform answers through nginx (in production it sends plain HTTP on to
        HTTPS, so uvicorn is asked through nginx)."""
        deadline = time.monotonic() + timeout
        while not self._answers("/healthz"):
            if self.processes["web"].poll() is not None:
                raise RuntimeError(f"uvicorn ended:\n{self.log('web.log')}")
            if self.processes["nginx"].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"no answer through nginx:\n{self.log('nginx/stderr.log')}"
                    f"\n{self.log('nginx/error.log')}\n{self.log('web.log')}"
                )
            time.sleep(0.2)

    def _answers(self, path: str) -> bool:
        address = self.url + path  # https, always
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(address, context=insecure(), timeout=2) as answer,  # noqa: S310
        ):
            return answer.status == 200
        return False

    def log(self, name: str) -> str:
        path = self.folder / name
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        self._stack.close()


def browser_session() -> requests.Session:
    """An HTTP client that takes the stack's self-signed certificate, and nothing from the
    environment (a proxy, or a CA bundle there, would override ``verify``)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = False
    return session


def signed_in(stack: ScaledStack, username: str, password: str = PASSWORD) -> requests.Session:
    """A browser-like session signed in through nginx: the login form, its CSRF token, the
    ``__Host-`` cookies."""
    browser = browser_session()
    login = browser.get(f"{stack.url}/accounts/login/", timeout=TIMEOUT)
    assert login.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    assert token, "no CSRF token on the login page"
    answer = browser.post(
        f"{stack.url}/accounts/login/",
        data={"csrfmiddlewaretoken": token[1], "username": username, "password": password},
        headers={"Referer": f"{stack.url}/accounts/login/", "Origin": stack.url},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    assert "__Host-sessionid" in browser.cookies
    return browser


def form_headers(stack: ScaledStack, browser: requests.Session) -> dict[str, str]:
    """What a page's form or script sends with a POST: its CSRF token and where it came from."""
    return {
        "X-CSRFToken": browser.cookies.get("__Host-csrftoken", ""),
        "Referer": stack.url + "/",
        "Origin": stack.url,
    }


def session_cookie(browser: requests.Session) -> str:
    return f"__Host-sessionid={browser.cookies['__Host-sessionid']}"


def insecure() -> ssl.SSLContext:
    """A TLS context that takes the stack's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@contextlib.contextmanager
def scaled_stack(folder: Path) -> Iterator[ScaledStack]:
    database_url = os.environ.get("OPENCLASS_DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise RuntimeError("the scaled profile runs under scripts/with_postgres.sh")
    with fresh_database(database_url) as own_database:
        stack = ScaledStack(folder, own_database).start()
        try:
            yield stack
        finally:
            stack.stop()


def running(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[ScaledStack]:
    """A test module's stack (``yield from`` in its module-scoped fixture): skipped outside the
    scaled pass, which runs on PostgreSQL (``make test-scaled``); nginx must be there."""
    if not os.environ.get("OPENCLASS_DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the scaled profile runs on PostgreSQL: `make test-scaled`")
    if not nginx_available():
        pytest.fail("nginx is missing: `scripts/setup.sh --test` installs Debian's nginx")
    with scaled_stack(Path(tmp_path_factory.mktemp(name))) as stack:
        yield stack
