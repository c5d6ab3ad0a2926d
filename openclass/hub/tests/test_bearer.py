"""A Bearer token is checked by django-oauth-toolkit's own rules, through one checker kept for
the process (``core.bearer.bearer_token``): nothing about a token outlives its request."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.utils import timezone
from oauth2_provider.models import AccessToken

from openclass.core.bearer import _resource_server, bearer_token

from .fixtures import make_site

pytestmark = pytest.mark.django_db


def _bearing(raw: str):
    return RequestFactory().get("/xapi/statements", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_every_request_is_checked_afresh_though_the_checker_is_kept(city) -> None:
    site = make_site()
    expires = timezone.now() + datetime.timedelta(hours=1)
    token = AccessToken.objects.create(
        user=city.north.homeroom_a, application=site, token="t-1", expires=expires, scope="openid"
    )
    found = bearer_token(_bearing("t-1"))
    assert found == token and found.user == city.north.homeroom_a and found.application == site
    checker = _resource_server.get()
    assert bearer_token(_bearing("t-2")) is None  # unknown
    site.is_active = False
    site.save()
    assert bearer_token(_bearing("t-1")) is None  # its site disabled
    site.is_active = True
    site.save()
    assert bearer_token(_bearing("t-1")) == token
    AccessToken.objects.filter(pk=token.pk).update(expires=timezone.now())
    assert bearer_token(_bearing("t-1")) is None  # expired
    token.delete()
    assert bearer_token(_bearing("t-1")) is None  # revoked
    assert _resource_server.get() is checker


def test_the_checker_is_built_again_when_the_provider_settings_change(city) -> None:
    checker = _resource_server.get()
    with override_settings(OAUTH2_PROVIDER={**settings.OAUTH2_PROVIDER}):
        assert _resource_server.get() is not checker
