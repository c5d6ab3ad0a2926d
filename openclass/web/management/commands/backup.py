"""`manage.py backup`: the database and every file the platform keeps, into one new directory
with a manifest of checksums (``openclass.core.backup``; the operator guide's "Backups")."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from openclass.core import backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite: online backup API; PostgreSQL: pg_dump), the media and "
        "the live-class recordings into a new directory with a manifest. Safe while the "
        "platform runs."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="The folder the backup directory is made in (default: OPENCLASS_BACKUP_DIR).",
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="After the backup, delete the older backups the rotation does not keep.",
        )
        parser.add_argument("--keep-daily", type=int, default=7, help="Days kept (7).")
        parser.add_argument("--keep-weekly", type=int, default=4, help="Weeks kept (4).")
        parser.add_argument("--keep-monthly", type=int, default=12, help="Months kept (12).")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: default)."
        )

    def handle(
        self,
        *args,
        output: Path | None,
        database: str,
        prune: bool,
        keep_daily: int,
        keep_weekly: int,
        keep_monthly: int,
        **options,
    ) -> None:
        parent = output if output is not None else Path(settings.BACKUP_DIR)
        try:
            made = backup.backup(parent, using=database)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        manifest = backup.read_manifest(made)
        size = manifest["database"]["size"] + sum(entry["size"] for entry in manifest["files"])
        self.stdout.write(
            f"Backed up the {manifest['database']['vendor']} database and "
            f"{len(manifest['files'])} files ({size / 1e6:.1f} MB) into {made}"
        )
        for what in manifest["not_included"]:
            self.stdout.write(f"Not in this backup: {what}. Back it up with its own tools.")
        if manifest["vanished"]:
            self.stdout.write(
                f"{len(manifest['vanished'])} files were deleted while the backup ran (their "
                "rows were deleted after the database snapshot); listed under 'vanished'."
            )
        if prune:
            gone = backup.prune(parent, keep_daily, keep_weekly, keep_monthly)
            kept = len(backup.backups_in(parent))
            self.stdout.write(f"Rotation: deleted {len(gone)} older backups, {kept} kept.")
