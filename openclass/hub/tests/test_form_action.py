"""The sign-in page and the consent page on the way to a site let their form's redirect chain
reach the site's registered address (Chromium applies form-action to redirects), and only that."""

from __future__ import annotations

import pytest
from django.test import Client

from openclass.hub.models import Site

from .fixtures import authorize_url

pytestmark = pytest.mark.django_db


def form_action(response) -> str:
    policy = response["Content-Security-Policy"]
    [directive] = [part.strip() for part in policy.split(";") if "form-action" in part]
    return directive


def test_the_login_page_on_the_way_to_a_site_may_post_to_it(trusted_site) -> None:
    browser = Client()
    url, _auth = authorize_url(trusted_site)
    login = browser.get(url)["Location"]
    page = browser.get(login)
    assert page.status_code == 200
    assert form_action(page) == "form-action 'self' https://ssem.example.org"
    # A failed sign-in shows the form again, still on the way.
    again = browser.post(login, {"username": "nobody", "password": "wrong-password"})
    assert again.status_code == 200
    assert "https://ssem.example.org" in form_action(again)


@pytest.mark.parametrize("case", ["plain", "unregistered", "disabled", "elsewhere"])
def test_the_login_page_widens_nothing_else(trusted_site, case) -> None:
    url, _auth = authorize_url(
        trusted_site,
        redirect_uri="https://evil.example.net/cb" if case == "unregistered" else None,
    )
    if case == "disabled":
        Site.objects.filter(pk=trusted_site.pk).update(is_active=False)
    if case == "elsewhere":
        url = "https://ssem.example.org" + url
    page = Client().get("/accounts/login/", {} if case == "plain" else {"next": url})
    assert page.status_code == 200
    assert form_action(page) == "form-action 'self'"


def test_the_consent_page_may_post_to_the_site(city, site) -> None:
    browser = Client()
    browser.force_login(city.north.homeroom_a)
    url, _auth = authorize_url(site)
    page = browser.get(url)
    assert page.status_code == 200
    assert form_action(page) == "form-action 'self' https://ggul.example.org"
