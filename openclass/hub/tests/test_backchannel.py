"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0): signing out of openclass tells
the sites the person used through it — a real HTTP server on 127.0.0.1 receives the logout
tokens — revokes their tokens there, retries a failed delivery and never calls a site the person
did not use, a disabled site, or an address that is not http(s)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY
from oauth2_provider.models import AccessToken, IDToken, RefreshToken

from openclass.accounts.models import User
from openclass.accounts.tests.fixtures import City
from openclass.hub import backchannel
from openclass.hub.models import AuthEvent, Site
from openclass.hub.tests.fixtures import authorize_url, code_from, exchange, make_site
from openclass.hub.tests.relying_party import Receiver, check_logout_token, receiving_site

pytestmark = pytest.mark.django_db

ISSUER = "http://testserver"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving_site() as site:
        yield site


@pytest.fixture
def student(city: City) -> User:
    return city.north.student_a1


def sign_in_at(client: Client, site: Site) -> dict:
    """The person (signed in on ``client``) signs in at ``site``: its tokens."""
    url, auth = authorize_url(site, scope="openid profile")
    response = client.get(url)
    assert response.status_code == 302, response.content[:500]
    tokens = exchange(Client(), auth, code_from(response["Location"], auth)).json()
    assert "id_token" in tokens, tokens
    return tokens


def backchannel_site(name: str, receiver: Receiver, path: str, **extra) -> Site:
    return make_site(
        name,
        redirect_uri=f"https://{path.strip('/')}.example.org/callback",
        trusted=True,
        backchannel_logout_uri=f"{receiver.url}{path}",
        **extra,
    )


def jwks(client: Client) -> dict:
    response = client.get("/o/.well-known/jwks.json")
    assert response.status_code == 200
    return response.json()


def run_retries() -> None:
    """Run the retries Huey scheduled (immediate mode keeps them in its schedule)."""
    import datetime

    far = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(days=1)
    for task in HUEY.read_schedule(far):
        HUEY.execute(task, timestamp=far)


def test_signing_out_tells_each_site_the_person_used_and_no_other(
    settings, student, receiver, huey_immediate, django_capture_on_commit_callbacks
) -> None:
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": ISSUER}
    ggul = backchannel_site("꿀박사", receiver, "/ggul")
    essay = backchannel_site("사이버논술", receiver, "/essay", subject_type=Site.Subject.PUBLIC)
    unused = backchannel_site("진로센터", receiver, "/career")
    browser = Client()
    browser.force_login(student)
    tokens = {site.pk: sign_in_at(browser, site) for site in (ggul, essay)}
    assert backchannel.sites_to_tell(student) == [ggul, essay]

    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post("/accounts/logout/").status_code == 302

    posts = receiver.wait_for_posts(2)
    assert sorted(p.path for p in posts) == ["/essay", "/ggul"]
    assert not receiver.posts("/career"), "a site the person never used was told"
    keys = jwks(Client())
    for site in (ggul, essay):
        (post,) = receiver.posts("/" + site.redirect_uris.split("//")[1].split(".")[0])
        assert post.content_type == "application/x-www-form-urlencoded"
        claims = check_logout_token(
            post.form["logout_token"][0], keys, issuer=ISSUER, client_id=site.client_id
        )
        # The sub the site knows the person by: its ID token's (pairwise at 꿀박사).
        id_claims = _unverified_claims(tokens[site.pk]["id_token"])
        assert claims["sub"] == id_claims["sub"]
        # Nothing the site holds works any longer.
        assert not AccessToken.objects.filter(user=student, application=site).exists()
        assert not RefreshToken.objects.filter(
            user=student, application=site, revoked__isnull=True
        ).exists()
        assert not IDToken.objects.filter(user=student, application=site).exists()
        userinfo = Client().get(
            "/o/userinfo/", headers={"Authorization": f"Bearer {tokens[site.pk]['access_token']}"}
        )
        assert userinfo.status_code == 401
        refreshed = exchange_refresh(site, tokens[site.pk]["refresh_token"])
        assert refreshed.status_code == 400
    pairwise = check_logout_token(
        receiver.posts("/ggul")[0].form["logout_token"][0],
        keys,
        issuer=ISSUER,
        client_id=ggul.client_id,
    )["sub"]
    public = check_logout_token(
        receiver.posts("/essay")[0].form["logout_token"][0],
        keys,
        issuer=ISSUER,
        client_id=essay.client_id,
    )["sub"]
    assert pairwise != public and str(student.pk) not in (pairwise, public)
    logged = AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGOUT, user=student)
    assert sorted(logged.values_list("site__name", flat=True)) == ["꿀박사", "사이버논술"]
    assert unused.pk not in logged.values_list("site", flat=True)


