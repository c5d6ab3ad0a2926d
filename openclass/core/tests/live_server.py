"""Starts the real server for the browser tests, the way production runs it.

A throw-away var/ directory (SQLite database, secret key, collected static files), ``migrate``,
a few seeded users, then uvicorn on a free 127.0.0.1 port. Nothing here touches the developer's
own var/ directory or database.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from openclass.core.server import free_port, uvicorn_command, wait_until_up

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "bright-window-58"


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    password: str = PASSWORD


SCHOOL_NAME = "한빛초등학교"
CLASS_NAME = "3학년 1반"
STUDENT = Person("hanbit-0001", "김하늘")
# Kept for the wrong-password test, so its failed attempt never touches the other logins.
OTHER_STUDENT = Person("hanbit-0002", "이바다")
TEACHER = Person("hanbit-t01", "박선생")
COURSE_TITLE = "안전한 등하굣길"
LESSON_TITLE = "1차시 횡단보도"
LESSON_SECONDS = 30


def seed(*, with_course: bool = True) -> None:
    """Run inside a configured Django (``manage.py shell -c``): the organisation tree and users,
    and (``with_course``) the course with its transcoded video lesson."""
    from openclass.accounts.models import Organisation, TeachingAssignment, User

    kind = Organisation.Kind
    office = Organisation.objects.create(kind=kind.OFFICE, name="서울특별시교육청")
    district = Organisation.objects.create(
        kind=kind.DISTRICT, name="서울특별시동부교육지원청", parent=office
    )
    school = Organisation.objects.create(
        kind=kind.SCHOOL,
        name=SCHOOL_NAME,
        code="hanbit",
        parent=district,
        school_level=Organisation.SchoolLevel.ELEMENTARY,
    )
    grade = Organisation.objects.create(kind=kind.GRADE, name="3학년", number=3, parent=school)
    klass = Organisation.objects.create(kind=kind.CLASS, name="1반", number=1, parent=grade)
    for number, person in enumerate((STUDENT, OTHER_STUDENT), start=1):
        User.objects.create_user(
            person.username,
            password=person.password,
            name=person.name,
            role=User.Role.STUDENT,
            organisation=klass,
            number=number,
        )
    teacher = User.objects.create_user(
        TEACHER.username,
        password=TEACHER.password,
        name=TEACHER.name,
        role=User.Role.TEACHER,
        organisation=school,
    )
    TeachingAssignment.objects.create(teacher=teacher, klass=klass, is_homeroom=True)
    if with_course:
        seed_course(teacher, klass)


def seed_course(teacher, klass) -> None:
    """A published no-skip class course with one real, transcoded video lesson (made by ffmpeg),
    the class enrolled."""
    import tempfile

    from openclass.catalog.models import Topic
    from openclass.core import ffmpeg
    from openclass.courses.models import Course, Lesson, Section
    from openclass.courses.services import courses as services
    from openclass.media import services as media

    course = Course.objects.create(
        title=COURSE_TITLE,
        topic=Topic.objects.get(code="safety-health"),
        scope=Course.Scope.CLASS,
        organisation=klass,
        owner=teacher,
        is_published=True,
        no_skip=True,
    )
    course.teachers.add(teacher)
    section = Section.objects.create(course=course, title="1단원", position=1)
    with tempfile.TemporaryDirectory() as folder:
        source = ffmpeg.make_test_pattern(
            Path(folder) / "lesson.mp4", seconds=LESSON_SECONDS, size="320x240"
        )
        video = media.create_video_from_file(source, teacher, LESSON_TITLE)
    Lesson.objects.create(
        section=section,
        title=LESSON_TITLE,
        kind=Lesson.Kind.VIDEO,
        video=video,
        duration=video.duration,
        position=1,
    )
    services.enrol_organisation(teacher, course, klass)


# ``wait_until_up`` run under a command prefix (inside a network namespace).
_PROBE = (
    "import sys; from openclass.core.server import wait_until_up; "
    "sys.exit(not wait_until_up(sys.argv[1], timeout=float(sys.argv[2])))"
)


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """``manage.py ARGS`` of a server started for a test, in its environment (its settings and
    database); what it printed, or RuntimeError with its errors."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def _migrations_key() -> str:
    """What a migrated database depends on: every migration file of openclass and the pinned
    requirements (third-party apps' migrations), and the Python that ran them."""
    digest = hashlib.sha256(sys.version.encode())
    migrations = sorted(ROOT.glob("openclass/*/migrations/*.py"))
    for path in [*migrations, *sorted(ROOT.glob("requirements*.txt"))]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


#: Where what the tests make once is kept, for every test process and later runs.
MADE_ONCE = Path(tempfile.gettempdir()) / "openclass-migrated"


