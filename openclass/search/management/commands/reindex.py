"""``manage.py reindex``: rebuild the search index while searches go on."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openclass.core import registry
from openclass.search import services


class Command(BaseCommand):
    help = (
        "Rebuild the search index of every registered source (or those named) in place: "
        "searching keeps working while it runs."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("sources", nargs="*", help="source names (all by default)")

    def handle(self, *args: Any, **options: Any) -> None:
        names = options["sources"] or None
        known = {source.name for source in registry.search_sources()}
        unknown = sorted(set(names or ()) - known)
        if unknown:
            raise CommandError(f"unknown source(s): {', '.join(unknown)}; known: {sorted(known)}")
        started = time.monotonic()
        counts = services.reindex(names)
        seconds = time.monotonic() - started
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
        total = sum(counts.values())
        rate = total / seconds if seconds else 0
        self.stdout.write(f"{total} documents in {seconds:.1f} s ({rate:.0f}/s)")
