"""The office's pages of registered sites (issue 16, item 1): registering a site (addresses
checked, the secret shown once and stored hashed), changing it, a new secret (the old one stops
working), disabling (every token revoked at once) and enabling, the logo, and who may do it."""

from __future__ import annotations

import base64
import datetime
import io

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.common import Request as OAuthRequest
from PIL import Image

from openclass.accounts.tests.fixtures import ROLES, City, person_of
from openclass.hub import services
from openclass.hub.models import AuthEvent, Site

SITES = reverse("hub:sites")
REGISTER = reverse("hub:site_register")


def office(client: Client, city: City) -> Client:
    client.force_login(city.office_admin)
    return client


def form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "사이버논술",
        "description": "논술 첨삭",
        "home_url": "https://nonsul.example.org/",
        "redirect_uris": "https://nonsul.example.org/callback\nhttps://nonsul.example.org/cb2",
        "post_logout_redirect_uris": "https://nonsul.example.org/",
        "backchannel_logout_uri": "https://nonsul.example.org/backchannel",
        "scopes": ["profile", "school"],
        "subject_type": Site.Subject.PAIRWISE,
        "client_type": Site.CLIENT_CONFIDENTIAL,
        "service_account": "",
    }
    data.update(changes)
    return data


def make_site(
    city: City,
    name: str = "꿀박사",
    redirect_uri: str = "https://ggul.example.org/callback",
    **extra: object,
) -> Site:
    """A confidential site as the office registers it (its secret is not needed here)."""
    details = services.SiteDetails(name=name, redirect_uris=redirect_uri, scopes=("openid",))
    site = services.register_site(city.office_admin, details).site
    if extra:
        Site.objects.filter(pk=site.pk).update(**extra)
        site.refresh_from_db()
    return site


def secret_on(page: str) -> str:
    start = page.index('id="client-secret">') + len('id="client-secret">')
    return page[start : page.index("<", start)]


def authenticates(site: Site, secret: str) -> bool:
    """What the token endpoint asks django-oauth-toolkit: do this client id and secret prove
    the client (the request body's form of client authentication)?"""
    request = OAuthRequest(
        "https://openclass.example.org/o/token/",
        http_method="POST",
        body={"client_id": site.client_id, "client_secret": secret},
        headers={},
    )
    request.client_id = site.client_id
    request.client_secret = secret
    return bool(OAuth2Validator().authenticate_client(request))


