"""Real relying parties against the real server (uvicorn on 127.0.0.1, started here).

- A site's back end is this test with Authlib's OAuth 2.0 client (``requests_client``): it runs
  authorization code + PKCE S256, the person signs in through openclass's real login form in
  chromium, and the browser comes back to the site's redirect URI (an ``http.server`` of the
  test). The site validates the ID token against the JWKS, calls userinfo and the Open API,
  refreshes, and sends the person to RP-initiated logout; a second site, where the person also
  signed in, receives the back-channel logout token and validates it.
- Client credentials with Authlib for a site with a service account.
- The demo relying site (``/demo-site/``, served by openclass itself) round trip in chromium,
  and its back-channel logout endpoint.

The server runs Huey in immediate mode, so a logout token is sent while the sign-out is
answered. Browser tests are few (the browser pass is sequential): two.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken
from playwright.sync_api import Page, expect

from openclass.core.tests.browser import menu_item, serious_axe_violations
from openclass.core.tests.live_server import (
    OTHER_STUDENT,
    SCHOOL_NAME,
    STUDENT,
    TEACHER,
    LiveServer,
    Person,
)
from openclass.hub.tests.fixtures import SECRET
from openclass.hub.tests.relying_party import Receiver, check_logout_token, receiving_site

SCOPE = "openid profile school"


def seed() -> None:
    """Run in the server's Django: the school of ``live_server.seed`` (no course), an office
    admin, and the demo relying site (``hub.demo``)."""
    from openclass.accounts.models import Organisation, User
    from openclass.core.registry import DemoOptions
    from openclass.core.tests.live_server import seed as seed_school
    from openclass.hub.demo import build_demo

    seed_school(with_course=False)
    User.objects.create_user(
        "office-admin",
        password="office-admin-password-1",
        name="교육청 관리자",
        role=User.Role.OFFICE_ADMIN,
        organisation=Organisation.objects.get(kind=Organisation.Kind.OFFICE),
    )
    build_demo(DemoOptions(size="small", seed=1, with_videos=False))


def register(
    name: str,
    redirect_uri: str,
    post_logout_uri: str = "",
    backchannel_uri: str = "",
    service_account: str = "",
) -> None:
    """Run in the server's Django: register a trusted site (secret ``fixtures.SECRET``) and
    print its client id."""
    from openclass.accounts.models import User
    from openclass.hub.tests.fixtures import make_site

    site = make_site(
        name,
        redirect_uri=redirect_uri,
        post_logout_redirect_uris=post_logout_uri or redirect_uri,
        trusted=True,
        scopes="openid profile school roster",
        backchannel_logout_uri=backchannel_uri,
        service_account=User.objects.get(username=service_account) if service_account else None,
    )
    print(site.client_id)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(Path(tmp_path_factory.mktemp("hub-var")))
    server.env["OPENCLASS_SITE_URL"] = server.url  # the issuer, and the demo site's addresses
    server.env["OPENCLASS_HUEY_IMMEDIATE"] = "1"
    server.var_dir.mkdir(parents=True, exist_ok=True)
    server.collect_static()
    server.migrate()
    server.shell("from openclass.hub.tests.test_relying_party import seed; seed()")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def metadata(live: LiveServer) -> dict[str, Any]:
    return requests.get(f"{live.url}/.well-known/openid-configuration", timeout=10).json()


@pytest.fixture
def site_back_end() -> Iterator[Receiver]:
    with receiving_site() as receiver:
        yield receiver


@pytest.fixture
def other_site_back_end() -> Iterator[Receiver]:
    with receiving_site() as receiver:
        yield receiver


def register_site(live: LiveServer, name: str, receiver: Receiver, **extra: str) -> str:
    args = ", ".join(
        repr(value)
        for value in (
            name,
            f"{receiver.url}/callback",
            extra.get("post_logout_uri", f"{receiver.url}/signed-out"),
            extra.get("backchannel_uri", ""),
            extra.get("service_account", ""),
        )
    )
    return live.shell(
        f"from openclass.hub.tests.test_relying_party import register; register({args})"
    )


@pytest.fixture
def new_page(chromium, live: LiveServer) -> Iterator[Callable[..., Page]]:
    """Pages in fresh browser contexts (a Korean browser); the test fails on a console error."""
    contexts, pages = [], []

    def factory(**options: Any) -> Page:
        context = chromium.new_context(
            base_url=live.url, locale="ko-KR", viewport={"width": 360, "height": 740}, **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on(
            "console",
            lambda m: (
                errors.append(f"{m.text} ({m.location.get('url', '')})")
                if m.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.console_errors = errors
        pages.append(page)
        return page

    yield factory
    problems = [f"{p.url}: {e}" for p in pages for e in p.console_errors]
    for context in contexts:
        context.close()
    assert not problems, "Browser console errors:\n" + "\n".join(problems)


API_MISSING = (
    "every step ran and passed but the Open API call: /api/v1/me is not served on this tree "
    "yet (404), so that one step was left out"
)


def api_me_answers(session: OAuth2Session, live: LiveServer, person: Person) -> bool:
    """The Open API with the access token: ``/api/v1/me`` names ``person``. False when the API
    does not serve it yet (the test then ends skipped, with why, after every other step)."""
    me = session.get(f"{live.url}/api/v1/me")
    if me.status_code == 404:
        return False
    assert me.status_code == 200, me.text
    assert me.json()["username"] == person.username
    return True


def fill_login_form(page: Page, person: Person) -> None:
    """openclass's own login form, where the authorization request sent the browser."""
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.locator("#id_username").fill(person.username)
    page.locator("#id_password").fill(person.password)
    page.locator("main form button[type=submit]").click()