def test_a_token_is_for_its_site_only(student, receiver, huey_immediate) -> None:
    """A site cannot pass its logout token off to another: the audience is its client id."""
    ggul = backchannel_site("꿀박사", receiver, "/ggul")
    other = backchannel_site("사이버논술", receiver, "/essay")
    token = backchannel.logout_token(ggul, student, ISSUER)
    check_logout_token(token, jwks(Client()), issuer=ISSUER, client_id=ggul.client_id)
    with pytest.raises(Exception, match="aud"):
        check_logout_token(token, jwks(Client()), issuer=ISSUER, client_id=other.client_id)


def test_a_failed_delivery_is_tried_again(
    student, receiver, huey_immediate, django_capture_on_commit_callbacks
) -> None:
    receiver.statuses = [503, 200]
    ggul = backchannel_site("꿀박사", receiver, "/ggul")
    browser = Client()
    browser.force_login(student)
    sign_in_at(browser, ggul)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/accounts/logout/")
    assert len(receiver.posts()) == 1
    # Revoked at once, whether or not the site has heard yet.
    assert not AccessToken.objects.filter(user=student, application=ggul).exists()
    run_retries()
    first, second = receiver.wait_for_posts(2)
    # Each try carries a fresh token (a new jti, a fresh iat).
    assert first.form["logout_token"] != second.form["logout_token"]
    assert not AuthEvent.objects.filter(detail__contains="not delivered").exists()


def test_a_site_that_never_answers_is_given_up_on_and_logged(
    student, receiver, huey_immediate, django_capture_on_commit_callbacks
) -> None:
    receiver.statuses = [500]
    ggul = backchannel_site("꿀박사", receiver, "/ggul")
    browser = Client()
    browser.force_login(student)
    sign_in_at(browser, ggul)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/accounts/logout/")
    for _ in range(backchannel.RETRIES + 2):
        run_retries()
    assert len(receiver.posts()) == 1 + backchannel.RETRIES
    failed = AuthEvent.objects.get(detail__contains="not delivered")
    assert failed.site == ggul and failed.user == student and "HTTP 500" in failed.detail


def test_no_call_to_a_disabled_site_or_an_address_not_http(
    student, receiver, huey_immediate, django_capture_on_commit_callbacks
) -> None:
    disabled = backchannel_site("꿀박사", receiver, "/ggul")
    browser = Client()
    browser.force_login(student)
    sign_in_at(browser, disabled)
    Site.objects.filter(pk=disabled.pk).update(is_active=False)
    odd = backchannel_site("사이버논술", receiver, "/essay")
    sign_in_at(browser, odd)
    Site.objects.filter(pk=odd.pk).update(backchannel_logout_uri="file:///etc/passwd")
    assert backchannel.sites_to_tell(student) == []
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/accounts/logout/")
    assert receiver.posts() == []
    assert not backchannel.callable_uri("gopher://127.0.0.1/")
    assert not backchannel.callable_uri("http:///no-host")
    assert backchannel.callable_uri("https://ggul.example.org/logout")


def test_a_site_disabled_after_the_sign_out_is_not_called(
    student, receiver, huey_immediate
) -> None:
    """The task reads the site when it runs: disabled meanwhile, it is not called."""
    from openclass.hub.tasks import send_logout_token

    ggul = backchannel_site("꿀박사", receiver, "/ggul")
    Site.objects.filter(pk=ggul.pk).update(is_active=False)
    send_logout_token(ggul.pk, student.pk, ISSUER)
    assert receiver.posts() == []


def test_the_site_of_a_service_account_is_not_told(student, receiver) -> None:
    ggul = backchannel_site("꿀박사", receiver, "/ggul", service_account=student)
    browser = Client()
    browser.force_login(student)
    sign_in_at(browser, ggul)
    assert backchannel.sites_to_tell(student) == []


def exchange_refresh(site: Site, refresh_token: str):
    from openclass.hub.tests.fixtures import SECRET

    return Client().post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": site.client_id,
            "client_secret": SECRET,
        },
    )


def _unverified_claims(token: str) -> dict:
    import json

    from openclass.hub.tests.relying_party import _b64

    return json.loads(_b64(token.split(".")[1]))