def png(
    size: tuple[int, int] = (64, 64), fmt: str = "PNG", name: str = "logo.png"
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (29, 78, 216)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- Registering ---------------------------------------------------------------------------------


def test_registering_a_site_shows_its_secret_once_and_stores_it_hashed(
    client: Client, city: City
) -> None:
    response = office(client, city).post(REGISTER, form(trusted="on"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    site = Site.objects.get(name="사이버논술")
    page = response.content.decode()
    secret = secret_on(page)
    assert len(secret) == services.SECRET_LENGTH and site.client_id in page
    # Stored as a hash only, and that hash is what the token endpoint checks.
    assert secret not in site.client_secret
    identify_hasher(site.client_secret)
    assert check_password(secret, site.client_secret)
    assert authenticates(site, secret)
    assert not authenticates(site, secret[:-1] + ("x" if secret[-1] != "x" else "y"))
    assert site.redirect_uris.split() == [
        "https://nonsul.example.org/callback",
        "https://nonsul.example.org/cb2",
    ]
    assert site.allowed_scopes == "openid profile school"
    assert site.trusted and site.is_active and site.created_by == city.office_admin
    assert site.authorization_grant_type == Site.GRANT_AUTHORIZATION_CODE
    assert site.algorithm == Site.RS256_ALGORITHM and site.secret_rotated_at is not None
    # Never again: not on the site's page, the list, or in the log.
    for url in (
        reverse("hub:site", args=[site.pk]),
        SITES,
        reverse("hub:site_edit", args=[site.pk]),
    ):
        assert secret not in client.get(url).content.decode()
    assert not AuthEvent.objects.filter(detail__contains=secret).exists()


def test_openid_is_always_given_and_unknown_scopes_are_refused(client: Client, city: City) -> None:
    office(client, city).post(REGISTER, form(scopes=[]))
    assert Site.objects.get().allowed_scopes == "openid"
    response = client.post(REGISTER, form(name="다른 사이트", scopes=["admin"]))
    assert response.status_code == 200 and Site.objects.count() == 1
    assert response.context["form"].errors["scopes"]


@pytest.mark.parametrize(
    "uris",
    [
        "javascript:alert(document.cookie)",
        "not an address",
        "/callback",
        "https://nonsul.example.org/callback#fragment",
        "https://user:pass@nonsul.example.org/callback",
        "ftp://nonsul.example.org/callback",
        "https://nonsul.example.org/ok\ndata:text/html,<script>alert(1)</script>",
        "",
    ],
)
def test_redirect_uris_must_be_absolute_web_addresses(
    client: Client, city: City, uris: str
) -> None:
    response = office(client, city).post(REGISTER, form(redirect_uris=uris))
    assert response.status_code == 200
    assert response.context["form"].errors["redirect_uris"]
    assert not Site.objects.exists()


@pytest.mark.parametrize(
    "field", ["post_logout_redirect_uris", "backchannel_logout_uri", "home_url"]
)
def test_the_other_addresses_are_checked_too(client: Client, city: City, field: str) -> None:
    response = office(client, city).post(REGISTER, form(**{field: "javascript:alert(1)"}))
    assert response.context["form"].errors[field]
    assert not Site.objects.exists()


def test_http_addresses_are_refused_in_production(client: Client, city: City, settings) -> None:
    office(client, city).post(REGISTER, form(redirect_uris="http://127.0.0.1:8000/callback"))
    assert Site.objects.count() == 1, "http is allowed on a development machine"
    settings.PRODUCTION = True
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    }
    response = client.post(
        REGISTER, form(name="운영", redirect_uris="http://nonsul.example.org/callback")
    )
    assert "https://" in str(response.context["form"].errors["redirect_uris"])
    assert Site.objects.count() == 1
    client.post(REGISTER, form(name="운영", redirect_uris="https://nonsul.example.org/callback"))
    assert Site.objects.count() == 2


def test_a_name_is_registered_once(client: Client, city: City) -> None:
    office(client, city).post(REGISTER, form())
    response = client.post(REGISTER, form(name=" 사이버논술 "))
    assert response.context["form"].errors["name"]
    assert Site.objects.count() == 1


def test_a_public_site_has_no_secret_and_no_service_account(client: Client, city: City) -> None:
    response = office(client, city).post(
        REGISTER, form(client_type=Site.CLIENT_PUBLIC, service_account=city.office_admin.username)
    )
    assert response.context["form"].errors["service_account"]
    response = client.post(REGISTER, form(client_type=Site.CLIENT_PUBLIC))
    assert 'id="client-secret"' not in response.content.decode()
    site = Site.objects.get()
    assert site.secret_rotated_at is None
    identify_hasher(site.client_secret)  # a random secret nobody was told, never the empty one
    assert not authenticates(site, "")
    assert client.post(reverse("hub:site_rotate", args=[site.pk])).status_code == 302
    assert Site.objects.get().client_secret == site.client_secret


def test_a_service_account_is_an_existing_active_account(client: Client, city: City) -> None:
    response = office(client, city).post(REGISTER, form(service_account="nobody-here"))
    assert response.context["form"].errors["service_account"]
    teacher = city.north.homeroom_a
    teacher.is_active = False
    teacher.save()
    response = client.post(REGISTER, form(service_account=teacher.username))
    assert response.context["form"].errors["service_account"]
    account = city.north.admin
    client.post(REGISTER, form(service_account=account.username))
    site = Site.objects.get()
    assert site.service_account == account


# --- The logo ------------------------------------------------------------------------------------


def test_a_logo_is_an_image_stored_by_its_real_format_and_served_to_the_signed_in(
    client: Client, city: City, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    office(client, city).post(REGISTER, form(logo=png(fmt="JPEG", name="logo.png")))
    site = Site.objects.get()
    assert site.logo.name.endswith(".jpg")
    student = Client()
    student.force_login(city.north.student_a1)
    response = student.get(reverse("hub:site_logo", args=[site.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    anonymous = Client().get(reverse("hub:site_logo", args=[site.pk]))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # Replaced: the new one is served and the old file is gone.
    first = site.logo.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("hub:site_edit", args=[site.pk]), form(logo=png(name="new.gif")))
    site.refresh_from_db()
    assert site.logo.name.endswith(".png") and site.logo.name != first
    assert not site.logo.storage.exists(first) and site.logo.storage.exists(site.logo.name)
    assert student.get(reverse("hub:site_logo", args=[site.pk]))["Content-Type"] == "image/png"
    # Taken away on the edit form: no logo, a 404, no file left.
    second = site.logo.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("hub:site_edit", args=[site.pk]), form(remove_logo="on"))
    assert not Site.objects.get().logo
    assert not site.logo.storage.exists(second)
    assert student.get(reverse("hub:site_logo", args=[site.pk])).status_code == 404


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png"),
        SimpleUploadedFile(
            "logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"
        ),
        SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n not really", "image/png"),
    ],
    ids=["svg-named-png", "svg", "broken-png"],
)
def test_a_logo_that_is_not_an_image_is_refused(
    client: Client, city: City, settings, tmp_path, upload: SimpleUploadedFile
) -> None:
    settings.MEDIA_ROOT = tmp_path
    response = office(client, city).post(REGISTER, form(logo=upload))
    assert response.context["form"].errors["logo"]
    assert not Site.objects.exists()


def test_a_logo_too_large_is_refused(client: Client, city: City, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    response = office(client, city).post(REGISTER, form(logo=png(size=(2000, 40))))
    assert response.context["form"].errors["logo"]
    noise = io.BytesIO()
    Image.frombytes("RGB", (400, 400), bytes(range(256)) * 1875).save(noise, "BMP")
    heavy = SimpleUploadedFile("logo.png", noise.getvalue(), "image/png")
    assert heavy.size > 256 * 1024
    response = client.post(REGISTER, form(logo=heavy))
    assert response.context["form"].errors["logo"]
    assert not Site.objects.exists()


# --- Changing, a new secret, disabling -----------------------------------------------------------


def test_changing_a_site_keeps_its_id_and_secret(client: Client, city: City) -> None:
    site = make_site(city)
    before = (site.client_id, site.client_secret)
    response = office(client, city).post(
        reverse("hub:site_edit", args=[site.pk]),
        form(
            name="꿀박사 2",
            trusted="on",
            scopes=["roster"],
            redirect_uris="https://ggul.example.org/new",
        ),
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.client_id, site.client_secret) == before
    assert site.name == "꿀박사 2" and site.trusted and site.allowed_scopes == "openid roster"
    assert site.redirect_uris == "https://ggul.example.org/new"
    page = client.get(reverse("hub:site_edit", args=[site.pk])).content.decode()
    assert "https://ggul.example.org/new" in page


def test_a_new_secret_is_shown_once_and_the_old_one_stops_working(
    client: Client, city: City
) -> None:
    office(client, city).post(REGISTER, form())
    site = Site.objects.get()
    registered = Site.objects.get()
    confirm = client.get(reverse("hub:site_rotate", args=[site.pk]))
    assert confirm.status_code == 200 and 'method="post"' in confirm.content.decode()
    assert Site.objects.get().client_secret == registered.client_secret, "a GET changes nothing"
    first = client.post(reverse("hub:site_rotate", args=[site.pk]))
    old = secret_on(first.content.decode())
    assert "no-store" in first["Cache-Control"]
    second = client.post(reverse("hub:site_rotate", args=[site.pk]))
    new = secret_on(second.content.decode())
    site.refresh_from_db()
    assert new != old
    assert authenticates(site, new) and not authenticates(site, old)
    assert (
        site.secret_rotated_at is not None
        and site.secret_rotated_at >= registered.secret_rotated_at
    )
    assert new not in client.get(reverse("hub:site", args=[site.pk])).content.decode()


def _tokens(site: Site, user, n: int) -> None:
    expires = timezone.now() + datetime.timedelta(hours=1)
    for i in range(n):
        access = AccessToken.objects.create(
            user=user, application=site, token=f"{site.pk}-a{i}", expires=expires, scope="openid"
        )
        RefreshToken.objects.create(
            user=user, application=site, token=f"{site.pk}-r{i}", access_token=access
        )
    Grant.objects.create(
        user=user,
        application=site,
        code=f"{site.pk}-code",
        expires=expires,
        redirect_uri=site.redirect_uris.split()[0],
        scope="openid",
    )


def test_disabling_revokes_every_token_of_the_site_at_once_and_enabling_lets_sign_ins_again(
    client: Client, city: City
) -> None:
    site, other = (
        make_site(city),
        make_site(city, "SSEM 포털", redirect_uri="https://ssem.example.org/cb"),
    )
    _tokens(site, city.north.student_a1, 3)
    _tokens(other, city.north.student_a1, 2)
    office(client, city)
    confirm = client.get(reverse("hub:site_disable", args=[site.pk]))
    assert confirm.status_code == 200 and AccessToken.objects.filter(application=site).count() == 3
    response = client.post(reverse("hub:site_disable", args=[site.pk]), follow=True)
    assert "6" in str(next(iter(response.context["messages"])))
    site.refresh_from_db()
    assert not site.is_active
    for model in (AccessToken, RefreshToken, Grant):
        assert not model.objects.filter(application=site).exists()
    assert AccessToken.objects.filter(application=other).count() == 2
    assert RefreshToken.objects.filter(application=other).count() == 2
    client.post(reverse("hub:site_enable", args=[site.pk]))
    site.refresh_from_db()
    assert site.is_active
    assert client.get(reverse("hub:site_enable", args=[site.pk])).status_code == 405


def test_the_list_shows_each_site_and_its_tokens_of_the_last_30_days(
    client: Client, city: City
) -> None:
    site = make_site(city)
    quiet = make_site(
        city, "조용한 사이트", redirect_uri="https://quiet.example.org/cb", is_active=False
    )
    for _ in range(3):
        AuthEvent.objects.create(kind=AuthEvent.Kind.TOKEN_ISSUED, site=site)
    AuthEvent.objects.create(kind=AuthEvent.Kind.TOKEN_REFRESHED, site=site)
    old = AuthEvent.objects.create(kind=AuthEvent.Kind.TOKEN_ISSUED, site=site)
    AuthEvent.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=31))
    AuthEvent.objects.create(kind=AuthEvent.Kind.LOGIN_FAILED, site=site)
    response = office(client, city).get(SITES)
    rows = {s.name: s for s in response.context["sites"]}
    assert rows["꿀박사"].issued == 4 and rows["조용한 사이트"].issued == 0
    page = response.content.decode()
    assert "꿀박사" in page and quiet.name in page
    assert reverse("hub:site", args=[site.pk]) in page


def test_the_menu_shows_the_pages_to_the_office_only(client: Client, city: City) -> None:
    page = office(client, city).get(reverse("web:home")).content.decode()
    assert SITES in page and reverse("hub:auth_log") in page
    teacher = Client()
    teacher.force_login(city.north.admin)
    page = teacher.get(reverse("web:home")).content.decode()
    assert SITES not in page and reverse("hub:auth_log") not in page


# --- Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [r for r in ROLES if r != "office_admin"])
def test_every_other_role_is_refused(client: Client, city: City, who: str) -> None:
    site = make_site(city)
    user = person_of(city, who)
    if user is not None:
        client.force_login(user)
    pages = ["sites", "site_register"]
    site_pages = ["site", "site_edit", "site_rotate", "site_disable"]
    posts = ["site_register"]
    site_posts = ["site_edit", "site_rotate", "site_disable", "site_enable"]
    asked = [("GET", reverse(f"hub:{n}")) for n in pages]
    asked += [("GET", reverse(f"hub:{n}", args=[site.pk])) for n in site_pages]
    asked += [("POST", reverse(f"hub:{n}")) for n in posts]
    asked += [("POST", reverse(f"hub:{n}", args=[site.pk])) for n in site_posts]
    for method, url in asked:
        response = client.post(url, form()) if method == "POST" else client.get(url)
        if user is None:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403, (method, url)
    site.refresh_from_db()
    assert site.is_active and site.name == "꿀박사"
    assert Site.objects.count() == 1


def test_the_offices_actions_are_in_the_authentication_log(city: City) -> None:
    office = city.office_admin
    site = make_site(city)
    services.update_site(
        office, site, services.SiteDetails(name="꿀박사", redirect_uris=site.redirect_uris)
    )
    registered = services.rotate_secret(office, site)
    services.set_active(office, site, False)
    services.set_active(office, site, True)
    events = list(AuthEvent.objects.filter(site=site).order_by("pk"))
    assert [event.kind for event in events] == [
        AuthEvent.Kind.SITE_REGISTERED,
        AuthEvent.Kind.SITE_CHANGED,
        AuthEvent.Kind.SECRET_ROTATED,
        AuthEvent.Kind.SITE_DISABLED,
        AuthEvent.Kind.SITE_ENABLED,
    ]
    assert all(event.user_id == office.pk for event in events)
    assert events[0].detail == "openid"
    assert not any(registered.secret in event.detail for event in events)


def test_the_services_refuse_without_the_capability(city: City) -> None:
    site = make_site(city)
    for call in (
        lambda: services.register_site(city.north.admin, services.SiteDetails(name="x")),
        lambda: services.rotate_secret(city.north.admin, site),
        lambda: services.set_active(city.north.admin, site, False),
        lambda: services.update_site(city.north.admin, site, services.SiteDetails(name="x")),
    ):
        with pytest.raises(PermissionDenied):
            call()
    site.refresh_from_db()
    assert site.is_active and site.name == "꿀박사"


# --- At the token endpoint -----------------------------------------------------------------------


def token(site: Site, secret: str) -> int:
    """Client credentials at the real token endpoint (HTTP Basic): its status."""
    basic = base64.b64encode(f"{site.client_id}:{secret}".encode()).decode()
    response = Client().post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": "roster"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    return response.status_code


def test_the_secret_works_at_the_token_endpoint_until_replaced_and_disabling_ends_it(
    client: Client, city: City
) -> None:
    sync = form(name="명단 동기화", scopes=["roster"], service_account=city.north.admin.username)
    secret = secret_on(office(client, city).post(REGISTER, sync).content.decode())
    site = Site.objects.get()
    assert token(site, secret) == 200
    assert AccessToken.objects.get(application=site).user_id == city.north.admin.pk
    new = secret_on(client.post(reverse("hub:site_rotate", args=[site.pk])).content.decode())
    assert token(site, secret) == 401, "the old secret stops at once"
    assert token(site, new) == 200
    assert AccessToken.objects.filter(application=site).count() == 2
    client.post(reverse("hub:site_disable", args=[site.pk]))
    assert not AccessToken.objects.filter(application=site).exists()
    assert token(site, new) in (400, 401), "a disabled site gets no token"
    assert not AccessToken.objects.filter(application=site).exists()
    client.post(reverse("hub:site_enable", args=[site.pk]))
    assert token(site, new) == 200
    events = " ".join(str(e.detail) for e in AuthEvent.objects.all())
    assert secret not in events and new not in events
