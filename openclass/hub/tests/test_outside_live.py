"""Outside sign-in against a real provider (issue 16, item 2): a second openclass, with its own
var/ directory and SQLite database, is the OpenID Connect provider (the city's SSO), and the
openclass under test signs people in through it — discovery, authorization code with PKCE, the
code exchanged server to server, the ID token checked against the provider's published keys,
userinfo — followed by a ``requests`` session as a browser would, posting the provider's own
login form. No mock anywhere.

The two servers listen on different loopback addresses (127.0.0.2 is the provider) because
cookies do not tell ports apart: on one address the provider's session cookie would replace the
client's, as it would in a browser.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from openclass.core.tests.live_server import (
    OTHER_STUDENT,
    PASSWORD,
    STUDENT,
    TEACHER,
    LiveServer,
)

CLIENT_ID = "openclass-outside-test"
CLIENT_SECRET = "outside-test-secret-0123456789abcdef"
PROVIDER_NAME = "교육청 통합로그인"
# The provider's passwords are not the client's: a sign-in that works proves it went there.
PROVIDER_PASSWORD = "sso-side-password-41"
NOBODY_HERE = "sso-only-0001"  # known to the provider, no account at the client
BY_EMAIL = "lee@hanbit.example"  # the provider's user name is the client account's e-mail
TWIN = "twin@hanbit.example"  # two client accounts share this e-mail
TIMEOUT = 30

PROVIDER_SEED = f"""
from openclass.core.tests.live_server import seed
seed(with_course=False)
from openclass.accounts.models import Organisation, User
from openclass.hub.models import Site
school = Organisation.objects.get(kind="school")
for user in User.objects.all():
    user.set_password({PROVIDER_PASSWORD!r})
    user.save()
for username in ({NOBODY_HERE!r}, {BY_EMAIL!r}, {TWIN!r}):
    User.objects.create_user(
        username, password={PROVIDER_PASSWORD!r}, name="외부 사용자", role="teacher",
        organisation=school,
    )
# The secret is hashed on save: set before the first one.
Site.objects.create(
    name="openclass (outside sign-in test)",
    client_id={CLIENT_ID!r},
    client_secret={CLIENT_SECRET!r},
    client_type=Site.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Site.GRANT_AUTHORIZATION_CODE,
    redirect_uris="{{callback}}",
    skip_authorization=True,
    allowed_scopes="openid profile",
    subject_type=Site.Subject.PAIRWISE,
    algorithm=Site.RS256_ALGORITHM,
)
print("ok")
"""

CLIENT_SEED = f"""
from openclass.core.tests.live_server import seed
seed(with_course=False)
from openclass.accounts.models import Organisation, User
school = Organisation.objects.get(kind="school")
User.objects.filter(username={OTHER_STUDENT.username!r}).update(email="Lee@Hanbit.example")
User.objects.filter(username={TEACHER.username!r}).update(must_change_password=True)
for username in ("twin-a", "twin-b"):
    User.objects.create_user(
        username, password={PASSWORD!r}, name="쌍둥이", role="teacher", organisation=school,
        email={TWIN!r},
    )
