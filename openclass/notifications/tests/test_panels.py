"""The home's panel of teachers' messages (issue 18, item 4: "messages from teachers" on a
parent's home, and a student's): a class message shows on the homes of those it reached, unread
first and opened through the notification, and on nobody else's."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openclass.notifications import services
from openclass.notifications.models import Notification


def _messages_on_home(client, person) -> list[str]:
    client.force_login(person)
    home = client.get(reverse("web:home"))
    assert home.status_code == 200
    for item in home.context["home"].panels:
        if item.name == "notifications.messages":
            return [row.note for row in item.context["messages"]]
    return []


@pytest.mark.django_db
def test_a_class_message_shows_on_the_homes_it_reached_only(client, city) -> None:
    north = city.north
    services.send_class_message(north.homeroom_a, north.class_a, "내일은 체육복", with_parents=True)
    assert _messages_on_home(client, north.parent_a1) == ["내일은 체육복"]
    assert _messages_on_home(client, north.student_a1) == ["내일은 체육복"]
    page = client.get(reverse("web:home")).content.decode()
    assert "내일은 체육복" in page and 'aria-labelledby="teacher-messages"' in page
    # Another class's student and the teacher who sent it see no such panel.
    assert _messages_on_home(client, north.student_b1) == []
    assert _messages_on_home(client, north.homeroom_a) == []


@pytest.mark.django_db
def test_read_messages_leave_the_home_after_two_weeks_unread_ones_stay(client, city) -> None:
    north = city.north
    services.send_class_message(north.homeroom_a, north.class_a, "오래된 공지")
    old = timezone.now() - datetime.timedelta(days=20)
    Notification.objects.update(created_at=old)
    assert _messages_on_home(client, north.student_a1) == ["오래된 공지"]  # unread: stays
    row = Notification.objects.get(recipient=north.student_a1)
    assert client.get(reverse("notifications:open", args=[row.pk])).status_code == 302
    assert _messages_on_home(client, north.student_a1) == []  # read and old: gone
    services.send_class_message(north.homeroom_a, north.class_a, "새 공지")
    assert _messages_on_home(client, north.student_a1) == ["새 공지"]


@pytest.mark.django_db
def test_the_panel_shows_the_newest_few_newest_first(client, city) -> None:
    from openclass.notifications.panels import SHOWN

    north = city.north
    for number in range(SHOWN + 2):
        services.send_class_message(north.homeroom_a, north.class_a, f"공지 {number}")
    newest = [f"공지 {number}" for number in range(SHOWN + 1, 1, -1)]
    assert _messages_on_home(client, north.student_a1) == newest
