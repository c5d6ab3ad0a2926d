"""Supply-chain audit: the pinned Python packages (pip-audit) and the npm lockfile (npm audit).

    .venv/bin/python scripts/audit.py [--when-unreachable=fail|report]

Exit codes: 0 every package was checked and nothing known is open (or each finding is listed in
audit-ignore.txt with its reason and a review date not yet past); 1 a known vulnerability, or an
ignore entry that is malformed or past its review date; 2 the vulnerability services could not
be asked about every package (the audit did not run), unless --when-unreachable=report.

"Could not be asked" is never a pass by accident: pip-audit answers "No known vulnerabilities
found" and exit 0 when PyPI has no answer for a package (it lists it as skipped), so this script
reads pip-audit's JSON and counts the skipped packages itself. See docs/dependencies.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / "audit-ignore.txt"
REQUIREMENTS = ["requirements.txt", "requirements-dev.txt"]
# An advisory id as pip-audit (PYSEC-, GHSA-, CVE-) and npm audit (GHSA- in the advisory URL)
# name them. A pattern or a package name is not an id: no blanket ignores.
ID_PATTERN = re.compile(r"^(PYSEC-\d{4}-\d+|GHSA(-[23456789cfghjmpqrvwx]{4}){3}|CVE-\d{4}-\d+)$")


class IgnoreFileError(Exception):
    pass


def read_ignores(path: Path, today: datetime.date) -> dict[str, str]:
    """Each line: ID  REVIEW-BY(YYYY-MM-DD)  reason. Comments (#) and blank lines are skipped."""
    ignores: dict[str, str] = {}
    if not path.exists():
        return ignores
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=2)
        where = f"{path.name}:{number}"
        if len(parts) < 3:
            raise IgnoreFileError(f"{where}: needs an id, a review date and a reason")
        vuln_id, review_by, reason = parts
        if not ID_PATTERN.match(vuln_id):
            raise IgnoreFileError(f"{where}: {vuln_id!r} is not one advisory id")
        try:
            review = datetime.date.fromisoformat(review_by)
        except ValueError as exc:
            raise IgnoreFileError(f"{where}: review date {review_by!r} is not YYYY-MM-DD") from exc
        if review < today:
            raise IgnoreFileError(f"{where}: {vuln_id} was to be reviewed by {review_by}")
        if review > today + datetime.timedelta(days=183):
            raise IgnoreFileError(f"{where}: {vuln_id}'s review date is more than 6 months away")
        ignores[vuln_id] = reason
    return ignores


class Outcome:
    def __init__(self, name: str) -> None:
        self.name = name
        self.findings: list[str] = []  # open vulnerabilities
        self.ignored: list[str] = []  # listed in the ignore file
        self.unchecked: list[str] = []  # packages the service gave no answer for
        self.error = ""  # the service could not be asked at all


def audit_python(ignores: dict[str, str]) -> Outcome:
    out = Outcome("pip-audit (PyPI vulnerability data)")
    command = [sys.executable, "-m", "pip_audit", "--vulnerability-service", "pypi"]
    for requirements in REQUIREMENTS:
        command += ["-r", str(ROOT / requirements)]
    command += ["--format", "json", "--progress-spinner", "off", "--timeout", "30"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        out.error = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return out
    return read_pip_report(out, report, ignores)


def read_pip_report(out: Outcome, report: dict[str, Any], ignores: dict[str, str]) -> Outcome:
    for dependency in report.get("dependencies", []):
        name = f"{dependency['name']} {dependency.get('version', '')}".strip()
        if "skip_reason" in dependency:
            out.unchecked.append(f"{name}: {dependency['skip_reason']}")
            continue
        for vuln in dependency.get("vulns", []):
            ids = [vuln["id"], *vuln.get("aliases", [])]
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
            line = f"{name}: {' / '.join(ids)} (fixed in: {fixed})"
            listed = next((i for i in ids if i in ignores), None)
            (out.ignored if listed else out.findings).append(line)
    return out


def audit_npm(ignores: dict[str, str]) -> Outcome:
    """npm audit over package-lock.json, dependencies and devDependencies alike: the first are
    served to every browser, the second (axe-core) runs in the test browsers."""
    out = Outcome("npm audit (npm registry advisories)")
    done = subprocess.run(
        ["npm", "audit", "--json", "--package-lock-only"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    try:
        report = json.loads(done.stdout)
    except ValueError:
        out.error = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return out
    return read_npm_report(out, report, ignores)


def read_npm_report(out: Outcome, report: dict[str, Any], ignores: dict[str, str]) -> Outcome:
    if "vulnerabilities" not in report:
        out.error = str(report.get("message") or report.get("error") or "no report")
        return out
    for package, entry in report["vulnerabilities"].items():
        for via in entry.get("via", []):
            if not isinstance(via, dict):
                continue  # "via": "other-package": reported under that package
            advisory = str(via.get("url", "")).rsplit("/", 1)[-1] or str(via.get("source"))
            line = f"{package} {via.get('range', '')}: {advisory} {via.get('title', '')}"
            (out.ignored if advisory in ignores else out.findings).append(line)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--when-unreachable", choices=["fail", "report"], default="fail")
    args = parser.parse_args(argv)
    try:
        ignores = read_ignores(IGNORE_FILE, datetime.datetime.now(datetime.UTC).date())
    except IgnoreFileError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 1
    outcomes = [audit_python(ignores), audit_npm(ignores)]
    vulnerable = unreachable = False
    for out in outcomes:
        print(f"== {out.name}")
        if out.error:
            unreachable = True
            print(f"   NOT RUN: the service could not be asked: {out.error}")
        if out.unchecked:
            unreachable = True
            print(f"   NOT CHECKED: {len(out.unchecked)} packages had no answer, e.g.")
            for line in out.unchecked[:3]:
                print(f"     {line}")
        for line in out.ignored:
            print(f"   ignored (audit-ignore.txt): {line}")
        for line in out.findings:
            vulnerable = True
            print(f"   VULNERABLE: {line}")
        if not (out.error or out.unchecked or out.findings):
            print("   every package checked: no open known vulnerability")
    if vulnerable:
        print("audit: FAILED: known vulnerabilities (docs/dependencies.md says what to do)")
        return 1
    if unreachable:
        print(
            "audit: NOT RUN: no vulnerability service answered for every package, so nothing "
            "is known about the packages above (docs/dependencies.md, 'The audit')"
        )
        return 2 if args.when_unreachable == "fail" else 0
    print("audit: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