def validated_id_token(
    token: dict[str, Any], metadata: dict[str, Any], client_id: str, nonce: str
) -> dict[str, Any]:
    """What the site checks on an ID token: signature against the JWKS, issuer, audience,
    expiry, nonce and at_hash (Authlib's CodeIDToken)."""
    jwks = requests.get(metadata["jwks_uri"], timeout=10).json()
    claims = jwt.decode(
        token["id_token"],
        JsonWebKey.import_key_set(jwks),
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": metadata["issuer"]}},
        claims_params={
            "nonce": nonce,
            "client_id": client_id,
            "access_token": token["access_token"],
        },
    )
    claims.validate(leeway=5)
    return dict(claims)


def sign_in_with_pkce(
    page: Page,
    metadata: dict[str, Any],
    client_id: str,
    receiver: Receiver,
    person: Person | None = None,
) -> tuple[OAuth2Session, dict[str, Any], str]:
    """Authorization code + PKCE S256 from the site's side; the browser signs in (``person``:
    at the login form; None: already signed in to openclass). The site's session, its token,
    and the nonce it sent."""
    session = OAuth2Session(
        client_id,
        SECRET,
        scope=SCOPE,
        redirect_uri=f"{receiver.url}/callback",
        code_challenge_method="S256",
    )
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    page.goto(url)
    if person is not None:
        fill_login_form(page, person)
    expect(page).to_have_url(re.compile(re.escape(f"{receiver.url}/callback?")))
    expect(page.locator("p")).to_have_text("back at the site")
    token = session.fetch_token(
        metadata["token_endpoint"],
        authorization_response=page.url,
        code_verifier=verifier,
        state=state,
    )
    return session, token, nonce


