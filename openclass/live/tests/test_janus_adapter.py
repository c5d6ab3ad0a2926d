"""The Janus adapter and the server registry against real Janus servers on 127.0.0.1."""

from __future__ import annotations

import pytest

from openclass.live import registry
from openclass.live.janus import JanusClient, JanusError, JanusUnavailable, signed_token
from openclass.live.models import JanusServer, LiveRoom
from openclass.live.tests.fixtures import JanusParticipant, browser_token

pytestmark = pytest.mark.django_db


def make_client(api_url: str, settings, **overrides) -> JanusClient:
    return JanusClient(
        api_url,
        token_secret=overrides.get("token_secret", settings.JANUS_TOKEN_SECRET),
        admin_key=overrides.get("admin_key", settings.JANUS_ADMIN_KEY),
    )


def test_room_lifecycle(use_janus, settings):
    janus = make_client(use_janus.api_url, settings)
    try:
        janus.create_room(9_001, secret="s3cret", description="3-1 안전", publishers=30)
        assert janus.room_exists(9_001)
        assert janus.participants(9_001) == []
        assert any(room["room"] == 9_001 for room in janus.rooms())
        with pytest.raises(JanusError):  # the number is taken
            janus.create_room(9_001, secret="other", description="again", publishers=3)
        janus.destroy_room(9_001, secret="s3cret")
        assert not janus.room_exists(9_001)
        janus.destroy_room(9_001, secret="s3cret")  # already gone: no error
    finally:
        janus.close()


def test_only_the_app_creates_rooms(use_janus, settings):
    """Without the VideoRoom admin key (a browser), no room can be made."""
    stranger = make_client(use_janus.api_url, settings, admin_key="guessed")
    try:
        with pytest.raises(JanusError):
            stranger.create_room(9_002, secret="x", description="mine", publishers=3)
    finally:
        stranger.close()


def test_a_token_signed_with_another_secret_is_refused(use_janus, settings):
    forged = make_client(use_janus.api_url, settings, token_secret="not-the-secret")
    try:
        with pytest.raises(JanusError) as refused:
            forged.room_exists(1)
        assert refused.value.code == 403
    finally:
        forged.close()
    expired = signed_token(settings.JANUS_TOKEN_SECRET, -10)
    with pytest.raises(RuntimeError, match="403"):
        JanusParticipant(use_janus.api_url, expired)


def test_room_tokens_and_kick(use_janus, settings):
    """Only a token on the room's allowed list joins; a removed token and a kicked feed are out."""
    janus = make_client(use_janus.api_url, settings)
    try:
        janus.create_room(9_003, secret="k", description="t", publishers=5, allowed=["tok-a"])
        outsider = JanusParticipant(use_janus.api_url, browser_token())
        assert "error_code" in outsider.join(9_003, 11, "not-on-the-list")
        member = JanusParticipant(use_janus.api_url, browser_token())
        assert member.join(9_003, 12, "tok-a")["videoroom"] == "joined"
        assert [p.feed_id for p in janus.participants(9_003)] == [12]
        janus.kick(9_003, secret="k", feed_id=12)
        assert janus.participants(9_003) == []
        janus.kick(9_003, secret="k", feed_id=12)  # gone already: no error
        janus.disallow(9_003, secret="k", tokens=["tok-a"])
        again = JanusParticipant(use_janus.api_url, browser_token())
        assert "error_code" in again.join(9_003, 13, "tok-a")
        janus.allow(9_003, secret="k", tokens=["tok-b"])
        assert again.join(9_003, 14, "tok-b")["videoroom"] == "joined"
        for participant in (outsider, member, again):
            participant.destroy()
        janus.destroy_room(9_003, secret="k")
    finally:
        janus.close()


def test_a_restarted_janus_gets_a_new_control_session(janus_factory, settings):
    server = janus_factory()
    janus = make_client(server.api_url, settings)
    try:
        assert not janus.room_exists(5)
        server.stop()
        with pytest.raises(JanusUnavailable):
            janus.room_exists(5)
        server.start()
        assert not janus.room_exists(5)  # the old control session is gone; a new one is made
    finally:
        janus.close()
        server.stop()


def test_rooms_are_placed_on_the_least_loaded_healthy_server(janus_factory, settings):
    first, second = janus_factory(), janus_factory()
    settings.JANUS_URLS = [first.api_url, second.api_url]
    settings.JANUS_PUBLIC_URLS = []
    registry.forget_clients()
    try:
        one = registry.place()
        LiveRoom.objects.create(
            session=_live_session(), server=one, status=LiveRoom.Status.OPEN, janus_room=1
        )
        other = registry.place()
        assert {one.api_url, other.api_url} == {first.api_url, second.api_url}
        # The busier server is skipped while the other answers; a dead one is never chosen.
        (first if other.api_url == first.api_url else second).kill()
        JanusServer.objects.update(last_checked_at=None)
        assert registry.place() == one
        assert not JanusServer.objects.get(pk=other.pk).is_healthy
        (first if one.api_url == first.api_url else second).kill()
        JanusServer.objects.update(last_checked_at=None)
        with pytest.raises(JanusUnavailable):
            registry.place()
    finally:
        registry.forget_clients()
        first.stop()
        second.stop()


def test_servers_follow_the_settings(settings):
    settings.JANUS_URLS = ["http://10.0.0.5:8088/janus", "http://10.0.0.6:8088/janus"]
    settings.JANUS_PUBLIC_URLS = ["https://live.example.org/j1", "https://live.example.org/j2"]
    registry.sync_servers()
    assert list(JanusServer.objects.values_list("public_url", "is_listed")) == [
        ("https://live.example.org/j1", True),
        ("https://live.example.org/j2", True),
    ]
    settings.JANUS_URLS = ["http://10.0.0.6:8088/janus"]
    settings.JANUS_PUBLIC_URLS = ["https://live.example.org/j2"]
    registry.sync_servers()
    assert list(JanusServer.objects.filter(is_listed=True).values_list("api_url", flat=True)) == [
        "http://10.0.0.6:8088/janus"
    ]
    settings.JANUS_PUBLIC_URLS = ["a", "b"]
    with pytest.raises(ValueError):
        registry.sync_servers()


def _live_session():
    import datetime

    from openclass.accounts.models import Organisation, User
    from openclass.catalog.models import Topic
    from openclass.courses.models import Course, Session

    office = Organisation.objects.create(kind=Organisation.Kind.OFFICE, name="교육청")
    owner = User.objects.create_user(username="t", name="t", role=User.Role.OFFICE_ADMIN)
    course = Course.objects.create(
        title="c",
        topic=Topic.objects.first(),
        scope=Course.Scope.OFFICE,
        organisation=office,
        owner=owner,
    )
    return Session.objects.create(
        course=course,
        kind=Session.Kind.LIVE,
        title="live",
        day=datetime.date.today(),
        starts_at=datetime.time(9),
        ends_at=datetime.time(10),
    )
