"""The reader's language (issue 18, item 2) and how each person hears of each kind (item 9):
a signed-in user's own language on every page, the header's switch kept as theirs, notifications
rendered in the language of whoever reads them (the list in the page's, an e-mail in the
recipient's), and the preferences ``notify`` honours."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from openclass.accounts.models import User
from openclass.accounts.tests.fixtures import make_user
from openclass.notifications import mail, services
from openclass.notifications.models import Channel, Kind, Notification, Preference, render

Role = User.Role
# A message the Korean catalogue already has (operations' workflow sends it).
REJECTED = gettext_noop("Application rejected: %(title)s")


@pytest.fixture
def people(db) -> dict[str, User]:
    return {
        "ko": make_user("reader-ko", Role.TEACHER, email="ko@example.kr", language="ko"),
        "en": make_user("reader-en", Role.TEACHER, email="en@example.kr", language="en"),
        "browser": make_user("reader-browser", Role.STUDENT, email="b@example.kr"),
        "parent": make_user("reader-parent", Role.PARENT, email="p@example.kr"),
    }


def test_my_settings_saves_ones_own_language_and_channels(client, people) -> None:
    user = people["browser"]
    client.force_login(user)
    page = client.get(reverse("notifications:settings"))
    assert page.status_code == 200
    form = page.context["form"]
    assert form["kind_live"].initial == Channel.APP and form["kind_work"].initial == Channel.EMAIL
    data = {f"kind_{kind}": Channel.APP for kind in Kind.values}
    data |= {"language": "en", "kind_grade": Channel.EMAIL, "kind_lesson": Channel.NONE}
    response = client.post(reverse("notifications:settings"), data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "en"
    assert services.channels_for(user)["grade"] == Channel.EMAIL
    assert services.channels_for(user)["lesson"] == Channel.NONE
    # Nobody else's choices moved.
    assert not Preference.objects.exclude(user=user).exists()
    # The page after it is in the chosen language.
    after = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="ko")
    assert after["Content-Language"] == "en"
    # Back to following the browser.
    client.post(reverse("notifications:settings"), data | {"language": ""})
    user.refresh_from_db()
    assert user.language == ""


def test_my_settings_refuses_what_it_does_not_offer(client, people) -> None:
    user = people["browser"]
    client.force_login(user)
    data = {f"kind_{kind}": Channel.APP for kind in Kind.values}
    response = client.post(
        reverse("notifications:settings"), data | {"language": "xx", "kind_due": "pigeon"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"language", "kind_due"}
    assert not Preference.objects.exists()
    user.refresh_from_db()
    assert user.language == ""


def test_defaults_are_in_the_app_but_parents_hear_of_live_classes_by_mail(people) -> None:
    assert services.channels_for(people["browser"]) == {
        "work": Channel.EMAIL,
        "grade": Channel.APP,
        "due": Channel.APP,
        "live": Channel.APP,
        "lesson": Channel.APP,
        "message": Channel.APP,
    }
    assert services.channels_for(people["parent"])["live"] == Channel.EMAIL


def test_none_stores_and_sends_nothing(
    people, huey_immediate, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    ko, en = people["ko"], people["en"]
    services.set_channels(ko, {"grade": Channel.NONE})
    with django_capture_on_commit_callbacks(execute=True):
        ids = services.notify([ko, en], REJECTED, kind=Kind.GRADE, params={"title": "독도"})
    assert [Notification.objects.get(pk=pk).recipient for pk in ids] == [en]
    assert not mailoutbox  # grades are in the app only by default


def test_email_sends_in_the_recipients_language(
    people, huey_immediate, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    ko, en = people["ko"], people["en"]
    services.set_channels(ko, {"grade": Channel.EMAIL})
    services.set_channels(en, {"grade": Channel.EMAIL})
    with translation.override("ko"), django_capture_on_commit_callbacks(execute=True):
        services.notify(
            [ko, en], REJECTED, kind=Kind.GRADE, params={"title": "독도"}, note="다시 써 주세요"
        )
    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {"ko@example.kr", "en@example.kr"}
    assert by_address["ko@example.kr"].subject == "신청 반려: 독도"
    assert by_address["en@example.kr"].subject == "Application rejected: 독도"
    assert "다시 써 주세요" in by_address["en@example.kr"].body
    # What each was told is kept in their language then.
    assert Notification.objects.get(recipient=en).subject == "Application rejected: 독도"


def test_the_list_renders_in_the_readers_language_now(client, people) -> None:
    reader = people["browser"]
    services.notify([reader], REJECTED, params={"title": "독도"}, url="/x/")
    # A row from before keys existed shows its text as it was sent.
    Notification.objects.create(recipient=reader, subject="옛 알림", body="옛 본문")
    client.force_login(reader)
    korean = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    english = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "신청 반려: 독도" in korean and "Application rejected: 독도" not in korean
    assert "Application rejected: 독도" in english and "신청 반려: 독도" not in english
    assert "옛 알림" in korean and "옛 알림" in english


def test_a_message_that_does_not_fit_its_parameters_is_shown_not_raised() -> None:
    assert render("Hello %(name)s", {"name": "민지"}) == "Hello 민지"
    assert render("Hello %(name)s", {"title": "x"}) == "Hello %(name)s"
    assert render("100% sure", None) == "100% sure"


def test_opening_a_notification_reads_it_and_every_other_pointing_there(client, people) -> None:
    reader, other = people["browser"], people["ko"]
    [first] = services.notify([reader], "설문", url="/ops/survey/3/")
    [second] = services.notify([reader], "설문 다시", url="/ops/survey/3/")
    [theirs] = services.notify([other], "남의 것", url="/ops/survey/3/")
    client.force_login(reader)
    response = client.get(reverse("notifications:open", args=[first]))
    assert response.status_code == 302 and response["Location"] == "/ops/survey/3/"
    assert not services.list_unread(reader).exists()
    assert Notification.objects.get(pk=theirs).read_at is None
    # Another's notification is not there for this reader.
    assert client.get(reverse("notifications:open", args=[theirs])).status_code == 404
    assert Notification.objects.get(pk=second).read_at is not None


def test_an_outside_link_is_never_followed(client, people) -> None:
    reader = people["browser"]
    [pk] = services.notify([reader], "밖으로", url="https://evil.example/")
    client.force_login(reader)
    response = client.get(reverse("notifications:open", args=[pk]))
    assert response["Location"] == reverse("notifications:list")


def test_mail_compose_uses_the_active_language(people, settings) -> None:
    settings.SITE_URL = "https://openclass.example.kr"
    en = people["en"]
    [pk] = services.notify([en], REJECTED, params={"title": "독도"}, url="/a/")
    row = Notification.objects.get(pk=pk)
    with translation.override("ko"):
        subject, body = mail.compose(row)
    assert subject == "신청 반려: 독도"
    assert f"https://openclass.example.kr/notifications/{pk}/" in body
