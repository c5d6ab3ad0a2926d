"""``manage.py rotate_signing_key``: a new key signs the ID tokens from now on; the old one stays
published until its tokens have expired. ``--prune`` only deletes the retired keys no live token
can have been signed with (the nightly task does that too)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from openclass.hub import keys


class Command(BaseCommand):
    help = "Rotate the key that signs ID tokens, or (--prune) delete the expired retired keys."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Only delete the retired keys whose tokens have all expired.",
        )

    def handle(self, *args, **options) -> None:
        if not options["prune"]:
            key = keys.rotate()
            self.stdout.write(f"signing with {key.kid}")
        pruned = keys.prune()
        self.stdout.write(f"pruned {pruned} retired key(s)")
