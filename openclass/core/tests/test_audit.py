"""scripts/audit.py, the supply-chain step of `make lint`: what counts as checked, found, ignored.

The services themselves are not asked here (the tests run without them); the reports below
have the shapes pip-audit 2.10 and npm 11 print.
"""

import datetime
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("audit", ROOT / "scripts" / "audit.py")
assert spec and spec.loader
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

TODAY = datetime.date(2026, 12, 5)


def ignores_from(tmp_path, text):
    path = tmp_path / "audit-ignore.txt"
    path.write_text(text, encoding="utf-8")
    return audit.read_ignores(path, TODAY)


def test_an_ignore_names_one_advisory_with_a_reason_and_a_review_date(tmp_path):
    text = "# comment\n\nGHSA-2222-3333-4444 2027-01-31 only the admin's import uses it\n"
    assert ignores_from(tmp_path, text) == {
        "GHSA-2222-3333-4444": "only the admin's import uses it"
    }


@pytest.mark.parametrize(
    "line",
    [
        "GHSA-2222-3333-4444 2027-01-31",  # no reason
        "GHSA-2222-3333-4444 soon we do not use it",  # no date
        "GHSA-2222-3333-4444 2026-12-04 past its review date",
        "GHSA-2222-3333-4444 2027-12-31 a year away: reviews are at most 6 months apart",
        "django 2027-01-31 a package is a blanket ignore",
        "* 2027-01-31 everything",
        "PYSEC-* 2027-01-31 a pattern",
    ],
)
def test_an_ignore_that_is_not_one_reviewed_advisory_fails_the_audit(tmp_path, line):
    with pytest.raises(audit.IgnoreFileError):
        ignores_from(tmp_path, line + "\n")


def test_a_package_pypi_had_no_answer_for_is_unchecked_not_clean():
    # What pip-audit prints (exit 0, "No known vulnerabilities found") when PyPI's per-version
    # JSON is missing: the reason the script reads the JSON itself.
    report = {
        "dependencies": [
            {"name": "django", "skip_reason": "Dependency not found on PyPI: django (5.2.19)"},
            {"name": "huey", "version": "3.5.4", "vulns": []},
        ]
    }
    out = audit.read_pip_report(audit.Outcome("pip"), report, {})
    assert out.unchecked == ["django: Dependency not found on PyPI: django (5.2.19)"]
    assert out.findings == []


def test_a_python_finding_is_open_unless_one_of_its_ids_is_ignored():
    vuln = {"id": "PYSEC-2026-1", "aliases": ["GHSA-2222-3333-4444"], "fix_versions": ["5.2.20"]}
    report = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": [vuln]}]}
    out = audit.read_pip_report(audit.Outcome("pip"), report, {})
    assert out.findings == ["django 5.2.19: PYSEC-2026-1 / GHSA-2222-3333-4444 (fixed in: 5.2.20)"]
    out = audit.read_pip_report(audit.Outcome("pip"), report, {"GHSA-2222-3333-4444": "why"})
    assert out.findings == []
    assert len(out.ignored) == 1


def test_npm_findings_and_a_refused_request():
    report = {
        "auditReportVersion": 2,
        "vulnerabilities": {
            "hls.js": {
                "via": [
                    {
                        "source": 1,
                        "title": "XSS",
                        "url": "https://github.com/advisories/GHSA-2222-3333-4444",
                        "range": "<1.7.5",
                    },
                    "other-package",
                ]
            }
        },
    }
    out = audit.read_npm_report(audit.Outcome("npm"), report, {})
    assert out.findings == ["hls.js <1.7.5: GHSA-2222-3333-4444 XSS"]
    out = audit.read_npm_report(audit.Outcome("npm"), report, {"GHSA-2222-3333-4444": "why"})
    assert out.findings == [] and len(out.ignored) == 1
    refused = {"message": "405 Method Not Allowed - POST .../advisories/bulk", "statusCode": 405}
    out = audit.read_npm_report(audit.Outcome("npm"), refused, {})
    assert out.error.startswith("405")


def test_not_run_fails_unless_told_to_report(monkeypatch, tmp_path):
    monkeypatch.setattr(audit, "IGNORE_FILE", tmp_path / "none.txt")

    def unchecked(ignores):
        out = audit.Outcome("pip")
        out.unchecked = ["django: no answer"]
        return out

    def clean(ignores):
        return audit.Outcome("npm")

    monkeypatch.setattr(audit, "audit_python", unchecked)
    monkeypatch.setattr(audit, "audit_npm", clean)
    assert audit.main([]) == 2
    assert audit.main(["--when-unreachable=report"]) == 0

    def vulnerable(ignores):
        out = audit.Outcome("npm")
        out.findings = ["hls.js: GHSA-2222-3333-4444"]
        return out

    monkeypatch.setattr(audit, "audit_npm", vulnerable)
    assert audit.main(["--when-unreachable=report"]) == 1