@pytest.mark.browser
def test_a_site_signs_in_through_the_login_form_refreshes_and_signs_out(
    live: LiveServer,
    metadata: dict[str, Any],
    new_page,
    site_back_end: Receiver,
    other_site_back_end: Receiver,
) -> None:
    ggul = register_site(live, "꿀박사", site_back_end)
    essay = register_site(
        live,
        "사이버논술",
        other_site_back_end,
        backchannel_uri=f"{other_site_back_end.url}/backchannel-logout",
    )
    page = new_page()

    session, token, nonce = sign_in_with_pkce(page, metadata, ggul, site_back_end, STUDENT)
    assert {"access_token", "refresh_token", "id_token"} <= set(token)
    claims = validated_id_token(token, metadata, ggul, nonce)
    assert claims["name"] == STUDENT.name and claims["role"]
    assert claims["organisation"]["school"]["name"] == SCHOOL_NAME

    userinfo = session.get(metadata["userinfo_endpoint"])
    assert userinfo.status_code == 200
    assert userinfo.json()["sub"] == claims["sub"]
    assert userinfo.json()["name"] == STUDENT.name

    api_missing = not api_me_answers(session, live, STUDENT)

    old_access = token["access_token"]
    refreshed = session.refresh_token(metadata["token_endpoint"])
    assert refreshed["access_token"] != old_access
    assert session.get(metadata["userinfo_endpoint"]).status_code == 200

    # The same person at a second site: already signed in to openclass, no form this time.
    other, other_token, other_nonce = sign_in_with_pkce(page, metadata, essay, other_site_back_end)
    other_sub = validated_id_token(other_token, metadata, essay, other_nonce)["sub"]

    # RP-initiated logout from the first site: openclass asks, in Korean, naming the other site.
    page.goto(
        metadata["end_session_endpoint"]
        + "?"
        + urlencode(
            {
                "id_token_hint": refreshed.get("id_token", token["id_token"]),
                "post_logout_redirect_uri": f"{site_back_end.url}/signed-out",
                "state": "after-logout",
            }
        )
    )
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("main h1")).to_contain_text("openclass")
    expect(page.locator("main")).to_contain_text("사이버논술")
    page.locator("main form button[name=allow]").click()
    expect(page).to_have_url(f"{site_back_end.url}/signed-out?state=after-logout")

    # The second site was told, with a token it can check; its tokens no longer work.
    (post,) = other_site_back_end.wait_for_posts(1)
    assert post.path == "/backchannel-logout"
    told = check_logout_token(
        post.form["logout_token"][0],
        requests.get(metadata["jwks_uri"], timeout=10).json(),
        issuer=metadata["issuer"],
        client_id=essay,
    )
    assert told["sub"] == other_sub
    assert other.get(metadata["userinfo_endpoint"]).status_code == 401
    assert session.get(metadata["userinfo_endpoint"]).status_code == 401
    # And the browser is signed out of openclass.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    if api_missing:
        pytest.skip(API_MISSING)


def test_client_credentials_act_as_the_service_account(
    live: LiveServer, metadata: dict[str, Any], site_back_end: Receiver
) -> None:
    sync = register_site(live, "학사 동기화", site_back_end, service_account=TEACHER.username)
    session = OAuth2Session(sync, SECRET, scope="profile roster")
    token = session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    assert token["access_token"] and "refresh_token" not in token and "id_token" not in token
    api_missing = not api_me_answers(session, live, TEACHER)

    # Refused: a wrong secret, and a site without a service account.
    wrong = OAuth2Session(sync, "not-the-secret", scope="roster")
    answer = wrong.post(
        metadata["token_endpoint"],
        data={"grant_type": "client_credentials"},
        auth=(sync, "not-the-secret"),
    )
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    plain = register_site(live, "서비스 계정 없는 사이트", site_back_end)
    answer = requests.post(
        metadata["token_endpoint"],
        data={"grant_type": "client_credentials"},
        auth=(plain, SECRET),
        timeout=10,
    )
    assert answer.status_code in (400, 401)
    assert answer.json()["error"] in ("unauthorized_client", "invalid_client")
    if api_missing:
        pytest.skip(API_MISSING)


def demo_logout_token(live: LiveServer, client_id: str = "openclass-demo-site") -> str:
    """A logout token the server signs (as at a sign-out) for a demo-city student."""
    code = (
        "from openclass.hub import backchannel; from openclass.hub.models import Site; "
        "from openclass.accounts.models import User; "
        f"site = Site.objects.get(client_id={client_id!r}); "
        f"user = User.objects.get(username={STUDENT.username!r}); "
        f"print(backchannel.logout_token(site, user, {live.url!r}))"
    )
    return live.shell(code)


