"""Settings for the whole suite, and the fixtures of the browser tests.

Every test runs with a fast password hasher and a static files storage that needs no
``collectstatic`` (see ``suite_settings``). The browser tests get the real server (uvicorn) and
Debian's chromium via Playwright; only tests that ask for these fixtures start anything, the rest
of the suite never imports Playwright.
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test.utils import override_settings
from hypothesis import settings as hypothesis_settings

from openclass.core.tests.chromium import CHROMIUM, CHROMIUM_ARGS

# Property tests have no time limit: Hypothesis's default (200 ms an example) is a timed
# assertion, and on a shared two-core machine running the suite in three processes a plain
# interval union once took longer (2026-12-08). Speed is measured by bench/, not by tests.
hypothesis_settings.register_profile("openclass", deadline=None)
hypothesis_settings.load_profile("openclass")

pytest_plugins = [
    "openclass.accounts.tests.fixtures",
    "openclass.courses.tests.fixtures",
    "openclass.assessments.tests.fixtures",
    "openclass.live.tests.fixtures",
    "openclass.operations.tests.fixtures",
    "openclass.web.tests.fixtures",
    "openclass.hub.tests.fixtures",
    "openclass.search.tests.fixtures",
    "openclass.feeds.tests.fixtures",
    "openclass.lti.tests.fixtures",
]


# Argon2 at OWASP's parameters costs ~35 ms a hash on purpose; a test that makes or signs in a few
# accounts would spend most of its time there. Tests about hashing ask for the real hashers.
FAST_PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    # The sites' client secrets (OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"]), as in settings.
    "openclass.hub.hashers.MachineSecretHasher",
]
TEST_STATIC_STORAGE = "openclass.core.tests.staticfiles.SourceStaticFilesStorage"


@pytest.fixture
def huey_immediate() -> Iterator[object]:
    """Huey runs each task as it is enqueued, in the calling thread, as the consumer would, so
    the test sees what it did."""
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    try:
        yield HUEY
    finally:
        HUEY.immediate = previous


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in the platform's language (Korean): a request the test client made in
    English leaves its language active in the thread, and the next test on the worker would
    read English names where it expects Korean ones."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def forgotten_per_user_state() -> None:
    """Each test starts with nothing remembered in this process of an earlier test's database:
    no xAPI actor key (``xapi.services``), no compiled search scope (``search.services.Scopes``),
    no kept search match (``search.matches``) and no counted popular searches
    (``search.services.Popular``). A transactional test before may have left them for user and
    document ids this test's city reuses."""
    from openclass.core.runtime import runtime

    for name in ("xapi.actor_keys", "search.scopes", "search.matches", "search.popular"):
        if name in runtime.names():
            runtime.get(name).reset()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> Iterator[None]:
    """Each test process's database starts as a copy of one already migrated, instead of being
    migrated anew: the hundred migrations take 30 s of a core, once per process per pass.

    On SQLite, a file (in memory, under /dev/shm where there is one) copied from
    ``live_server.migrated_template``, which the live servers copy as well; on PostgreSQL, a
    database created from the ``live_server.migrated_postgres_template`` of that server. Django
    then finds every migration applied (``django_db_keepdb``); the copy is removed at the end."""
    from django.db import connections

    from openclass.core.tests import live_server

    database = django_settings.DATABASES["default"]
    test = database.setdefault("TEST", {})
    if connections["default"].vendor == "sqlite":
        memory = "/dev/shm"  # noqa: S108 (a private folder is made in it)
        folder = Path(
            tempfile.mkdtemp(
                prefix="openclass-test-", dir=memory if os.access(memory, os.W_OK) else None
            )
        )
        copy = folder / "openclass.sqlite3"
        live_server.copy_database(live_server.migrated_template(), copy)
        test["NAME"] = str(copy)
        try:
            yield
        finally:
            connections.close_all()
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    url = os.environ["OPENCLASS_DATABASE_URL"]  # what settings read DATABASES from
    template = live_server.migrated_postgres_template(url)
    name = test.get("NAME") or f"test_{database['NAME']}"
    test["NAME"] = name
    admin = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as maintenance:
        maintenance.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        maintenance.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield
    finally:
        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as maintenance:
            maintenance.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def django_db_keepdb() -> bool:
    """The test database is the copy ``django_db_modify_db_settings`` made: Django neither
    creates nor destroys it."""
    return True