def _made_once(name: str, make: Callable[[Path], Path]) -> Path:
    """``MADE_ONCE/name``, made the first time it is asked for by ``make(scratch)``, which
    returns the file or folder it made in the scratch folder. A file lock of the name makes the
    other test processes wait and then reuse it; it is renamed into place when whole, so a
    process that died making it leaves nothing behind."""
    MADE_ONCE.mkdir(exist_ok=True)
    target = MADE_ONCE / name
    with (MADE_ONCE / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            with tempfile.TemporaryDirectory(dir=MADE_ONCE) as scratch:
                make(Path(scratch)).replace(target)
    return target


def _scratch_env(var_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a ``manage.py`` run on a var/ directory of its own (and, unless
    ``settings`` names one, its SQLite database)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openclass.settings",
        "OPENCLASS_VAR_DIR": str(var_dir),
        "OPENCLASS_DEBUG": "0",
        "OPENCLASS_LOG_LEVEL": "WARNING",
    }
    env.pop("OPENCLASS_DATABASE_URL", None)
    return {**env, **settings}


def migrated_template() -> Path:
    """An SQLite database with every migration applied, made once per ``_migrations_key``
    (``_made_once``). Only ``copy_database`` reads it."""

    def migrate(scratch: Path) -> Path:
        manage(_scratch_env(scratch), "migrate", "--noinput", "-v", "0")
        made = scratch / "made.sqlite3"
        copy_database(scratch / "openclass.sqlite3", made)
        return made

    return _made_once(f"{_migrations_key()}.sqlite3", migrate)


def migrated_postgres_template(url: str) -> str:
    """The name of a database on the PostgreSQL server of ``url`` with every migration
    applied, made once per ``_migrations_key`` and server (under a file lock shared by the
    test processes), for ``CREATE DATABASE … TEMPLATE`` to copy.

    The first server of a ``_migrations_key`` migrates (half a minute of a core: Django renders
    the migration state hundreds of times) and leaves a ``pg_dump`` of the result beside the
    SQLite template; later servers (the scaled pass's, the next run's) restore that in a second.
    """
    import psycopg

    key = _migrations_key()
    name = f"openclass_migrated_{key}"
    address = urlsplit(url)
    MADE_ONCE.mkdir(exist_ok=True)
    dump = MADE_ONCE / f"{key}.pgdump"
    lock_path = MADE_ONCE / f"postgres-{address.hostname}-{address.port}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        admin = address._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as maintenance:
            found = maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if found.fetchone():
                return name
            scratch = f"{name}_{os.getpid()}"
            scratch_url = address._replace(path=f"/{scratch}").geturl()
            maintenance.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
            maintenance.execute(f'CREATE DATABASE "{scratch}"')
            if dump.exists():
                _pg_tool(
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    "--single-transaction",
                    "--dbname",
                    scratch_url,
                    str(dump),
                )
            else:
                with tempfile.TemporaryDirectory(dir=MADE_ONCE) as var_dir:
                    env = _scratch_env(Path(var_dir), OPENCLASS_DATABASE_URL=scratch_url)
                    manage(env, "migrate", "--noinput", "-v", "0")
                made = MADE_ONCE / f"{dump.name}.{os.getpid()}"
                _pg_tool(
                    "pg_dump", "--format=custom", "--no-owner", "--file", str(made), scratch_url
                )
                made.replace(dump)  # whole or not at all
            # Renamed when whole: a process that died migrating leaves no template behind.
            maintenance.execute(f'ALTER DATABASE "{scratch}" RENAME TO "{name}"')
    return name


def _pg_tool(tool: str, *arguments: str) -> None:
    """Run pg_dump or pg_restore; RuntimeError with what it printed if it fails."""
    result = subprocess.run([tool, *arguments], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"{tool} failed:\n{result.stderr[-3000:]}")


def seeded_var() -> Path:
    """A var/ directory as ``LiveServer.prepare`` leaves it: the migrated database with
    ``seed()`` run on it, and the media it made. Made once per set of migrations and of the
    project's code, which the seed runs (ffmpeg makes and transcodes the course's video, 15–20 s
    of CPU), and copied by each server that asks for it."""
    digest = hashlib.sha256(_migrations_key().encode())
    for path in sorted(ROOT.glob("openclass/**/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())

    def seed_one(scratch: Path) -> Path:
        server = LiveServer(scratch / "var")
        server.collect_static()
        server.migrate()
        server._manage("shell", "-c", "from openclass.core.tests.live_server import seed; seed()")
        return server.var_dir

    return _made_once(f"seeded-{digest.hexdigest()[:16]}", seed_one)


def collected_static() -> Path:
    """A STATIC_ROOT as ``collectstatic`` leaves it (hashed names, compressed copies), made once
    per set of static files and pinned requirements, and shared by the servers the tests start:
    they only read it. Collecting and compressing took 4–5 s of a core for each of them."""
    digest = hashlib.sha256()
    sources = sorted(path for path in ROOT.glob("openclass/*/static/**/*") if path.is_file())
    for path in sources:
        stat = path.stat()
        digest.update(f"{path.relative_to(ROOT)} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    for path in [ROOT / "openclass" / "settings.py", *sorted(ROOT.glob("requirements*.txt"))]:
        digest.update(path.read_bytes())

    def collect(scratch: Path) -> Path:
        static = scratch / "static"
        env = _scratch_env(scratch, OPENCLASS_STATIC_ROOT=str(static))
        manage(env, "collectstatic", "--noinput", "-v", "0")
        return static

    return _made_once(f"static-{digest.hexdigest()[:16]}", collect)


def copy_database(source: Path, target: Path) -> None:
    """Copy an SQLite database through SQLite's backup API (consistent, WAL included)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def last_line(printed: str) -> str:
    lines = printed.strip().splitlines()
    return lines[-1] if lines else ""


class LiveServer:
    """uvicorn serving ``openclass.asgi:serve`` from a private var/ directory.

    ``host`` is the address uvicorn listens on; ``command_prefix`` runs it under another
    command, e.g. ``["ip", "netns", "exec", name]`` for a network namespace (whose servers this
    process cannot reach: the readiness check then runs under the prefix too).
    """

    def __init__(
        self, var_dir: Path, host: str = "127.0.0.1", command_prefix: list[str] | None = None
    ) -> None:
        self.var_dir = var_dir
        self.host = host
        self.command_prefix = list(command_prefix or [])
        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        self.log_path = var_dir / "server.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "openclass.settings",
            "OPENCLASS_VAR_DIR": str(var_dir),
            "OPENCLASS_STATIC_ROOT": str(var_dir / "static"),
            "OPENCLASS_SECRET_KEY": secrets.token_urlsafe(50),
            "OPENCLASS_DEBUG": "0",
            "OPENCLASS_ENV": "development",
            "OPENCLASS_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("OPENCLASS_DATABASE_URL", "OPENCLASS_REDIS_URL"):
            self.env.pop(name, None)
        if host != "127.0.0.1":
            hosts = self.env.get("OPENCLASS_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
            self.env["OPENCLASS_ALLOWED_HOSTS"] = f"{hosts},{host}"
        self.process: subprocess.Popen[bytes] | None = None

    def _manage(self, *args: str) -> None:
        manage(self.env, *args)

    def shell(self, code: str) -> str:
        """Run ``code`` in the server's Django (its database); the last line it printed."""
        return last_line(manage(self.env, "shell", "-c", code))

    def collect_static(self) -> None:
        """Serve the static files the tests collected once (``collected_static``)."""
        self.env["OPENCLASS_STATIC_ROOT"] = str(collected_static())

    def migrate(self) -> None:
        """The migrated database, as ``manage.py migrate`` leaves it: a copy of one migrated
        once per set of migrations (``migrated_template``). Migrating took 20 s of CPU for each
        of the twenty-odd servers a ``make test`` starts; copying takes milliseconds."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        copy_database(migrated_template(), self.var_dir / "openclass.sqlite3")

    def prepare(self) -> None:
        """Static files, and a var/ directory with ``seed()``'s people and course (the database
        and the course's transcoded video): a copy of one seeded once (``seeded_var``)."""
        self.collect_static()
        shutil.copytree(seeded_var(), self.var_dir, dirs_exist_ok=True)

    def start(self, timeout: float = 30.0) -> str:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [*self.command_prefix, *uvicorn_command(self.host, self.port, graceful_seconds=2)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        if self._wait_until_up(f"{self.url}/healthz", timeout):
            return self.url
        self.stop()
        raise RuntimeError(f"uvicorn did not answer /healthz within {timeout} s:\n{self.log()}")

    def _wait_until_up(self, url: str, timeout: float) -> bool:
        if not self.command_prefix:
            return wait_until_up(url, process=self.process, timeout=timeout)
        # The same poll, run where the server is reachable; given up when uvicorn exits first.
        probe = subprocess.Popen(
            [*self.command_prefix, sys.executable, "-c", _PROBE, url, str(timeout)], cwd=ROOT
        )
        while probe.poll() is None:
            if self.process.poll() is not None:
                probe.kill()
                probe.wait()
                return False
            time.sleep(0.1)
        return probe.returncode == 0

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
