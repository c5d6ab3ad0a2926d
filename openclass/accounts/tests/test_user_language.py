"""A signed-in user's own language (``User.language``, issue 18): it wins over the browser and
the cookie on every page, blank follows them, and the header's language switch used by a
signed-in user becomes their own (``UserLanguageMiddleware``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openclass.accounts.models import User
from openclass.accounts.tests.fixtures import make_user

Role = User.Role


@pytest.fixture
def people(db) -> dict[str, User]:
    return {
        "ko": make_user("reader-ko", Role.TEACHER, language="ko"),
        "en": make_user("reader-en", Role.TEACHER, language="en"),
        "browser": make_user("reader-browser", Role.STUDENT),
    }


def test_a_users_own_language_wins_over_the_browser_and_the_cookie(client, people) -> None:
    client.force_login(people["en"])
    page = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="ko")
    assert page["Content-Language"] == "en"
    assert '<html lang="en">' in page.content.decode()
    client.force_login(people["ko"])
    page = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "ko"


def test_blank_follows_the_browser_and_signed_out_pages_are_untouched(client, people) -> None:
    client.force_login(people["browser"])
    assert (
        client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="en")["Content-Language"]
        == "en"
    )
    assert (
        client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="ko")["Content-Language"]
        == "ko"
    )
    client.logout()
    login = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert login["Content-Language"] == "en"


def test_the_header_switch_becomes_the_signed_in_users_own_language(client, people) -> None:
    ko, other = people["ko"], people["browser"]
    client.force_login(ko)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    ko.refresh_from_db()
    assert ko.language == "en"
    # The next page (a browser asking for Korean) is in English; nobody else changed.
    assert (
        client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="ko")["Content-Language"]
        == "en"
    )
    other.refresh_from_db()
    assert other.language == ""
    # A language the site does not offer changes nothing.
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    ko.refresh_from_db()
    assert ko.language == "en"


def test_the_switch_signed_out_stores_nothing(client, people) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert not User.objects.exclude(language__in=["", "ko", "en"]).exists()
    assert User.objects.get(pk=people["browser"].pk).language == ""