def test_the_demo_sites_backchannel_endpoint_checks_the_token(
    live: LiveServer, site_back_end: Receiver
) -> None:
    endpoint = f"{live.url}/demo-site/backchannel-logout/"
    token = demo_logout_token(live)
    assert requests.post(endpoint, data={"logout_token": token}, timeout=10).status_code == 200
    replay = requests.post(endpoint, data={"logout_token": token}, timeout=10)
    assert replay.status_code == 400 and "replayed" in replay.text
    # A token for another site (its audience) is not for the demo site.
    other = register_site(live, "다른 사이트", site_back_end)
    wrong = requests.post(
        endpoint, data={"logout_token": demo_logout_token(live, other)}, timeout=10
    )
    assert wrong.status_code == 400 and "aud" in wrong.text
    forged = token.rsplit(".", 1)[0] + ".c2lnbmF0dXJl"
    assert requests.post(endpoint, data={"logout_token": forged}, timeout=10).status_code == 400
    assert requests.post(endpoint, data={}, timeout=10).status_code == 400
    assert requests.get(endpoint, timeout=10).status_code == 405


@pytest.mark.browser
def test_the_demo_site_round_trip(live: LiveServer, new_page) -> None:
    """The demo site's button, openclass's login form, the claims and one API call back at
    the demo site; signing out of openclass elsewhere ends the demo site's session here
    (back-channel logout); the demo site's "log out" signs out of openclass too."""
    page = new_page()
    page.goto("/demo-site/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.locator("main form button[type=submit]").click()
    fill_login_form(page, STUDENT)
    expect(page).to_have_url(f"{live.url}/demo-site/")
    expect(page.locator("[data-claim=name]")).to_have_text(STUDENT.name)
    expect(page.locator("[data-claim=school]")).to_contain_text(SCHOOL_NAME)
    expect(page.locator("[data-api-status]")).to_have_text("200")
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= 360, f"the demo site scrolls sideways at 360 px: {scroll}"

    # The same person signs out of openclass in another browser: the demo site is told.
    elsewhere = new_page()
    elsewhere.goto("/accounts/login/")
    elsewhere.locator("#id_username").fill(STUDENT.username)
    elsewhere.locator("#id_password").fill(STUDENT.password)
    elsewhere.locator("main form button[type=submit]").click()
    menu_item(elsewhere, "button.link-button").click()
    expect(elsewhere).to_have_url(re.compile(r"/accounts/login/"))
    page.reload()
    expect(page.locator("[data-claim=name]")).to_have_count(0)
    page.goto("/")  # still signed in to openclass in this browser: only the demo site ended
    expect(page.locator("nav.main-nav")).to_have_count(1)

    # Again, then the demo site's own "log out": RP-initiated logout, back at the demo site.
    page.goto("/demo-site/")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("[data-claim=name]")).to_have_text(STUDENT.name)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/o/logout/\?"))
    # Its page and the confirmation pass axe-core (in a context of their own: axe is injected
    # as an inline script, which the CSP rightly blocks everywhere else).
    checked = new_page(bypass_csp=True)
    checked.goto("/demo-site/")
    problems = serious_axe_violations(checked)
    checked.goto("/accounts/login/?next=/o/logout/%3Fclient_id%3Dopenclass-demo-site")
    fill_login_form(checked, OTHER_STUDENT)
    expect(checked.locator("main form button[name=allow]")).to_be_visible()
    problems += serious_axe_violations(checked)
    assert not problems, "axe-core serious/critical violations:\n" + "\n".join(problems)
    page.locator("main form button[name=allow]").click()
    expect(page).to_have_url(re.compile(re.escape(f"{live.url}/demo-site/?state=")))
    expect(page.locator("[data-signed-out]")).to_be_visible()
    expect(page.locator("[data-claim=name]")).to_have_count(0)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
