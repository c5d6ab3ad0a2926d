"""Stored files, through Django's storage API only (docs/decisions/0010-file-storage.md).

Every area reads and writes the files people upload through ``default_storage`` (a ``FileField``
does so by itself): a directory shared by every web and worker host by default
(``FileSystemStorage`` under ``MEDIA_ROOT``), S3-compatible object storage with
``OPENCLASS_STORAGE=s3`` (django-storages). No area builds a path under ``MEDIA_ROOT``.

What needs a file on this host's disk (ffprobe, ffmpeg) asks ``local_copy`` for one: the stored
file itself when the storage is a filesystem, else a copy in the scratch folder
(``MEDIA_SPOOL_DIR``/work) that is removed afterwards. What such a program makes in a scratch
folder goes back with ``save_file`` / ``save_tree``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.http import FileResponse, HttpResponse, HttpResponseBase

COPY_BLOCK = 1024 * 1024


def disk_path(name: str, storage: Storage | None = None) -> Path | None:
    """Where the stored file ``name`` is on this host's disk, or None for a storage without one
    (object storage)."""
    storage = storage or default_storage
    try:
        return Path(storage.path(name))
    except NotImplementedError:
        return None


def scratch_dir() -> Path:
    """This host's folder for temporary work on files (never shared, never served)."""
    folder = Path(settings.MEDIA_SPOOL_DIR) / "work"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def local_copy(name: str, storage: Storage | None = None) -> Iterator[Path]:
    """The stored file ``name`` as a path on this host, for programs that need one.

    Raises FileNotFoundError when nothing is stored under ``name``. The copy (if one was needed)
    keeps the stored name's last part, ending included, so a program guessing the format from
    it sees the same name either way.
    """
    storage = storage or default_storage
    if not name or not storage.exists(name):
        raise FileNotFoundError(name)
    path = disk_path(name, storage)
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(dir=scratch_dir()) as folder:
        target = Path(folder) / PurePosixPath(name).name
        with storage.open(name, "rb") as source, open(target, "wb") as copy:
            shutil.copyfileobj(source, copy, COPY_BLOCK)
        yield target


class _MovableFile(File):
    """A local file a filesystem storage may move into place instead of copying (Django's
    ``FileSystemStorage._save`` moves what has a ``temporary_file_path``)."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def save_file(name: str, path: Path, storage: Storage | None = None, *, move: bool = False) -> str:
    """Store the local file ``path`` under exactly ``name`` (replacing what was there).

    ``move``: the local file is not needed afterwards; a filesystem storage renames it into
    place when it can. Returns the stored name.
    """
    storage = storage or default_storage
    if storage.exists(name):
        storage.delete(name)
    with open(path, "rb") as handle:
        content = _MovableFile(handle, name=str(path)) if move else File(handle, name=path.name)
        stored = storage.save(name, content)
    if move:
        path.unlink(missing_ok=True)
    return stored


def save_tree(folder: Path, prefix: str, storage: Storage | None = None) -> list[str]:
    """Store every file under the local ``folder`` below ``prefix``, moving them (the folder is
    scratch). Returns the stored names."""
    stored = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = f"{prefix}/{path.relative_to(folder).as_posix()}"
        stored.append(save_file(name, path, storage, move=True))
    return stored


def list_tree(prefix: str, storage: Storage | None = None) -> list[str]:
    """Every stored name below ``prefix`` (a "folder": names are split on "/")."""
    storage = storage or default_storage
    try:
        folders, files = storage.listdir(prefix)
    except FileNotFoundError:
        return []
    names = [f"{prefix}/{file}" for file in files]
    for folder in folders:
        names += list_tree(f"{prefix}/{folder}", storage)
    return names


def delete_tree(prefix: str, storage: Storage | None = None) -> None:
    """Delete everything stored below ``prefix`` (on a filesystem, the folder too)."""
    storage = storage or default_storage
    for name in list_tree(prefix, storage):
        storage.delete(name)
    path = disk_path(prefix, storage)
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def stored_file_response(
    name: str, content_type: str, *, accel_prefix: str = "", storage: Storage | None = None
) -> HttpResponseBase:
    """A response sending the stored file ``name``; the caller has checked who may have it.

    ``accel_prefix`` (behind nginx, filesystem storage): nginx sends the file from its internal
    location aliased to ``MEDIA_ROOT``; the app only says yes. Otherwise the app streams it from
    the storage (object storage included: the permission check stays per request, and the
    page's origin and Content-Security-Policy stay as they are).
    """
    storage = storage or default_storage
    if accel_prefix and disk_path(name, storage) is not None:
        response: HttpResponseBase = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{accel_prefix.rstrip('/')}/{quote(name)}"
        return response
    return FileResponse(storage.open(name, "rb"), content_type=content_type)
