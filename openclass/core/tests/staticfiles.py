"""The static files storage of the test suite (set for every test by the repository's conftest.py).

The project's storage (WhiteNoise's compressed manifest) answers ``{% static %}`` from the
manifest ``collectstatic`` writes into STATIC_ROOT, so without a fresh ``collectstatic`` a test
that renders a page fails, or passes against stale files. This one reads the apps' own static
folders through Django's finders: no collectstatic, no manifest, plain names. Like the manifest
storage, it refuses a name no static folder has, so a template naming a missing file still fails
its test. The real storage is still exercised: ``collectstatic`` runs in ``scripts/setup.sh`` and
the browser tests' servers collect into their own STATIC_ROOT.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import StaticFilesStorage


class SourceStaticFilesStorage(StaticFilesStorage):
    def _source(self, name: str) -> str | None:
        found = finders.find(urlsplit(name).path)
        return found if isinstance(found, str) else None

    def url(self, name: str | None) -> str:
        if name and self._source(name) is None:
            raise ValueError(f"No static file '{name}' in any app's static folder")
        return super().url(name)

    def exists(self, name: str) -> bool:
        return self._source(name) is not None

    def path(self, name: str | os.PathLike[str]) -> str:
        source = self._source(os.fspath(name))
        if source is None:
            raise FileNotFoundError(name)
        return source
