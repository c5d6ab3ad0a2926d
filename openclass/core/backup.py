"""Backups that restore: the database and every file the platform keeps, in one directory with a
manifest, and a restore that checks all of it before it changes anything.

A backup is a directory (``openclass-<UTC time>``), not an archive::

    manifest.json           when, the code's version, each app's applied migrations, the
                            database vendor, and every file below with its size and sha256
    database.sqlite3        SQLite: a copy made by SQLite's online backup API
    database.pgdump         PostgreSQL: ``pg_dump --format=custom``
    files/media/…           everything under MEDIA_ROOT (uploads, HLS renditions, documents,
                            assignment files, question images, instructors' documents)
    files/recordings/…      everything under LIVE_RECORDINGS_DIR (Janus's raw recordings)

Why a directory: media is most of a city's backup (videos), and most of it does not change from
one night to the next; plain files let ``rsync --link-dest``, restic or borg copy and keep only
what changed, where a new tar each night would be a new blob of the same size. Nothing is read
through an archive format at restore, so a damaged file spoils only itself, and the manifest's
checksums say which. It is written as ``<name>.partial`` and renamed when the manifest is in
place, so a directory without ``.partial`` is a finished backup.

Consistency while the platform takes writes: the database is copied first, as one snapshot
(SQLite's backup API copies the whole database in one step inside one read transaction; pg_dump
reads in one repeatable-read transaction), and the files after it. The platform writes a file
before the row that names it, so every file a row of the snapshot names is already on disk when
the files are copied. Files that arrive after the snapshot are copied too and are harmless
orphans (no row names them). A file deleted between the snapshot and its copy (its row was
deleted after the snapshot) is missing from the backup and listed under ``vanished`` in the
manifest.

Nothing here knows an area: the database is copied whole and the file roots come from settings.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage, storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1  # of the manifest; a restore refuses formats it does not know
MANIFEST = "manifest.json"
PARTIAL = ".partial"
PREFIX = "openclass-"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024
PG_DUMP = "pg_dump"
PG_RESTORE = "pg_restore"


class BackupError(Exception):
    """What the operator is told when a backup cannot be made or restored; when a restore
    raises it before the database step, nothing was changed."""


@dataclass(frozen=True)
class Entry:
    """One file of a backup: its path inside the backup (POSIX), size and sha256."""

    path: str
    size: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    files: int
    unapplied_migrations: list[str]  # this code's migrations the backup had not applied yet


def file_roots() -> dict[str, Path]:
    """The folders whose files a backup holds, by the name they have inside it: the stored
    files when the storage is a folder (``FileSystemStorage``, the default), and Janus's
    recordings. Object storage (``OPENCLASS_STORAGE=s3``) is not copied file by file through
    the app: the bucket is versioned and replicated by the object store's own tools."""
    roots = {"recordings": Path(settings.LIVE_RECORDINGS_DIR)}
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        roots["media"] = Path(storage.location)
    return roots


def not_included() -> list[str]:
    """What holds stored files but is not in the backup, for the manifest and the operator."""
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        return []
    return [f"media: stored files are in {type(storage).__name__}, not in a folder"]


def code_version() -> str:
    """The platform's version (pyproject.toml), written into the manifest for the operator."""
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


# --- Backup ---------------------------------------------------------------------------------


