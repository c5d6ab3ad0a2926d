"""Backups that restore (``openclass.core.backup``, ``manage.py backup`` / ``restore``): a seeded
installation backed up while a thread keeps writing rows and files, restored into a fresh
database, compared table by table and file by file; damaged backups and non-empty installations
refused without changing anything.

The real parts: on the SQLite pass the installation is a WAL-mode database file of its own (as in
production; the suite's own database holds the test's rows uncommitted) and the fresh one a new
file; on the PostgreSQL pass (``scripts/with_postgres.sh``) the
installation is the test database and the fresh one a new database on the same cluster, with the
real pg_dump and pg_restore.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections, transaction
from django.db.utils import load_backend

from openclass.accounts.models import User
from openclass.core import backup
from openclass.notifications.models import Notification

SOURCE = "backup_source"
RESTORED = "backup_restored"


DATABASES: dict[str, dict[str, Any]] = {}


def add_database(alias: str, **changes: Any) -> None:
    """A database alias for this test, like the test database but for ``changes``: made by
    hand (not in ``connections.settings``), as Django's test case lets a test use connections
    it makes itself but not configured databases other than its own."""
    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    settings_dict.update(changes)
    DATABASES[alias] = settings_dict
    open_database(alias)


def open_database(alias: str) -> None:
    """This thread's connection to a database of ``add_database`` (connections are per thread)."""
    settings_dict = DATABASES[alias]
    connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        copy.deepcopy(settings_dict), alias
    )


def remove_database(alias: str) -> None:
    connections[alias].close()
    del connections[alias]
    del DATABASES[alias]


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(installation, fresh database) aliases: see the module's docstring."""
    default = connections["default"]
    if default.vendor == "sqlite":
        installation = tmp_path / "installation.sqlite3"
        default.ensure_connection()
        with sqlite3.connect(installation) as copy_of_seed:
            default.connection.backup(copy_of_seed)
        add_database(SOURCE, NAME=str(installation))
        add_database(RESTORED, NAME=str(tmp_path / "fresh.sqlite3"))
        try:
            yield SOURCE, RESTORED
        finally:
            remove_database(SOURCE)
            remove_database(RESTORED)
        return
    name = f"{default.settings_dict['NAME']}_restored"
    with default.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    add_database(RESTORED, NAME=name)
    try:
        yield "default", RESTORED
    finally:
        remove_database(RESTORED)
        with default.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def installation(homework, bank, settings, tmp_path: Path) -> dict[str, Any]:
    """The city with its courses, an assignment with enrolments and a question bank, and files
    in its media and recordings folders: saved through the storage by rows that name them
    (a lesson's document), and the kinds a video and a live class leave."""
    roots = {"media": tmp_path / "source" / "media", "recordings": tmp_path / "source" / "rec"}
    settings.MEDIA_ROOT = roots["media"]
    settings.LIVE_RECORDINGS_DIR = roots["recordings"]
    document = homework.courses.document
    document.document.save("안전 수칙.pdf", ContentFile(b"%PDF-1.4 " + bytes(range(256)) * 40))
    hls = roots["media"] / "videos" / "1" / "hls" / "720p"
    hls.mkdir(parents=True)
    (hls / "index.m3u8").write_text("#EXTM3U\n#EXT-X-ENDLIST\n")
    (hls / "segment_000.ts").write_bytes(hashlib.sha256(b"seed").digest() * 32768)  # 1 MiB
    room = roots["recordings"] / "1"
    room.mkdir(parents=True)
    (room / "videoroom-1234-user-1-1700000000000000-video-0.mjr").write_bytes(b"MJR00002" * 999)
    return {**roots, "document": document}


