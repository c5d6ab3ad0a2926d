"""`manage.py restore <backup>`: put a backup made by `manage.py backup` into this installation,
after checking every checksum (``openclass.core.backup``; the operator guide's "Backups")."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from openclass.core import backup as service


class Command(BaseCommand):
    help = (
        "Restore a backup directory into this installation: the database is replaced and the "
        "files are written. Every checksum is checked first; a damaged backup changes nothing. "
        "Refuses an installation that holds data unless --force. Stop the platform first."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("backup", type=Path, help="The backup directory.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite an installation that already has accounts or files.",
        )
        parser.add_argument(
            "--verify-only",
            action="store_true",
            help="Only check the backup's checksums; change nothing.",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: default)."
        )

    def handle(
        self, *args, backup: Path, force: bool, verify_only: bool, database: str, **options
    ) -> None:
        try:
            if verify_only:
                manifest = service.verify(backup)
                self.stdout.write(
                    f"{backup} is whole: the database and {len(manifest['files'])} files match "
                    "their checksums."
                )
                return
            result = service.restore(backup, using=database, force=force)
        except service.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the backup of {result.manifest['started_at']} (openclass "
            f"{result.manifest['version']}): the database and {result.files} files."
        )
        if result.unapplied_migrations:
            self.stdout.write(
                "The backup is from an older version: run `manage.py migrate` before starting "
                f"the platform ({len(result.unapplied_migrations)} migrations to apply)."
            )
