"""README.md's configuration table and the settings the code reads are the same list.

The names are collected from the code itself: ``openclass/settings.py``'s ``env()``,
``env_bool()`` and ``env_list()`` calls (which add the ``OPENCLASS_`` prefix), and every other
read of an ``OPENCLASS_*`` variable (``os.environ.get``, ``os.environ[...]``, ``os.getenv``) in
``openclass/`` and ``scripts/``, tests and migrations aside (tests set variables for the servers
they start; they do not read them). The README's names are the first column of its table.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PREFIX = "OPENCLASS_"
SETTINGS = ROOT / "openclass" / "settings.py"
# settings.py's helpers: env("DEBUG") reads OPENCLASS_DEBUG.
PREFIXING_HELPERS = {"env", "env_bool", "env_list"}
NAME = re.compile(r"\bOPENCLASS_[A-Z0-9_]+\b")
SHELL_READ = re.compile(r"\$\{?(OPENCLASS_[A-Z0-9_]+)")


def python_sources() -> Iterator[Path]:
    for folder in (ROOT / "openclass", ROOT / "scripts"):
        for path in sorted(folder.rglob("*.py")):
            parts = set(path.relative_to(ROOT).parts)
            if not parts & {"tests", "migrations"}:
                yield path


def _is_environ(node: ast.expr) -> bool:
    """``os.environ`` (or a bare ``environ`` imported from os)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name)
    return isinstance(node, ast.Name) and node.id == "environ"


def _constant(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def names_read_in(path: Path) -> set[str]:
    names: set[str] = set()
    in_settings = path == SETTINGS
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Call) and node.args and (name := _constant(node.args[0])):
            func = node.func
            if in_settings and isinstance(func, ast.Name) and func.id in PREFIXING_HELPERS:
                names.add(PREFIX + name)
            elif isinstance(func, ast.Attribute) and (
                (func.attr == "get" and _is_environ(func.value))
                or (func.attr == "getenv" and isinstance(func.value, ast.Name))
            ):
                names.add(name)
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and _is_environ(node.value)
            and (name := _constant(node.slice))
        ):
            names.add(name)
    return {name for name in names if name.startswith(PREFIX)}


def settings_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in python_sources():
        names |= names_read_in(path)
    for script in sorted((ROOT / "scripts").glob("*.sh")):
        names |= set(SHELL_READ.findall(script.read_text(encoding="utf-8")))
    return names


def settings_in_the_readme() -> list[str]:
    """The names in the first column of the table under "## Configuration", in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names: list[str] = []
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            first_cell = line.split("|")[1]
            names += NAME.findall(first_cell)
    return names


def test_the_collectors_see_what_they_should() -> None:
    """Not vacuous: a helper read, a direct read in settings.py and one in scripts/."""
    read = settings_read_by_the_code()
    assert {"OPENCLASS_DATABASE_URL", "OPENCLASS_VAR_DIR", "OPENCLASS_JANUS_URLS"} <= read
    assert "OPENCLASS_DATABASE_URL" in settings_in_the_readme()


def test_every_setting_the_code_reads_is_in_the_readme_table_and_no_other() -> None:
    in_readme = settings_in_the_readme()
    read = settings_read_by_the_code()
    assert sorted(read - set(in_readme)) == [], "read by the code but missing from README.md"
    assert sorted(set(in_readme) - read) == [], "in README.md's table but read nowhere"
    assert len(in_readme) == len(set(in_readme)), "named twice in README.md's table"