print("ok")
"""

EVENTS = """
import json
from openclass.hub.models import AuthEvent
print(json.dumps([[e.kind, e.detail] for e in AuthEvent.objects.order_by("pk")]))
"""


class Servers:
    def __init__(self, root: Path) -> None:
        (root / "provider").mkdir()
        (root / "client").mkdir()
        self.provider = LiveServer(root / "provider", host="127.0.0.2")
        self.client = LiveServer(root / "client")
        # The issuer is the provider's root (its discovery and its tokens' "iss").
        self.provider.env["OPENCLASS_SITE_URL"] = self.provider.url
        self.client.env.update(
            {
                "OPENCLASS_OUTSIDE_OIDC_ISSUER": self.provider.url,
                "OPENCLASS_OUTSIDE_OIDC_CLIENT_ID": CLIENT_ID,
                "OPENCLASS_OUTSIDE_OIDC_CLIENT_SECRET": CLIENT_SECRET,
                "OPENCLASS_OUTSIDE_OIDC_NAME": PROVIDER_NAME,
            }
        )

    def prepare(self) -> None:
        callback = f"{self.client.url}/login/outside/callback/"
        self.provider.migrate()
        self.client.migrate()
        self.provider.collect_static()
        self.client.collect_static()
        assert self.provider.shell(PROVIDER_SEED.replace("{callback}", callback)) == "ok"
        assert self.client.shell(CLIENT_SEED) == "ok"

    def restart_client(self, **env: str) -> None:
        self.client.stop()
        self.client.env.update(env)
        self.client.start()

    def events(self) -> list[list[str]]:
        return json.loads(self.client.shell(EVENTS))


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    servers = Servers(tmp_path_factory.mktemp("outside"))
    servers.prepare()
    servers.provider.start()
    try:
        servers.client.start()
        yield servers
    finally:
        servers.client.stop()
        servers.provider.stop()


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} in the page:\n{page[:2000]}"
    return html.unescape(found.group(1))


def sign_in_outside(
    servers: Servers, username: str, *, next_path: str = ""
) -> tuple[requests.Session, requests.Response]:
    """The login page's button, the provider's login form, and back: what the browser ends on."""
    browser = requests.Session()
    login_page = browser.get(f"{servers.client.url}/accounts/login/", timeout=TIMEOUT)
    found = re.search(r'href="(/login/outside/[^"]*)"', login_page.text)
    assert found, "the login page has no outside sign-in button"
    start = html.unescape(found.group(1)) + (f"?next={next_path}" if next_path else "")
    at_provider = browser.get(f"{servers.client.url}{start}", timeout=TIMEOUT)
    assert at_provider.url.startswith(f"{servers.provider.url}/accounts/login/"), at_provider.url
    back = browser.post(
        f"{servers.provider.url}/accounts/login/",
        data={
            "csrfmiddlewaretoken": _hidden(at_provider.text, "csrfmiddlewaretoken"),
            "next": _hidden(at_provider.text, "next"),
            "username": username,
            "password": PROVIDER_PASSWORD,
        },
        timeout=TIMEOUT,
    )
    return browser, back


def signed_in_as(servers: Servers, browser: requests.Session) -> str | None:
    """The client's name for the session's user (from the home page), or None."""
    home = browser.get(f"{servers.client.url}/", timeout=TIMEOUT)
    if urlparse(home.url).path.startswith("/accounts/login"):
        return None
    return home.text


def test_the_login_page_offers_the_provider(servers: Servers) -> None:
    page = requests.get(f"{servers.client.url}/accounts/login/", timeout=TIMEOUT).text
    assert 'href="/login/outside/"' in page
    assert PROVIDER_NAME in page
    # The provider itself has no outside provider configured: no button there.
    provider_page = requests.get(f"{servers.provider.url}/accounts/login/", timeout=TIMEOUT)
    assert "/login/outside/" not in provider_page.text
    # Both directions at once: the client is still a provider for the city's sites.
    discovery = requests.get(
        f"{servers.client.url}/.well-known/openid-configuration", timeout=TIMEOUT
    )
    assert discovery.status_code == 200
    assert discovery.json()["authorization_endpoint"].endswith("/o/authorize/")


def test_a_matched_person_lands_signed_in_where_they_were_going(servers: Servers) -> None:
    browser, back = sign_in_outside(servers, STUDENT.username, next_path="/notifications/")
    assert back.url == f"{servers.client.url}/notifications/", back.url
    # The way back went through the provider's authorization (code, PKCE) to our callback.
    hops = [urlparse(response.url) for response in back.history]
    assert any(hop.path == "/o/authorize/" for hop in hops)
    callback = next(hop for hop in hops if hop.path == "/login/outside/callback/")
    assert {"code", "state"} <= set(parse_qs(callback.query))
    home = signed_in_as(servers, browser)
    assert home is not None and STUDENT.name in home
    # Signed in until the browser closes (a computer room's shared PC), as an unticked box.
    session = next(c for c in browser.cookies if c.name == "sessionid" and c.domain == "127.0.0.1")
    assert session.expires is None


def test_an_unmatched_person_is_told_and_logged_and_not_signed_in(servers: Servers) -> None:
    browser, back = sign_in_outside(servers, NOBODY_HERE)
    assert urlparse(back.url).path == "/login/outside/failed/"
    assert back.url.startswith(servers.client.url)
    assert NOBODY_HERE in back.text
    assert 'href="/accounts/login/"' in back.text  # the way to sign in with a password
    assert signed_in_as(servers, browser) is None
    assert ["outside_unmatched", NOBODY_HERE] in servers.events()
    # Not a failed password: nothing towards the failed-login lock of the school's address.
    attempts = "from axes.models import AccessAttempt; print(AccessAttempt.objects.count())"
    assert servers.client.shell(attempts) == "0"


def test_the_password_login_still_works_beside_it(servers: Servers) -> None:
    browser = requests.Session()
    page = browser.get(f"{servers.client.url}/accounts/login/", timeout=TIMEOUT)
    signed_in = browser.post(
        f"{servers.client.url}/accounts/login/",
        data={
            "csrfmiddlewaretoken": _hidden(page.text, "csrfmiddlewaretoken"),
            "username": OTHER_STUDENT.username,
            "password": PASSWORD,
        },
        timeout=TIMEOUT,
    )
    assert urlparse(signed_in.url).path == "/"
    home = signed_in_as(servers, browser)
    assert home is not None and OTHER_STUDENT.name in home
    # The provider's password is not the client's: it does not open the client's account.
    refused = requests.Session()
    page = refused.get(f"{servers.client.url}/accounts/login/", timeout=TIMEOUT)
    answer = refused.post(
        f"{servers.client.url}/accounts/login/",
        data={
            "csrfmiddlewaretoken": _hidden(page.text, "csrfmiddlewaretoken"),
            "username": STUDENT.username,
            "password": PROVIDER_PASSWORD,
        },
        timeout=TIMEOUT,
    )
    assert urlparse(answer.url).path == "/accounts/login/"
    assert signed_in_as(servers, refused) is None


def test_a_temporary_password_must_still_be_changed_first(servers: Servers) -> None:
    browser, back = sign_in_outside(servers, TEACHER.username)
    assert urlparse(back.url).path == "/accounts/password/", back.url
    still = browser.get(f"{servers.client.url}/notifications/", timeout=TIMEOUT)
    assert urlparse(still.url).path == "/accounts/password/"


def test_an_answer_to_no_login_of_this_browser_signs_nobody_in(servers: Servers) -> None:
    browser = requests.Session()
    # A code and state this browser never asked for (a stale tab, or a forged link).
    back = browser.get(
        f"{servers.client.url}/login/outside/callback/?code=forged&state=forged",
        timeout=TIMEOUT,
    )
    assert urlparse(back.url).path == "/login/outside/failed/"
    assert signed_in_as(servers, browser) is None
    # The person cancels at the provider: it answers with an error.
    started = browser.get(
        f"{servers.client.url}/login/outside/", allow_redirects=False, timeout=TIMEOUT
    )
    state = parse_qs(urlparse(started.headers["Location"]).query)["state"][0]
    cancelled = browser.get(
        f"{servers.client.url}/login/outside/callback/",
        params={"error": "access_denied", "state": state},
        timeout=TIMEOUT,
    )
    assert urlparse(cancelled.url).path == "/login/outside/failed/"
    assert 'href="/login/outside/"' in cancelled.text  # try again
    assert signed_in_as(servers, browser) is None
    events = servers.events()
    assert ["login_failed", "outside sign-in: expired"] in events
    assert ["login_failed", "outside sign-in: refused access_denied"] in events


def test_the_configured_claim_and_field_decide_who_it_is(servers: Servers) -> None:
    # By user name (the default): the provider's "lee@hanbit.example" is nobody here.
    _, back = sign_in_outside(servers, BY_EMAIL)
    assert urlparse(back.url).path == "/login/outside/failed/"
    try:
        servers.restart_client(OPENCLASS_OUTSIDE_OIDC_MATCH_FIELD="email")
        # By e-mail: the account whose e-mail it is (case aside), whatever its user name.
        browser, back = sign_in_outside(servers, BY_EMAIL)
        assert urlparse(back.url).path == "/", back.url
        home = signed_in_as(servers, browser)
        assert home is not None and OTHER_STUDENT.name in home
        # Two accounts with that e-mail: neither is chosen.
        browser, back = sign_in_outside(servers, TWIN)
        assert urlparse(back.url).path == "/login/outside/failed/"
        assert TWIN in back.text
        assert signed_in_as(servers, browser) is None
        # A claim the provider does not send: nobody.
        servers.restart_client(OPENCLASS_OUTSIDE_OIDC_MATCH_CLAIM="email")
        browser, back = sign_in_outside(servers, BY_EMAIL)
        assert urlparse(back.url).path == "/login/outside/failed/"
        assert signed_in_as(servers, browser) is None
        assert ["outside_unmatched", "(email)"] in servers.events()
    finally:
        servers.client.env.pop("OPENCLASS_OUTSIDE_OIDC_MATCH_FIELD", None)
        servers.client.env.pop("OPENCLASS_OUTSIDE_OIDC_MATCH_CLAIM", None)
        servers.restart_client()


@pytest.mark.browser
def test_in_chromium_the_button_leads_through_the_provider_and_back(
    servers: Servers, chromium: Any
) -> None:
    """The same round trip in a real browser: its cookies of two sites, the CSP of both pages
    and the button a person clicks."""
    context = chromium.new_context(locale="ko-KR")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.goto(f"{servers.client.url}/accounts/login/")
        page.get_by_role("link", name=re.compile(PROVIDER_NAME)).click()
        page.wait_for_url(f"{servers.provider.url}/accounts/login/**")
        page.fill("#id_username", STUDENT.username)
        page.fill("#id_password", PROVIDER_PASSWORD)
        page.locator("form.stacked button[type=submit]").click()
        page.wait_for_url(f"{servers.client.url}/")
        assert STUDENT.name in page.content()
        assert errors == []
    finally:
        context.close()