def rows_of(alias: str) -> dict[str, dict[Any, tuple]]:
    """Every row of every table Django knows (each model and each many-to-many table), by
    primary key."""
    tables: dict[str, dict[Any, tuple]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.swapped:
            continue
        fields = [field.attname for field in meta.concrete_fields]
        index = fields.index(meta.pk.attname)
        rows = model._base_manager.using(alias).order_by("pk").values_list(*fields)
        tables[meta.db_table] = {row[index]: row for row in rows}
    return tables


def files_under(roots: dict[str, Path]) -> dict[str, str]:
    return {
        f"{name}/{path.relative_to(root).as_posix()}": hashlib.sha256(path.read_bytes()).hexdigest()
        for name, root in roots.items()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


class Writer(threading.Thread):
    """The platform taking writes: each step stores a file, then in one transaction two
    notifications (to two people) naming it, as uploads store the file before the row."""

    def __init__(self, alias: str, media: Path, recipients: tuple[int, int]) -> None:
        super().__init__(daemon=True)
        self.alias, self.media, self.recipients = alias, media, recipients
        self.steps = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        if self.alias in DATABASES:
            open_database(self.alias)
        try:
            while not self.stop.is_set():
                name = f"writer/{self.steps}.txt"
                (self.media / "writer").mkdir(parents=True, exist_ok=True)
                (self.media / name).write_text(f"step {self.steps}")
                with transaction.atomic(using=self.alias):
                    for recipient in self.recipients:
                        Notification.objects.using(self.alias).create(
                            recipient_id=recipient, subject=f"step {self.steps}", url=name
                        )
                self.steps += 1
                time.sleep(0.002)
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            connections[self.alias].close()

    def wait_for(self, steps: int) -> None:
        deadline = time.monotonic() + 30
        while self.steps < steps and self.error is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert self.error is None, self.error
        assert self.steps >= steps, "the writer did not get going"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_taken_while_the_platform_writes_restores_every_row_and_file(
    installation: dict[str, Any], databases: tuple[str, str], settings, tmp_path: Path
) -> None:
    source, fresh = databases
    first, second = User.objects.using(source).order_by("pk").values_list("pk", flat=True)[:2]
    writer = Writer(source, installation["media"], (first, second))
    writer.start()
    try:
        writer.wait_for(5)
        call_command("backup", output=tmp_path / "backups", database=source)
        after_backup = writer.steps
        writer.wait_for(after_backup + 5)  # it went on writing after the backup too
    finally:
        writer.stop.set()
        writer.join(10)
    assert writer.error is None, writer.error
    [made] = backup.backups_in(tmp_path / "backups")
    manifest = json.loads((made / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == connections[source].vendor
    assert "0001_initial" in manifest["migrations"]["accounts"]
    [segment] = [entry for entry in manifest["files"] if entry["path"].endswith("000.ts")]
    assert segment["path"] == "files/media/videos/1/hls/720p/segment_000.ts"
    assert segment["size"] == 1 << 20
    assert len(segment["sha256"]) == 64

    # Restore into a fresh installation: a new database, empty folders.
    target = {"media": tmp_path / "fresh" / "media", "recordings": tmp_path / "fresh" / "rec"}
    settings.MEDIA_ROOT, settings.LIVE_RECORDINGS_DIR = target["media"], target["recordings"]
    call_command("restore", str(made), database=fresh)

    # Every table row for row: the restored rows are the installation's at one moment. The
    # writer's steps form an unbroken run from the first (no step torn in half, none skipped)
    # that holds every step committed before the backup began; the installation's rows beyond
    # it are the writer's later steps, and nothing else differs.
    before, after = rows_of(source), rows_of(fresh)
    assert before.keys() == after.keys()
    notifications = Notification._meta.db_table
    subject = [field.attname for field in Notification._meta.concrete_fields].index("subject")
    steps = sorted(int(row[subject].split()[1]) for row in after[notifications].values())
    restored_steps = len(steps) // 2
    assert steps == sorted([*range(restored_steps)] * 2)
    # (+ 1: the writer may have committed a step of the snapshot and not yet counted it.)
    assert 5 <= restored_steps <= after_backup + 1
    for table, rows in before.items():
        for pk, row in rows.items():
            if table == notifications and int(row[subject].split()[1]) >= restored_steps:
                assert pk not in after[table]
            else:
                assert after[table].get(pk) == row, f"{table} row {pk} differs"
        assert after[table].keys() <= rows.keys(), f"{table} has rows the installation had not"
    assert len(after["accounts_user"]) > 10
    assert after["courses_enrolment"] and after["assessments_question"]

    # Every file, by checksum: all the installation's, but the writer's files of steps after
    # the snapshot, which may or may not have been copied (orphans); and each restored row's
    # file is there.
    roots = {name: installation[name] for name in ("media", "recordings")}
    source_files, restored_files = files_under(roots), files_under(target)
    for name, sha256 in source_files.items():
        step = int(Path(name).stem) if "/writer/" in name else -1
        if step < restored_steps:
            assert restored_files.get(name) == sha256, f"{name} was not restored"
    for name, sha256 in restored_files.items():
        if "/writer/" in name and int(Path(name).stem) >= restored_steps:
            continue  # an orphan, perhaps copied while it was being written: harmless
        assert source_files.get(name) == sha256, f"{name} is not the installation's"
    lesson = installation["document"]
    restored_document = type(lesson).objects.using(fresh).get(pk=lesson.pk).document.name
    assert restored_document.startswith("documents/") and restored_document.endswith(".pdf")
    assert f"media/{restored_document}" in restored_files

    # The restored installation takes writes (PostgreSQL's sequences came back with the rows).
    Notification.objects.using(fresh).create(recipient_id=first, subject="after restore")

    # Over an installation that holds data: refused without --force, and nothing changes.
    with pytest.raises(CommandError, match=r"not empty.*--force"):
        call_command("restore", str(made), database=fresh)
    assert Notification.objects.using(fresh).filter(subject="after restore").exists()
    call_command("restore", str(made), "--force", database=fresh)
    assert not Notification.objects.using(fresh).filter(subject="after restore").exists()
    assert rows_of(fresh) == after
    assert files_under(target) == restored_files


@pytest.fixture
def small_backup(city, settings, tmp_path: Path) -> Iterator[Path]:
    """A backup with two files, of the test database on PostgreSQL (pg_dump reads what is
    committed, in its own process); on SQLite of a small database file, since the suite's
    database holds the test's rows in its open transaction."""
    media = tmp_path / "media"
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "a.pdf").write_bytes(b"%PDF-1.4 first")
    (media / "documents" / "b.pdf").write_bytes(b"%PDF-1.4 second")
    settings.MEDIA_ROOT = media
    settings.LIVE_RECORDINGS_DIR = tmp_path / "recordings"
    alias = "default"
    if connections["default"].vendor == "sqlite":
        alias = SOURCE
        with sqlite3.connect(tmp_path / "small.sqlite3") as small:
            small.execute("CREATE TABLE kept (note TEXT)")
            small.executemany("INSERT INTO kept VALUES (?)", [("기록",)] * 100)
        add_database(alias, NAME=str(tmp_path / "small.sqlite3"))
    try:
        made = backup.backup(tmp_path / "backups", using=alias)
    finally:
        if alias != "default":
            remove_database(alias)
    settings.MEDIA_ROOT = tmp_path / "fresh-media"
    yield made


@pytest.mark.django_db
@pytest.mark.parametrize("damaged", ["file", "database"])
def test_a_damaged_backup_is_refused_and_changes_nothing(small_backup: Path, damaged: str) -> None:
    manifest = backup.read_manifest(small_backup)
    name = manifest["database"]["path"] if damaged == "database" else "files/media/documents/b.pdf"
    path = small_backup / name
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01  # one bit
    path.write_bytes(bytes(content))
    refusal = re.escape(f"damaged: {name} does not match its checksum")
    with pytest.raises(CommandError, match=refusal):
        call_command("restore", str(small_backup), "--force")
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(small_backup), "--verify-only")
    from django.conf import settings

    assert not Path(settings.MEDIA_ROOT).exists(), "a refused restore wrote files"
    assert User.objects.exists()


@pytest.mark.django_db
def test_a_manifest_cannot_name_files_outside_the_backup(small_backup: Path) -> None:
    manifest_path = small_backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"][0]["path"] = "../../../etc/passwd"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupError, match="outside the backup"):
        backup.verify(small_backup)


@pytest.mark.django_db
def test_an_installation_with_accounts_is_not_overwritten_without_force(
    small_backup: Path,
) -> None:
    assert backup.verify(small_backup)["files"]
    with pytest.raises(CommandError, match=r"has accounts.*--force"):
        call_command("restore", str(small_backup))
    from django.conf import settings

    assert not Path(settings.MEDIA_ROOT).exists()


def test_an_unfinished_backup_is_refused(tmp_path: Path) -> None:
    partial = tmp_path / "openclass-20261205T010000000000Z.partial"
    partial.mkdir()
    (partial / "manifest.json").write_text(json.dumps({"format": backup.FORMAT}))
    with pytest.raises(backup.BackupError, match="unfinished"):
        backup.verify(partial)
    assert backup.backups_in(tmp_path) == []


def test_the_rotation_keeps_seven_days_four_weeks_and_twelve_months(tmp_path: Path) -> None:
    """A nightly backup for 400 days, one missed night and two on one day: 7 + 4 + 12 kept
    (the newest of each day, week and month, overlapping), the rest deleted."""
    start = datetime.datetime(2025, 11, 1, 2, 0, tzinfo=datetime.UTC)
    moments = [start + datetime.timedelta(days=day) for day in range(400) if day != 396]
    moments.append(moments[-1] + datetime.timedelta(hours=12))
    for moment in moments:
        (tmp_path / f"{backup.PREFIX}{moment:%Y%m%dT%H%M%S%fZ}").mkdir()
    (tmp_path / f"{backup.PREFIX}20251101T000000000000Z.partial").mkdir()
    gone = backup.prune(tmp_path)
    kept = [backup.taken_at(path) for path in backup.backups_in(tmp_path)]
    assert len(kept) + len(gone) == len(moments)
    newest = max(moments)
    assert newest in kept
    days = sorted({moment.date() for moment in kept}, reverse=True)
    assert days[:7] == sorted({moment.date() for moment in moments}, reverse=True)[:7]
    assert len({moment.isocalendar()[:2] for moment in kept}) >= 4
    months = {(moment.year, moment.month) for moment in kept}
    assert len(months) == 12 and min(months) == (2026, 1)  # the last: 2026-12-05
    assert len(kept) < 7 + 4 + 12  # the newest of a day is also its week's and month's
    assert (tmp_path / f"{backup.PREFIX}20251101T000000000000Z.partial").exists()
    assert backup.prune(tmp_path) == []


def test_object_storage_is_named_as_not_included(settings, tmp_path: Path) -> None:
    """With the files in object storage the backup copies no media folder, and says so."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    settings.LIVE_RECORDINGS_DIR = tmp_path / "recordings"
    assert set(backup.file_roots()) == {"recordings"}
    assert backup.not_included() == ["media: stored files are in InMemoryStorage, not in a folder"]
