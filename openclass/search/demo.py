"""The demo city's search index: built last, over everything the other builders made."""

from __future__ import annotations

from openclass.core.registry import DemoOptions

from . import services
from .models import Document

#: Every builder whose data the index covers (it runs after all of them).
AFTER = ("accounts", "courses", "assessments", "live", "operations", "privacy", "feeds")


def build_demo(options: DemoOptions) -> list[str]:
    counts = services.reindex()
    return [f"Search index: {sum(counts.values())} documents ({', '.join(sorted(counts))})"]


def demo_exists() -> bool:
    return Document.objects.exists()
