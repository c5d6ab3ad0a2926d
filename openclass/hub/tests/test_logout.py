"""RP-initiated logout at /o/logout/: openclass's own confirmation page (Korean), the site's
registered return addresses only, unknown and disabled sites refused, "Cancel" changes nothing,
and signing out there tells the other sites (back-channel logout)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken

from openclass.accounts.models import User
from openclass.accounts.tests.fixtures import City
from openclass.hub.models import AuthEvent, Site
from openclass.hub.tests.fixtures import authorize_url, code_from, exchange, make_site
from openclass.hub.tests.relying_party import Receiver, receiving_site

pytestmark = pytest.mark.django_db

RETURN = "https://ggul.example.org/signed-out"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving_site() as site:
        yield site


@pytest.fixture
def student(city: City) -> User:
    return city.north.student_a1


@pytest.fixture
def ggul(db) -> Site:
    return make_site(
        "꿀박사",
        redirect_uri="https://ggul.example.org/callback",
        post_logout_redirect_uris=RETURN,
        trusted=True,
    )


def signed_in(student: User, *sites: Site) -> tuple[Client, list[dict]]:
    browser = Client()
    browser.force_login(student)
    tokens = []
    for site in sites:
        url, auth = authorize_url(site, scope="openid profile")
        response = browser.get(url)
        assert response.status_code == 302
        tokens.append(exchange(Client(), auth, code_from(response["Location"], auth)).json())
    return browser, tokens


def is_signed_in(browser: Client) -> bool:
    return "_auth_user_id" in browser.session


def logout_url(**params: str) -> str:
    return "/o/logout/?" + urlencode(params)


def test_without_an_id_token_the_person_is_asked_in_korean(student, ggul) -> None:
    browser, _ = signed_in(student, ggul)
    response = browser.get(logout_url(client_id=ggul.client_id, post_logout_redirect_uri=RETURN))
    assert response.status_code == 200
    page = response.content.decode()
    assert "openclass와 사이트에서 로그아웃할까요?" in page or "Sign out of openclass" in page
    assert "꿀박사" in page  # who asks, and a site they will also leave
    assert 'name="allow"' in page and 'lang="ko"' in page
    assert is_signed_in(browser)


def test_confirming_signs_out_and_returns_to_the_registered_address(student, ggul) -> None:
    browser, _ = signed_in(student, ggul)
    response = browser.post(
        "/o/logout/",
        {
            "client_id": ggul.client_id,
            "post_logout_redirect_uri": RETURN,
            "state": "s1",
            "allow": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{RETURN}?state=s1"
    assert not is_signed_in(browser)
    assert not AccessToken.objects.filter(user=student).exists()
    assert AuthEvent.objects.filter(
        kind=AuthEvent.Kind.LOGOUT, user=student, site=ggul, detail__contains="signed out at"
    ).exists()


def test_cancel_leaves_the_person_signed_in(student, ggul) -> None:
    browser, _ = signed_in(student, ggul)
    response = browser.post(
        "/o/logout/", {"client_id": ggul.client_id, "post_logout_redirect_uri": RETURN}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert is_signed_in(browser)
    assert AccessToken.objects.filter(user=student, application=ggul).exists()


def test_with_the_persons_id_token_the_other_sites_are_told(
    student, ggul, receiver, huey_immediate, django_capture_on_commit_callbacks
) -> None:
    """The site's own ID token for the person: asked (openclass always asks, as the spec
    recommends), then out, back at the site with its state, and the other site with a
    back-channel address is told."""
    essay = make_site(
        "사이버논술",
        redirect_uri="https://essay.example.org/callback",
        trusted=True,
        backchannel_logout_uri=f"{receiver.url}/essay",
    )
    browser, (ggul_tokens, _) = signed_in(student, ggul, essay)
    hint = ggul_tokens["id_token"]
    asked = browser.get(logout_url(id_token_hint=hint, post_logout_redirect_uri=RETURN, state="x"))
    assert asked.status_code == 200
    assert "사이버논술" in asked.content.decode()  # among the sites they will leave
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/o/logout/",
            {
                "id_token_hint": hint,
                "post_logout_redirect_uri": RETURN,
                "state": "x",
                "allow": "on",
            },
        )
    assert response.status_code == 302
    assert response["Location"].startswith(RETURN)
    assert parse_qs(urlsplit(response["Location"]).query) == {"state": ["x"]}
    assert not is_signed_in(browser)
    (post,) = receiver.wait_for_posts(1)
    assert post.path == "/essay" and "logout_token" in post.form
    assert not AccessToken.objects.filter(user=student).exists()


@pytest.mark.parametrize(
    "where",
    [
        "https://evil.example.org/",  # not registered
        "https://ggul.example.org/signed-out/more",  # a longer path than the registered one
        "javascript:alert(1)",
    ],
)
def test_an_unregistered_return_address_is_refused(student, ggul, where: str) -> None:
    browser, _ = signed_in(student, ggul)
    response = browser.get(logout_url(client_id=ggul.client_id, post_logout_redirect_uri=where))
    assert response.status_code == 400
    assert "evil.example.org" not in response.get("Location", "")
    assert is_signed_in(browser)
    # The refusal is our page, in Korean.
    assert 'lang="ko"' in response.content.decode()


def test_a_return_address_needs_the_site(student, ggul) -> None:
    browser, _ = signed_in(student, ggul)
    response = browser.get(logout_url(post_logout_redirect_uri=RETURN))
    assert response.status_code == 400
    assert is_signed_in(browser)


def test_an_unknown_or_disabled_site_is_refused_not_an_error(student, ggul) -> None:
    browser, _ = signed_in(student, ggul)
    response = browser.get(logout_url(client_id="no-such-site", post_logout_redirect_uri=RETURN))
    assert response.status_code == 400
    Site.objects.filter(pk=ggul.pk).update(is_active=False)
    response = browser.get(logout_url(client_id=ggul.client_id, post_logout_redirect_uri=RETURN))
    assert response.status_code == 400
    assert is_signed_in(browser)


def test_another_persons_id_token_is_asked_about(student, ggul, city: City) -> None:
    """An ID token of someone else (a shared school computer) never signs out silently."""
    _, (other_tokens,) = signed_in(city.north.student_a2, ggul)
    browser, _ = signed_in(student, ggul)
    response = browser.get(logout_url(id_token_hint=other_tokens["id_token"]))
    assert response.status_code == 200
    assert is_signed_in(browser)


def test_a_site_signs_out_a_person_whose_openclass_session_has_ended(
    student, ggul, receiver, huey_immediate, django_capture_on_commit_callbacks
) -> None:
    """No openclass session in this browser (it expired, or they signed out elsewhere): the
    site's ID token names the person, whose tokens are revoked and whose other sites are told."""
    essay = make_site(
        "사이버논술",
        redirect_uri="https://essay.example.org/callback",
        trusted=True,
        backchannel_logout_uri=f"{receiver.url}/essay",
    )
    _, (ggul_tokens, _) = signed_in(student, ggul, essay)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().get(
            logout_url(id_token_hint=ggul_tokens["id_token"], post_logout_redirect_uri=RETURN)
        )
    assert response.status_code == 302 and response["Location"] == RETURN
    (post,) = receiver.wait_for_posts(1)
    assert post.path == "/essay"
    assert not AccessToken.objects.filter(user=student).exists()