def backup(
    parent: Path,
    using: str = DEFAULT_DB_ALIAS,
    roots: dict[str, Path] | None = None,
) -> Path:
    """Back up the database ``using`` and the files under ``roots`` (default: ``file_roots()``)
    into a new directory in ``parent``; returns the finished directory."""
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    default_roots = roots is None
    roots = file_roots() if roots is None else roots
    started = datetime.datetime.now(datetime.UTC)
    parent.mkdir(parents=True, exist_ok=True)
    name = f"{PREFIX}{started:%Y%m%dT%H%M%S%fZ}"
    work = parent / f"{name}{PARTIAL}"
    work.mkdir(mode=0o700)  # it holds every account's personal data and password hash
    try:
        migrations = applied_migrations(connection)
        # The database first, then the files: see the module's docstring.
        database = work / DATABASE_FILES[vendor]
        if vendor == "sqlite":
            _dump_sqlite(connection, database)
        else:
            _dump_postgresql(connection, database)
        snapshot_at = datetime.datetime.now(datetime.UTC)
        database_entry = Entry(database.name, *_size_and_hash(database))
        files: list[Entry] = []
        vanished: list[str] = []
        skip = {parent.resolve()}
        for root_name, root in sorted(roots.items()):
            for source, relative in _walk(root, skip):
                inside = f"files/{root_name}/{relative}"
                try:
                    files.append(Entry(inside, *_copy_hashing(source, work / inside)))
                except FileNotFoundError:
                    vanished.append(inside)
        manifest = {
            "format": FORMAT,
            "started_at": started.isoformat(),
            "database_snapshot_before": snapshot_at.isoformat(),
            "finished_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "version": code_version(),
            "database": {"vendor": vendor, **database_entry.as_json()},
            "migrations": migrations,
            "roots": {root_name: str(root) for root_name, root in sorted(roots.items())},
            "files": [entry.as_json() for entry in files],
            "vanished": vanished,
            "not_included": not_included() if default_roots else [],
        }
        _write_manifest(work / MANIFEST, manifest)
        final = parent / name
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def applied_migrations(connection: BaseDatabaseWrapper) -> dict[str, list[str]]:
    """Each app's applied migrations, by name: the schema the backup's data fits."""
    by_app: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        by_app.setdefault(app, []).append(name)
    return by_app


