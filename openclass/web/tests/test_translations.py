"""The Korean catalogue is complete: every translatable string in the code has a Korean entry,
each context (``pgettext``, ``{% translate … context … %}``) its own; and no string hides from
``makemessages`` behind a name it does not know."""

from __future__ import annotations

import ast
import shutil
import subprocess
from contextlib import chdir
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

PO = settings.BASE_DIR / "openclass" / "locale" / "ko" / "LC_MESSAGES" / "django.po"

# The names makemessages extracts from Python (xgettext's defaults and Django's --keyword list).
GETTEXT_NAMES = frozenset(
    {
        "gettext",
        "gettext_lazy",
        "gettext_noop",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
    }
)
ALLOWED_ALIASES = GETTEXT_NAMES | {"_"}


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


def unknown_gettext_aliases(source: str) -> list[str]:
    """Names a translation function is bound to that makemessages does not extract from:
    ``_L = gettext_lazy``, ``from django.utils.translation import gettext_lazy as _L``,
    ``tr = translation.gettext``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                if alias.name in GETTEXT_NAMES and (alias.asname or alias.name) not in (
                    ALLOWED_ALIASES
                ):
                    found.append(f"line {node.lineno}: {alias.name} as {alias.asname}")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            name = (
                value.id
                if isinstance(value, ast.Name)
                else value.attr
                if isinstance(value, ast.Attribute)
                else None
            )
            if name not in GETTEXT_NAMES:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if not (isinstance(target, ast.Name) and target.id in ALLOWED_ALIASES):
                    found.append(f"line {node.lineno}: {ast.unparse(target)} = {name}")
    return found


def test_the_alias_check_finds_what_makemessages_would_miss() -> None:
    assert unknown_gettext_aliases(
        "from django.utils.translation import gettext_lazy\n_L = gettext_lazy"
    )
    assert unknown_gettext_aliases("from django.utils.translation import gettext as tr")
    assert unknown_gettext_aliases("from django.utils import translation\nT = translation.pgettext")
    assert not unknown_gettext_aliases(
        "from django.utils.translation import gettext_lazy as _\n"
        "from django.utils.translation import pgettext_lazy, ngettext\n"
        "label = _('Name')"
    )


def test_no_translation_function_hides_behind_an_alias() -> None:
    """``_L = gettext_lazy`` kept the 사이버논술 rubric out of the catalogue (it stayed English):
    makemessages only knows the names in ``ALLOWED_ALIASES``."""
    root = settings.BASE_DIR / "openclass"
    found = []
    for path in sorted(root.rglob("*.py")):
        if {"vendor", "migrations", "tests"} & set(path.relative_to(root).parts):
            continue
        found += [
            f"{path.relative_to(root)} {hit}"
            for hit in unknown_gettext_aliases(path.read_text(encoding="utf-8"))
        ]
    assert not found, "makemessages does not extract these names:\n" + "\n".join(found)


def test_a_context_is_its_own_entry() -> None:
    """One English word in two meanings is two entries (the catalogue test above sees each):
    pay's total is 합계, a grade's 총점; correcting a confirmed session is 정정, the right
    choice 정답."""
    with translation.override("ko"):
        assert translation.pgettext("sum of pay", "Total") == "합계"
        assert translation.gettext("Total") == "총점"
        assert translation.pgettext("fix a confirmed session", "Correct") == "정정"
        assert translation.gettext("Correct") == "정답"
