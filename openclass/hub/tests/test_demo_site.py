"""The demo relying site's registration (``hub.demo``, run by ``manage.py demo_data``) and its
pages without a server to talk to; the round trip itself is in test_relying_party.py."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client

from openclass.accounts.tests.fixtures import City
from openclass.core.registry import DemoOptions, demo_builders
from openclass.hub import demo
from openclass.hub.models import Site

pytestmark = pytest.mark.django_db

OPTIONS = DemoOptions(size="small", seed=1, with_videos=False)


def test_the_demo_data_registers_a_trusted_pairwise_site_under_site_url(
    city: City, settings
) -> None:
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert "hub.demo_site" in [builder.name for builder in demo_builders()]
    assert not demo.demo_exists()
    (line,) = demo.build_demo(OPTIONS)
    assert "http://127.0.0.1:8000/demo-site/" in line
    site = Site.objects.get(client_id=demo.CLIENT_ID)
    assert site.trusted and site.is_active
    assert site.subject_type == Site.Subject.PAIRWISE
    assert site.scope_set() == {"openid", "profile", "school", "roster"}
    assert site.redirect_uris == "http://127.0.0.1:8000/demo-site/callback/"
    assert site.post_logout_redirect_uris == "http://127.0.0.1:8000/demo-site/"
    assert site.backchannel_logout_uri == "http://127.0.0.1:8000/demo-site/backchannel-logout/"
    assert site.created_by == city.office_admin
    # Stored hashed; the demo site's view derives the same secret from SECRET_KEY.
    assert site.client_secret != demo.demo_client_secret()
    assert check_password(demo.demo_client_secret(), site.client_secret)


def test_running_it_again_follows_site_url_and_the_secret_key(city: City, settings) -> None:
    demo.build_demo(OPTIONS)
    settings.SITE_URL = "https://openclass.example.org"
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    demo.build_demo(OPTIONS)
    (site,) = Site.objects.filter(client_id=demo.CLIENT_ID)
    assert site.redirect_uris == "https://openclass.example.org/demo-site/callback/"
    assert check_password(demo.demo_client_secret(), site.client_secret)


def test_without_an_office_admin_nothing_is_registered() -> None:
    (line,) = demo.build_demo(OPTIONS)
    assert "nothing registered" in line and not demo.demo_exists()


def test_the_page_before_registration_and_at_another_address(settings) -> None:
    settings.SITE_URL = "http://testserver"
    page = Client().get("/demo-site/")
    assert page.status_code == 200
    assert "demo_data" in page.content.decode()  # says how to register it
    # Signing in leads back to that page instead of failing.
    response = Client().post("/demo-site/login/")
    assert response.status_code == 302 and response["Location"].endswith("/demo-site/")
    # At another address of this server: to SITE_URL's, where its sign-in comes back to.
    settings.SITE_URL = "http://127.0.0.1:8000"
    moved = Client().get("/demo-site/")
    assert moved.status_code == 302
    assert moved["Location"] == "http://127.0.0.1:8000/demo-site/"


def test_the_backchannel_endpoint_refuses_what_is_not_a_logout_token(city, settings) -> None:
    demo.build_demo(OPTIONS)
    response = Client().post("/demo-site/backchannel-logout/", {})
    assert response.status_code == 400 and response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("language", "role", "shown"),
    [
        ("ko", "student", "학생 <code>student</code>"),
        ("en", "parent", "Parent <code>parent</code>"),
    ],
)
def test_the_signed_in_page_names_the_role_in_the_readers_language(
    city, settings, language: str, role: str, shown: str
) -> None:
    settings.SITE_URL = "http://127.0.0.1:8000"
    demo.build_demo(OPTIONS)
    client = Client(HTTP_HOST="127.0.0.1:8000")
    session = client.session
    session["demo_site"] = {"claims": {"name": "김하늘", "role": role}, "sub": "x", "api": {}}
    session.save()
    page = client.get("/demo-site/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<dd data-claim="role">{shown}</dd>' in page
    # A role the page does not know is shown as the site received it.
    session["demo_site"]["claims"]["role"] = "robot"
    session.save()
    page = client.get("/demo-site/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert '<dd data-claim="role">robot</dd>' in page
