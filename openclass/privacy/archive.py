"""A person's data archive ("download my data", 내 정보 내려받기): a ZIP of one JSON file per
area's part (``core.registry`` exporters) and the files that go with them.

Built synchronously, while the person waits: one person's data is bounded (a student's
submissions are limited in number and size by their assignments; a teacher's uploaded videos
are not in it, only the courses' outlines), and the archive is written into a spooled temporary
file (in memory up to ``SPOOL_BYTES``, then on this host's disk), so a large one costs disk, not
memory, and the response streams it from there. Should archives grow past what a request may
take, the same ``build`` runs in a Huey task writing into storage, with a notification.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import posixpath
import re
import tempfile
import zipfile
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.accounts.models import User
from openclass.core import registry

SPOOL_BYTES = 8 * 1024 * 1024
CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\\:*?\"<>|]")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def safe_path(name: str) -> str:
    """A path inside the archive that stays inside it: no leading slash, no "..", no control
    or Windows-reserved characters."""
    parts = [_UNSAFE.sub("_", part) for part in name.replace("\\", "/").split("/")]
    parts = [part for part in parts if part not in ("", ".", "..")]
    return posixpath.join(*parts) if parts else "file"


def _readme(person: User, parts: list[str]) -> str:
    return "\n".join(
        [
            _("Your data on %(site)s, as of %(when)s.")
            % {"site": "openclass", "when": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
            _("Person: %(name)s (%(username)s)")
            % {"name": person.name, "username": person.username},
            "",
            _("Each .json file holds one part of your data; files/ holds their files."),
            _("manifest.json lists every file with its size and SHA-256 checksum."),
            "",
            *parts,
            "",
        ]
    )


def build(person: User, out: IO[bytes]) -> dict:
    """Write ``person``'s archive into ``out``; returns its manifest."""
    manifest: dict = {
        "person": {"id": person.pk, "username": person.username},
        "made_at": timezone.now(),
        "parts": [],
        "files": [],
    }
    taken: set[str] = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in registry.exporters():
            part = entry.build(person)
            if part is None:
                continue
            name = f"{entry.name}.json"
            archive.writestr(
                name,
                json.dumps(part.data, ensure_ascii=False, indent=2, default=_json_default),
            )
            manifest["parts"].append(name)
            for file in part.files:
                path = f"files/{entry.name}/{safe_path(file.name)}"
                stem, extension = posixpath.splitext(path)
                number = 1
                while path in taken:
                    number += 1
                    path = f"{stem}-{number}{extension}"
                taken.add(path)
                digest, size = hashlib.sha256(), 0
                try:
                    source = file.open()
                except FileNotFoundError:
                    manifest["files"].append({"path": path, "missing": True})
                    continue
                with source, archive.open(path, "w", force_zip64=True) as target:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        target.write(chunk)
                manifest["files"].append({"path": path, "size": size, "sha256": digest.hexdigest()})
        archive.writestr(
            "manifest.json",
            json.dumps(manifest, ensure_ascii=False, indent=2, default=_json_default),
        )
        archive.writestr("README.txt", _readme(person, manifest["parts"]))
    return manifest


def spooled(person: User) -> IO[bytes]:
    """The archive in a spooled temporary file, rewound for reading."""
    # Handed to the response, which closes it when sent.
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        build(person, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out
