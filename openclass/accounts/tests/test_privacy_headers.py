"""What pages and downloads leave in caches and allow the browser (issue 15, 1i): no-store on
every page and download of the app, a Permissions-Policy header, and static files that keep their
long cache."""

from __future__ import annotations

import json
from pathlib import Path

from django.test import Client
from django.urls import reverse

from openclass.accounts.middleware import PERMISSIONS_POLICY
from openclass.courses.tests.fixtures import Courses


def policy(response) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))


def test_a_personal_page_and_a_download_are_not_stored(client, courses: Courses) -> None:
    north = courses.city.north
    client.force_login(north.homeroom_a)
    home = client.get(reverse("web:home"))
    download = client.get(reverse("courses:attendance_xlsx", args=[courses.class_course.pk]))
    assert home.status_code == 200 and download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    for response in (home, download):
        assert response["Cache-Control"] == "no-store"
        assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    allowed = policy(home)
    # Live classes need the camera, the microphone and screen sharing, from this site only.
    assert allowed["camera"] == allowed["microphone"] == allowed["display-capture"] == "(self)"
    assert allowed["geolocation"] == allowed["payment"] == allowed["usb"] == "()"
    # The login page (and a QR card's page, which names the child) is not stored either.
    client.logout()
    assert "no-store" in client.get(reverse("accounts:login"))["Cache-Control"]


def test_views_that_choose_their_caching_keep_it(client) -> None:
    manifest = client.get("/manifest.webmanifest")
    assert "public" in manifest["Cache-Control"] and "no-store" not in manifest["Cache-Control"]


def test_static_files_keep_their_long_cache(settings, courses: Courses, tmp_path: Path) -> None:
    """WhiteNoise answers static files before the headers are added, signed in or not."""
    hashed = tmp_path / "web" / "app.0123456789ab.js"
    hashed.parent.mkdir()
    hashed.write_text("console.log(1);\n")
    manifest = {"paths": {"web/app.js": "web/app.0123456789ab.js"}, "version": "1.1"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    settings.STATIC_ROOT = tmp_path
    settings.WHITENOISE_USE_FINDERS = False
    # As in production (collectstatic's manifest of hashed names).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    client = Client()  # a new client: its WhiteNoise reads the static root above
    client.force_login(courses.city.north.student_a1)
    response = client.get("/static/web/app.0123456789ab.js")
    assert response.status_code == 200
    cache = response["Cache-Control"]
    assert "immutable" in cache and "max-age=315360000" in cache and "no-store" not in cache
