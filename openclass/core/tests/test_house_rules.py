"""The house rules of docs/architecture.md, checked over the source so a change cannot quietly
break them: areas stacked in layers, roles compared only where capabilities are decided, and
every capability a page asks for named in the table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from openclass.accounts.capabilities import GRANTS

PACKAGE = Path(__file__).resolve().parents[2]

#: Each area may import only areas of a lower layer (and its own). ``web`` is the roof.
LAYERS: dict[str, int] = {
    "core": 0,
    "accounts": 1,
    "catalog": 2,
    "media": 2,
    "notifications": 2,
    "privacy": 2,
    "search": 2,
    "xapi": 2,
    "courses": 3,
    "hub": 3,
    "lists": 3,
    "feeds": 4,
    "assessments": 4,
    "live": 4,
    "operations": 5,
    "lti": 5,
    "api": 6,
    "web": 7,
}

#: What one area may import of another: its public modules, never its views, forms, consumers
#: or tasks. (Demo data builds on the demo data below it; web, the roof, assembles pages.)
# ``audit``: hub.audit.record, the one call that logs an authentication event (the Open API's
# reads and refused tokens too).
PUBLIC_MODULES = {"access", "audit", "capabilities", "models", "scoping", "selectors", "services"}

#: Where a user's role may be compared: the capability table, scoping, and the areas' access
#: modules (object rules). Models define their own role properties.
ROLE_CHECKS_ALLOWED = {"capabilities.py", "scoping.py", "access.py", "models.py"}

ROLE_COMPARISON = re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)|\brole\s*==")


def _sources() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    )


def _templates() -> list[Path]:
    return sorted(PACKAGE.rglob("templates/**/*.html"))


def _area(path: Path) -> str | None:
    relative = path.relative_to(PACKAGE).parts
    return relative[0] if len(relative) > 1 and relative[0] in LAYERS else None


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import, ``from a.b import c`` also as ``a.b.c``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found.extend(
                (node.lineno, f"{node.module}.{alias.name}")
                for alias in node.names
                if node.module.count(".") == 1
            )
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def test_no_area_imports_a_higher_one() -> None:
    problems = []
    for path in _sources():
        area = _area(path)
        if area is None:
            continue
        for line, module in _imports(path):
            parts = module.split(".")
            if parts[0] != "openclass" or len(parts) < 2 or parts[1] not in LAYERS:
                continue
            other = parts[1]
            if other != area and LAYERS[other] >= LAYERS[area]:
                problems.append(f"{path.relative_to(PACKAGE)}:{line} {area} imports {module}")
    assert not problems, "\n".join(problems)


def test_areas_read_each_other_through_public_modules() -> None:
    problems = []
    for path in _sources():
        area = _area(path)
        if area is None or area == "web" or path.name == "demo.py":
            continue
        for line, module in _imports(path):
            parts = module.split(".")
            if len(parts) < 3 or parts[0] != "openclass" or parts[1] in (area, "core"):
                continue
            if parts[1] in LAYERS and parts[2] not in PUBLIC_MODULES and parts[2][0].islower():
                problems.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert not problems, "\n".join(problems)


def test_roles_are_compared_only_where_capabilities_are_decided() -> None:
    problems = []
    for path in [*_sources(), *_templates()]:
        relative = str(path.relative_to(PACKAGE))
        if path.name in ROLE_CHECKS_ALLOWED:
            continue
        if path.name in ("demo.py",):  # building the demo city names roles to create
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if ROLE_COMPARISON.search(line):
                problems.append(f"{relative}:{number}: {line.strip()}")
    assert not problems, "ask has_capability (or caps) instead:\n" + "\n".join(problems)


CAPABILITY_USE = re.compile(
    r"""(?:has_capability|has_role_capability|require_capability)\([^"']*["']([a-z_.]+)["']"""
    r"""|["']([a-z_]+\.[a-z_]+)["']\s+in\s+caps"""
)


@pytest.mark.parametrize("kind", ["python", "templates"])
def test_every_capability_asked_for_is_named(kind: str) -> None:
    paths = _sources() if kind == "python" else _templates()
    unknown = []
    for path in paths:
        for match in CAPABILITY_USE.finditer(path.read_text()):
            name = match.group(1) or match.group(2)
            if name not in GRANTS:
                unknown.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert not unknown, "\n".join(unknown)


def test_no_test_fixtures_in_the_production_packages() -> None:
    """Fixtures live under each area's tests package (``<area>/tests/fixtures.py``)."""
    assert not sorted(PACKAGE.glob("*/testing.py"))


#: The only ``# type: ignore`` comments allowed, by file and the code before the comment, each
#: where the stubs cannot follow Django (mypy runs over openclass/ in ``make lint``; new code
#: adds none: fix the type, narrow the Optional, or type the request ``AuthenticatedRequest``).
TYPE_IGNORES_ALLOWED = {
    ("accounts/models.py", "first_name = None"): "Django drops an inherited field set to None;"
    " the stubs declare AbstractUser.first_name a field",
    ("accounts/models.py", "last_name = None"): "as first_name",
    (
        "assessments/forms/assignments.py",
        'files = MultipleFileField(label=_("Add files to the instructions"))',
    ): "a form field named files: the form's metaclass takes it off the class, so it does not"
    " shadow BaseForm.files (the uploads), which the stubs cannot know",
    ("assessments/forms/assignments.py", 'files = MultipleFileField(label=_("Files"))'): "as above",
}

TYPE_CHECKER_OFF = re.compile(r"(?:^|\s)#\s*(?:type:\s*ignore|mypy:)")


def test_no_type_checker_silenced_beyond_the_allowed() -> None:
    """No ``# type: ignore`` (nor a ``# mypy:`` line turning checks off) in openclass/ outside
    migrations, tests included, but those listed with their reason; a listed one that is gone
    leaves the list too."""
    import io
    import tokenize

    found = set()
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        relative = str(path.relative_to(PACKAGE))
        source = path.read_text()
        lines = source.splitlines()
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type != tokenize.COMMENT or not TYPE_CHECKER_OFF.search(token.string):
                continue
            number, column = token.start
            key = (relative, lines[number - 1][:column].strip())
            if key in TYPE_IGNORES_ALLOWED:
                found.add(key)
            else:
                problems.append(f"{relative}:{number}: {lines[number - 1].strip()}")
    gone = [f"{path}: {code}" for path, code in TYPE_IGNORES_ALLOWED.keys() - found]
    assert not problems, "fix the type instead of silencing the checker:\n" + "\n".join(problems)
    assert not gone, "no longer needed, take them off TYPE_IGNORES_ALLOWED:\n" + "\n".join(gone)


def test_workbooks_are_read_only_through_core_xlsx() -> None:
    """Every import gets the same limits (unpacked size, rows, columns, blank runs: issue 15,
    1c) only while nothing else opens a workbook itself. (Exports write their cells through
    ``core.xlsx.put``/``append_row``, which keep user text as text; styling is theirs.)"""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in _sources()
        if path.name != "xlsx.py" and "load_workbook" in path.read_text()
    ]
    assert not offenders, offenders