@pytest.fixture(scope="session", autouse=True)
def suite_settings(django_test_environment) -> Iterator[None]:
    """What every test runs with: the fast password hasher, and static files read from the apps'
    folders, so a single test file runs without a prior ``collectstatic``
    (``openclass.core.tests.staticfiles``). WhiteNoise looks a static file up when it is asked
    for, as under DEBUG, instead of listing STATIC_ROOT each time a test client starts (~20 ms).
    Servers the tests start in other processes keep the real settings."""
    storages = {**django_settings.STORAGES, "staticfiles": {"BACKEND": TEST_STATIC_STORAGE}}
    with override_settings(
        PASSWORD_HASHERS=FAST_PASSWORD_HASHERS,
        STORAGES=storages,
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
    ):
        yield


@pytest.fixture
def real_password_hashers(settings) -> list[str]:
    """For the tests of hashing itself (Argon2's parameters, upgrading older hashes at login):
    the project's own hashers for this test. The shared ``city``'s accounts carry fast hashes,
    which these hashers do not read, so such a test signs in with accounts it makes itself."""
    project = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    settings.PASSWORD_HASHERS = list(project.PASSWORD_HASHERS)
    return settings.PASSWORD_HASHERS


@pytest.fixture(scope="session")
def server_shell(server_url: str, tmp_path_factory: pytest.TempPathFactory):
    """``server_shell("package.module.function")`` runs that function in the live server's own
    Django and database (``manage.py shell``), to seed what a browser test needs."""
    import secrets
    import subprocess
    import sys

    base = tmp_path_factory.getbasetemp()
    databases = sorted(base.glob("openclass-var*/openclass.sqlite3"))
    assert databases, f"no live server database under {base}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openclass.settings",
        "OPENCLASS_VAR_DIR": str(Path(databases[-1]).parent),
        "OPENCLASS_SECRET_KEY": secrets.token_urlsafe(50),
        "OPENCLASS_DEBUG": "0",
        "OPENCLASS_ENV": "development",
    }
    for name in ("OPENCLASS_DATABASE_URL", "OPENCLASS_REDIS_URL"):
        env.pop(name, None)
    root = Path(__file__).resolve().parent

    def run(dotted: str) -> None:
        module, function = dotted.rsplit(".", 1)
        code = f"from {module} import {function}; {function}()"
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr

    return run


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (no trailing slash) of uvicorn serving a fresh, seeded SQLite database."""
    from openclass.core.tests.live_server import LiveServer

    server = LiveServer(Path(tmp_path_factory.mktemp("openclass-var")))
    server.prepare()
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One headless Debian chromium for the whole session; each test gets fresh contexts."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `scripts/setup.sh --test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def open_page(chromium, server_url: str) -> Iterator[Callable[..., object]]:
    """Factory: ``open_page(**context_options)`` gives a page in a fresh browser context.

    Every page records console errors and uncaught page errors; the test fails on any of them
    when it ends (reported at teardown with every message and the page it came from).
    """
    contexts = []
    pages = []

    def factory(**options):
        options.setdefault("base_url", server_url)
        # A Korean browser, as at school: headless chromium otherwise asks for en-US, and
        # LocaleMiddleware would answer in English.
        options.setdefault("locale", "ko-KR")
        options.setdefault("timezone_id", "Asia/Seoul")
        context = chromium.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []

        def on_console(message) -> None:
            if message.type == "error":
                where = message.location.get("url", "")
                errors.append(f"console.error: {message.text} ({where})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
        page.console_errors = errors
        pages.append(page)
        return page

    yield factory
    problems = [f"{page.url}: {error}" for page in pages for error in page.console_errors]
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("Browser console errors:\n" + "\n".join(problems))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test with committed data restores the database it found (``serialized_rollback``).

    A transactional test without it leaves the content types and permissions that Django makes
    again after its flush, under new keys; the next test that restores the serialized database
    then fails on them (UNIQUE constraint failed: django_content_type…), far from the cause.
    """
    wrong = [
        item.nodeid
        for item in items
        if (marker := item.get_closest_marker("django_db"))
        and marker.kwargs.get("transaction")
        and not marker.kwargs.get("serialized_rollback")
    ]
    if wrong:
        raise pytest.UsageError(
            "use @pytest.mark.django_db(transaction=True, serialized_rollback=True):\n"
            + "\n".join(wrong)
        )
