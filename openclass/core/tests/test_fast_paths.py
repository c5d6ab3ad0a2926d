"""What keeps the platform's replacements of Django and Channels parts honest (docs/upgrading.md):
they keep the ORM's promises, refuse what they cannot do safely, and the stock parts can be put
back with one setting."""

from __future__ import annotations

import asyncio
import datetime
import os
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import make_password
from django.core.handlers.asgi import ASGIHandler
from django.test import override_settings
from django.utils import timezone

from openclass.accounts.models import User
from openclass.core.asgi import PooledThreadsASGIHandler, get_asgi_application
from openclass.core.db import CompiledQuery, insert_rows, update_by_pk
from openclass.core.layers import LocalChannelLayer
from openclass.media.models import Video
from openclass.notifications.models import Notification


@pytest.fixture
def uploader(db) -> User:
    return User.objects.create(
        username="uploader", name="올리미", role=User.Role.TEACHER, password=make_password(None)
    )


def _videos(uploaded_by: int):
    return (
        Video.objects.filter(uploaded_by_id=uploaded_by)
        .order_by("pk")
        .values_list("title", "progress", "updated_at")
    )


@pytest.mark.django_db
@pytest.mark.parametrize("stock", [False, True], ids=["compiled", "stock"])
def test_update_by_pk_sets_auto_now_fields_as_save_would(uploader, stock: bool) -> None:
    video = Video.objects.create(uploaded_by=uploader, title="처음")
    long_ago = timezone.now() - datetime.timedelta(days=3)
    Video.objects.filter(pk=video.pk).update(updated_at=long_ago)
    before = timezone.now()
    with override_settings(STOCK_FAST_PATHS=stock):
        update_by_pk(Video, ["title", "progress"], [(video.pk, "바뀜", 40)])
    video.refresh_from_db()
    assert (video.title, video.progress) == ("바뀜", 40)
    assert video.updated_at >= before, "an auto_now field named nowhere must still move on"


@pytest.mark.django_db
def test_update_by_pk_keeps_an_auto_now_field_it_is_given(uploader) -> None:
    video = Video.objects.create(uploaded_by=uploader, title="처음")
    chosen = timezone.now() - datetime.timedelta(hours=5)
    update_by_pk(Video, ["updated_at"], [(video.pk, chosen)])
    video.refresh_from_db()
    assert video.updated_at == chosen


def _notes(recipient: int):
    return (
        Notification.objects.filter(recipient_id=recipient)
        .order_by("pk")
        .values_list("subject", "body", "url", "created_at", "read_at")
    )


@pytest.mark.django_db
@pytest.mark.parametrize("stock", [False, True], ids=["compiled", "stock"])
def test_compiled_reads_and_inserts_answer_as_the_orm_does_with_stock_parts_too(
    uploader, stock: bool
) -> None:
    now = timezone.now()
    fields = ("recipient_id", "subject", "body", "url", "created_at", "read_at", "emailed_at")
    with override_settings(STOCK_FAST_PATHS=stock):
        insert_rows(
            Notification,
            fields,
            [
                (uploader.pk, "하나", "", "/a/", now, None, None),
                (uploader.pk, "둘", "본문", "", now, now, None),
            ],
        )
        read = CompiledQuery(_notes)
        assert read.rows(uploader.pk) == list(_notes(uploader.pk))
        assert [row[:2] for row in read.rows(uploader.pk)] == [("하나", ""), ("둘", "본문")]
        assert read.rows(uploader.pk)[1][4] == now


def test_the_local_layer_refuses_a_group_message_that_is_not_flat() -> None:
    async def scenario() -> None:
        layer = LocalChannelLayer()
        channel = await layer.new_channel()
        await layer.group_add("room", channel)
        with pytest.raises(TypeError, match="flat"):
            await layer.group_send("room", {"type": "chat", "people": [1, 2]})
        await layer.group_send("room", {"type": "relay", "text": '{"people": [1, 2]}'})
        assert (await layer.receive(channel))["text"] == '{"people": [1, 2]}'

    asyncio.run(scenario())


def test_stock_fast_paths_put_djangos_and_channels_parts_back(settings) -> None:
    assert isinstance(get_asgi_application(), PooledThreadsASGIHandler)
    settings.STOCK_FAST_PATHS = True
    assert type(get_asgi_application()) is ASGIHandler
    # The channel layer is chosen when the settings load: ask a fresh process.
    environment = {key: value for key, value in os.environ.items() if key != "OPENCLASS_REDIS_URL"}
    layers = {}
    for stock in ("0", "1"):
        layers[stock] = subprocess.run(
            [sys.executable, "-c", LAYER_OF_FRESH_PROCESS],
            env={**environment, "OPENCLASS_STOCK_FAST_PATHS": stock},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    assert layers == {
        "0": "openclass.core.layers.LocalChannelLayer",
        "1": "channels.layers.InMemoryChannelLayer",
    }


LAYER_OF_FRESH_PROCESS = """
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "openclass.settings"
from django.conf import settings
print(settings.CHANNEL_LAYERS["default"]["BACKEND"])
"""