def _dump_sqlite(connection: BaseDatabaseWrapper, target: Path) -> None:
    """SQLite's online backup API, the whole database in one step (``pages=-1``): one read
    transaction, so the copy is one consistent state; in WAL mode writers go on meanwhile."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy, pages=-1)
        # One self-contained file (no -wal beside it), readable from a read-only place.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()


def _pg_connection(connection: BaseDatabaseWrapper) -> tuple[list[str], dict[str, str]]:
    """pg_dump's and pg_restore's connection options and environment (password, SSL, service),
    from the same settings Django connects with."""
    settings_dict = connection.settings_dict
    client = connection.client_class
    _, env = client.settings_to_cmd_args_env(settings_dict, [])
    options = []
    if settings_dict.get("USER"):
        options += ["--username", str(settings_dict["USER"])]
    if settings_dict.get("HOST"):
        options += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        options += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("NAME"):
        options += ["--dbname", str(settings_dict["NAME"])]
    return [*options, "--no-password"], {**os.environ, **(env or {})}


def _run_pg(tool: str, arguments: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(  # noqa: S603 (fixed tool, an argument list, no shell)
            [tool, *arguments], env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise BackupError(
            f"{tool} is not installed: apt-get install postgresql-client (its major version "
            "at least the server's)."
        ) from error
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip()[-2000:]}")


def _dump_postgresql(connection: BaseDatabaseWrapper, target: Path) -> None:
    """pg_dump's custom format: one snapshot of the whole database, compressed, restored by
    pg_restore into any database of the same or a later PostgreSQL."""
    options, env = _pg_connection(connection)
    _run_pg(PG_DUMP, ["--format=custom", "--file", str(target), *options], env)


def _walk(root: Path, skip: set[Path]) -> Iterator[tuple[Path, str]]:
    """Every regular file under ``root`` (symbolic links are not followed), with its path
    relative to it, in a stable order; folders in ``skip`` (the backups' own) are left out."""
    if not root.is_dir():
        return
    for folder, folders, names in os.walk(root):
        here = Path(folder)
        folders[:] = sorted(name for name in folders if (here / name).resolve() not in skip)
        for name in sorted(names):
            path = here / name
            if path.is_file() and not path.is_symlink():
                yield path, path.relative_to(root).as_posix()


def _copy_hashing(source: Path, target: Path) -> tuple[int, str]:
    """Copy a file and hash what was copied, in one read: the checksum is of the bytes the
    backup holds even if the file grows meanwhile (an upload's partial file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as reader, open(target, "wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    stat = source.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return size, digest.hexdigest()


def _size_and_hash(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


# --- Restore --------------------------------------------------------------------------------


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of a finished backup, or a ``BackupError`` saying what is wrong."""
    path = directory / MANIFEST
    if directory.name.endswith(PARTIAL):
        raise BackupError(f"{directory} is an unfinished backup (it was interrupted).")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BackupError(f"{directory} is not a backup: it has no {MANIFEST}.") from error
    except (OSError, ValueError) as error:
        raise BackupError(f"{path} cannot be read: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a backup manifest this version can read.")
    return manifest


def _inside(directory: Path, relative: str) -> Path:
    """A manifest's path as a file of the backup; a path that would leave it is refused."""
    posix = PurePosixPath(relative)
    if posix.is_absolute() or ".." in posix.parts or not posix.parts:
        raise BackupError(f"The manifest names a file outside the backup: {relative!r}.")
    return directory.joinpath(*posix.parts)


def verify(directory: Path) -> dict[str, Any]:
    """Check every file of a backup against its manifest (present, size, sha256); returns the
    manifest. Reads everything, writes nothing."""
    manifest = read_manifest(directory)
    database = manifest.get("database") or {}
    if database.get("vendor") not in DATABASE_FILES:
        raise BackupError(f"The backup's database vendor is unknown: {database.get('vendor')!r}.")
    for entry in [database, *manifest.get("files", [])]:
        path = _inside(directory, str(entry.get("path", "")))
        if not path.is_file():
            raise BackupError(f"The backup is incomplete: {entry['path']} is missing.")
        size, sha256 = _size_and_hash(path)
        if size != entry.get("size") or sha256 != entry.get("sha256"):
            raise BackupError(
                f"The backup is damaged: {entry['path']} does not match its checksum in the "
                f"manifest (sha256 {sha256}, {size} bytes; the manifest says "
                f"{entry.get('sha256')}, {entry.get('size')} bytes)."
            )
    return manifest


def holds_data(using: str = DEFAULT_DB_ALIAS, roots: dict[str, Path] | None = None) -> list[str]:
    """What in this installation a restore would overwrite: the database when it has any
    account (a fresh installation, migrated and nothing else, has none; everything people make
    belongs to an account), and each file root that has a file. Empty: a fresh installation."""
    connection = connections[using]
    found = []
    table = get_user_model()._meta.db_table
    with connection.cursor() as cursor:
        if table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 (a model's table name)
            if cursor.fetchone():
                found.append(f"the database {connection.settings_dict['NAME']} has accounts")
    for root_name, root in sorted((file_roots() if roots is None else roots).items()):
        if next(_walk(root, set()), None) is not None:
            found.append(f"{root} ({root_name}) has files")
    return found


def restore(
    directory: Path,
    using: str = DEFAULT_DB_ALIAS,
    roots: dict[str, Path] | None = None,
    force: bool = False,
) -> RestoreResult:
    """Restore a backup into this installation: database ``using`` and the file roots.

    Everything is checked before anything is changed: every checksum, that the database is of
    the same vendor, that this code knows every migration the backup had applied (a backup from
    a newer version needs that version), and that the installation is fresh (``holds_data``)
    unless ``force``. Then the database is replaced whole and the files are written over.
    Migrations this code has and the backup had not applied are returned: run ``migrate``.
    """
    roots = file_roots() if roots is None else roots
    manifest = verify(directory)
    connection = connections[using]
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"The backup is of a {vendor} database; this installation uses {connection.vendor}."
        )
    unknown_roots = {
        PurePosixPath(entry["path"]).parts[1] for entry in manifest.get("files", [])
    } - set(roots)
    if unknown_roots:
        names = ", ".join(sorted(unknown_roots))
        raise BackupError(
            f"This installation has no folder for the backup's {names} (is its storage "
            "object storage? Restore into an installation that stores files in a folder)."
        )
    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    newer = sorted(applied - on_disk)
    if newer:
        raise BackupError(
            "The backup was made by a newer openclass (this code lacks the migrations "
            + ", ".join(f"{app}.{name}" for app, name in newer[:5])
            + "): install that version, restore, then upgrade."
        )
    if not force and (found := holds_data(using, roots)):
        raise BackupError(
            "This installation is not empty: "
            + "; ".join(found)
            + ". Restore into a fresh installation, or add --force to overwrite it."
        )
    database = _inside(directory, manifest["database"]["path"])
    if vendor == "sqlite":
        _load_sqlite(connection, database)
    else:
        _load_postgresql(connection, database)
    written = 0
    for entry in manifest.get("files", []):
        _, root_name, *parts = PurePosixPath(entry["path"]).parts
        target = roots[root_name].joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.restoring")
        shutil.copy2(_inside(directory, entry["path"]), partial)
        os.replace(partial, target)
        written += 1
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    unapplied = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
    return RestoreResult(manifest, written, unapplied)


def _load_sqlite(connection: BaseDatabaseWrapper, database: Path) -> None:
    """The backup API the other way: the installation's database becomes the backup's, page
    for page, in one step (other connections see the old or the new database, never a mix)."""
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        connection.ensure_connection()
        source.backup(connection.connection, pages=-1)
    finally:
        source.close()
        # The next connection runs the settings' PRAGMAs again (WAL) on the new database.
        connection.close()


def _load_postgresql(connection: BaseDatabaseWrapper, database: Path) -> None:
    """Drop every table of the installation's schema (a fresh installation's empty tables, or
    with --force its data), then pg_restore the dump in one transaction: the tables, their
    rows, sequences at their values, indexes and constraints, owned by the role restoring."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if tables:
            quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
            cursor.execute(f"DROP TABLE IF EXISTS {quoted} CASCADE")
    connection.close()
    options, env = _pg_connection(connection)
    arguments = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    _run_pg(PG_RESTORE, [*arguments, *options, str(database)], env)


def backups_in(parent: Path) -> list[Path]:
    """The finished backups in ``parent``, oldest first."""
    if not parent.is_dir():
        return []
    return sorted(
        path
        for path in parent.iterdir()
        if path.is_dir() and path.name.startswith(PREFIX) and not path.name.endswith(PARTIAL)
    )


def taken_at(directory: Path) -> datetime.datetime:
    """When a backup was taken, from its name (``openclass-<UTC time>``)."""
    stamp = directory.name.removeprefix(PREFIX)
    return datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=datetime.UTC)


def to_keep(backups: list[Path], daily: int = 7, weekly: int = 4, monthly: int = 12) -> set[Path]:
    """Which backups a rotation keeps: the newest of each of the last ``daily`` days that have
    one, of the last ``weekly`` ISO weeks and of the last ``monthly`` months (UTC), and always
    the newest of all. Days, weeks and months without a backup do not count, so a machine that
    was off keeps as many backups, only older ones."""
    newest_first = sorted(backups, key=taken_at, reverse=True)
    keep = set(newest_first[:1])
    periods = [
        (daily, lambda moment: moment.date()),
        (weekly, lambda moment: moment.isocalendar()[:2]),
        (monthly, lambda moment: (moment.year, moment.month)),
    ]
    for count, period_of in periods:
        seen: set[object] = set()
        for path in newest_first:
            period = period_of(taken_at(path))
            if period not in seen and len(seen) < count:
                seen.add(period)
                keep.add(path)
    return keep


def prune(parent: Path, daily: int = 7, weekly: int = 4, monthly: int = 12) -> list[Path]:
    """Delete the finished backups in ``parent`` that the rotation (``to_keep``) does not keep;
    returns them. Unfinished (``.partial``) directories are left for the operator to look at."""
    backups = backups_in(parent)
    keep = to_keep(backups, daily, weekly, monthly)
    gone = [path for path in backups if path not in keep]
    for path in gone:
        shutil.rmtree(path)
    return gone
