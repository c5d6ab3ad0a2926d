"""The Korean catalogue is complete: every translatable string in the code has a Korean entry."""

from __future__ import annotations

import shutil
import subprocess
from contextlib import chdir
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

PO = settings.BASE_DIR / "openclass" / "locale" / "ko" / "LC_MESSAGES" / "django.po"


def _entries(po_file: Path, *flags: str) -> str:
    result = subprocess.run(
        ["msgattrib", *flags, "--no-obsolete", str(po_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_catalogue_has_every_string_of_the_code(tmp_path: Path) -> None:
    if not shutil.which("msgattrib"):
        pytest.fail("gettext tools are missing: scripts/setup.sh installs them")
    copy = tmp_path / "openclass"
    shutil.copytree(
        settings.BASE_DIR / "openclass",
        copy,
        ignore=shutil.ignore_patterns("vendor", "__pycache__", "tests"),
    )
    with chdir(copy):
        call_command("makemessages", locale=["ko"], verbosity=0, no_obsolete=True)
    fresh = copy / "locale" / "ko" / "LC_MESSAGES" / "django.po"
    untranslated = _entries(fresh, "--untranslated")
    assert untranslated == "", "Strings without a Korean translation (run `make messages`):\n" + (
        untranslated
    )
    assert _entries(fresh, "--only-fuzzy") == "", "Fuzzy Korean translations need review"


def test_compiled_catalogue_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(PO)], check=True)
    assert fresh.read_bytes() == PO.with_suffix(".mo").read_bytes(), "run `make messages`"
    with translation.override("ko"):
        assert translation.gettext("Log in") == "로그인"
    with translation.override("en"):
        assert translation.gettext("Log in") == "Log in"
