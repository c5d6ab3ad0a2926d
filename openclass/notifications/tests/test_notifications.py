"""Notifications: stored for their recipient only, e-mailed once and only after the transaction
that caused them commits, listed and marked read by their owner alone."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from openclass.accounts.models import User
from openclass.accounts.tests.fixtures import make_user
from openclass.notifications import mail, services
from openclass.notifications.models import Notification
from openclass.notifications.tasks import email_notifications_task

Role = User.Role


@pytest.fixture
def people(db) -> dict[str, User]:
    return {
        "ana": make_user("ana", Role.TEACHER, email="ana@example.kr"),
        "bo": make_user("bo", Role.TEACHER, email="bo@example.kr"),
        "nomail": make_user("nomail", Role.STUDENT),
        "gone": make_user("gone", Role.TEACHER, email="gone@example.kr", is_active=False),
    }


def test_notify_stores_one_per_active_recipient_and_mails_only_after_commit(
    people, huey_immediate, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    ana, gone = people["ana"], people["gone"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = services.notify([ana, ana, gone, None], "승인되었습니다", "본문", url="/ops/1/")
        # Stored at once, but nothing is sent while the transaction may still roll back.
        assert len(ids) == 1
        assert not mailoutbox
    [notification] = Notification.objects.all()
    assert notification.recipient == ana and notification.emailed_at is None
    assert len(callbacks) == 1
    callbacks[0]()
    assert [message.to for message in mailoutbox] == [["ana@example.kr"]]
    assert mailoutbox[0].subject == "승인되었습니다"
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_notify_without_recipients_stores_and_sends_nothing(
    people, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.notify([people["gone"]], "아무도") == []
    assert not callbacks
    assert not Notification.objects.exists()


# A real commit and rollback; serialized_rollback leaves the database as the next tests expect it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rolled_back_event_tells_nobody(huey_immediate, mailoutbox) -> None:
    ana = make_user("ana", Role.TEACHER, email="ana@example.kr")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify([ana], "취소될 알림")
        raise RuntimeError("the approval failed")
    assert not Notification.objects.exists()
    assert not mailoutbox
    # The same in a transaction that commits: sent once it has.
    with transaction.atomic():
        services.notify([ana], "보낼 알림")
        assert not mailoutbox
    assert [message.subject for message in mailoutbox] == ["보낼 알림"]


def test_the_mail_task_sends_each_once_with_its_link_and_skips_no_address(
    people, mailoutbox, settings
) -> None:
    settings.SITE_URL = "https://openclass.example.kr/"
    ana, nomail = people["ana"], people["nomail"]
    with_link = Notification.objects.create(recipient=ana, subject="링크", body="본문", url="/a/")
    without = Notification.objects.create(recipient=nomail, subject="주소 없음")
    email_notifications_task.call_local([with_link.pk, without.pk])
    assert len(mailoutbox) == 1
    # The link goes through the notification (read on the way), then where it points.
    link = f"https://openclass.example.kr/notifications/{with_link.pk}/"
    assert mailoutbox[0].body.startswith(f"본문\n\n{link}\n\n")
    assert "https://openclass.example.kr/notifications/settings/" in mailoutbox[0].body
    # A retry (or a second run) sends nothing again; the one without an address stays unsent.
    assert mail.send([with_link.pk, without.pk]) == 0
    assert len(mailoutbox) == 1
    without.refresh_from_db()
    assert without.emailed_at is None


def test_the_list_shows_only_the_viewers_own(client, people) -> None:
    ana, bo = people["ana"], people["bo"]
    Notification.objects.create(recipient=ana, subject="아나에게", url="/x/")
    Notification.objects.create(recipient=bo, subject="보에게")
    client.force_login(ana)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "아나에게" in page and "보에게" not in page
    client.force_login(bo)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "보에게" in page and "아나에게" not in page


def test_the_pages_need_a_signed_in_user(client, db) -> None:
    listing = client.get(reverse("notifications:list"))
    assert listing.status_code == 302 and reverse("accounts:login") in listing["Location"]
    marking = client.post(reverse("notifications:read"))
    assert marking.status_code == 302 and reverse("accounts:login") in marking["Location"]


def test_marking_read_reaches_only_ones_own(client, people) -> None:
    ana, bo = people["ana"], people["bo"]
    first = Notification.objects.create(recipient=ana, subject="하나")
    second = Notification.objects.create(recipient=ana, subject="둘")
    others = Notification.objects.create(recipient=bo, subject="남의 것")
    client.force_login(ana)
    assert client.get(reverse("notifications:read")).status_code == 405
    response = client.post(reverse("notifications:read"), {"id": [str(first.pk), str(others.pk)]})
    assert response.status_code == 302
    assert set(Notification.objects.filter(read_at__isnull=False)) == {first}
    # Without ids: all of one's own, still none of anyone else's.
    client.post(reverse("notifications:read"))
    assert set(Notification.objects.filter(read_at__isnull=False)) == {first, second}
    others.refresh_from_db()
    assert others.read_at is None


def test_a_tampered_id_marks_nothing_read(client, people) -> None:
    """ "²" passed ``str.isdigit()`` and crashed ``int()``; an id the parser refuses must not
    fall back to "mark all read" either."""
    ana = people["ana"]
    note = Notification.objects.create(recipient=ana, subject="하나")
    client.force_login(ana)
    for odd in ("²", "99999999999999999999", "-1"):
        response = client.post(reverse("notifications:read"), {"id": [str(note.pk), odd]})
        assert response.status_code == 400
    note.refresh_from_db()
    assert note.read_at is None


def test_the_unread_count_is_ones_own_unread(client, people) -> None:
    ana, bo = people["ana"], people["bo"]
    Notification.objects.create(recipient=ana, subject="읽지 않음")
    Notification.objects.create(recipient=ana, subject="또 읽지 않음")
    Notification.objects.create(recipient=bo, subject="남의 것")
    client.force_login(ana)
    count = client.get(reverse("notifications:list")).context["unread_notifications"]
    assert count() == 2
    services.mark_read(ana)
    count = client.get(reverse("notifications:list")).context["unread_notifications"]
    assert count() == 0
    assert services.list_unread(bo).count() == 1


def test_the_count_is_not_offered_to_anonymous_visitors(client, db) -> None:
    response = client.get(reverse("accounts:login"))
    assert "unread_notifications" not in response.context


def test_opening_the_page_a_notification_points_to_reads_it(people) -> None:
    ana, bo = people["ana"], people["bo"]
    Notification.objects.create(recipient=ana, subject="여기", url="/ops/7/")
    Notification.objects.create(recipient=ana, subject="저기", url="/ops/8/")
    Notification.objects.create(recipient=bo, subject="남의 것", url="/ops/7/")
    assert services.mark_seen(ana, "/ops/7/") == 1
    assert [n.subject for n in services.list_unread(ana)] == ["저기"]
    assert services.list_unread(bo).count() == 1
