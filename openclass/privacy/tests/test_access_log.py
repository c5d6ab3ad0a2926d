"""The access log: what a read writes, the hash chain and what breaks it, the retention, and
who may search it (issue 15, item 3)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from openclass.accounts.tests.fixtures import City
from openclass.privacy import services
from openclass.privacy.models import AccessRecord, AccessSubject, ChainAnchor

What = AccessRecord.What


def _reads(city: City, count: int = 3) -> list[AccessRecord]:
    north, south = city.north, city.south
    readers = [north.homeroom_a, north.admin, south.subject_teacher]
    whose = [[north.student_a1, north.student_a2], [north.student_b1], [south.student_b1]]
    records = []
    for number in range(count):
        record = services.record_read(
            readers[number % 3], What.ATTENDANCE, whose[number % 3], klass=None
        )
        assert record is not None
        records.append(record)
    return records


# --- Writing and the chain ------------------------------------------------------------------------


def test_a_read_names_its_students_with_their_school_and_chains_on(city: City) -> None:
    first, second, third = _reads(city)
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.digest == services.digest_of(services.GENESIS, first)
    assert second.digest == services.digest_of(first.digest, second)
    subjects = AccessSubject.objects.filter(record=first).order_by("student_id")
    assert [(s.student_id, s.school_id) for s in subjects] == [
        (city.north.student_a1.pk, city.north.school.pk),
        (city.north.student_a2.pk, city.north.school.pk),
    ]
    assert services.verify_chain() == services.ChainReport(True, 3, 0, 3, third.digest)


def test_reading_nobody_or_only_oneself_is_not_logged(city: City) -> None:
    student = city.north.student_a1
    assert services.record_read(student, What.GRADES, [student]) is None
    assert services.record_read(city.north.homeroom_a, What.ATTENDANCE, []) is None
    assert not AccessRecord.objects.exists()


def test_an_edited_row_breaks_the_chain_at_that_row(city: City) -> None:
    _reads(city, 4)
    AccessRecord.objects.filter(seq=2).update(what=What.GRADES)
    report = services.verify_chain()
    assert (report.ok, report.broken_seq, report.reason, report.checked) == (
        False,
        2,
        "altered",
        1,
    )


def test_a_row_deleted_from_the_middle_breaks_the_chain(city: City) -> None:
    _reads(city, 4)
    AccessRecord.objects.filter(seq=3).delete()
    report = services.verify_chain()
    assert (report.ok, report.broken_seq, report.reason) == (False, 3, "missing")


def test_a_student_taken_off_the_search_table_breaks_the_chain(city: City) -> None:
    """Hiding a read from the search by student is caught too."""
    _reads(city, 2)
    AccessSubject.objects.filter(student=city.north.student_a2).delete()
    report = services.verify_chain()
    assert (report.ok, report.broken_seq, report.reason) == (False, 1, "students")


def test_a_changed_time_breaks_the_chain(city: City) -> None:
    (record,) = _reads(city, 1)
    AccessRecord.objects.filter(pk=record.pk).update(at=record.at - datetime.timedelta(hours=1))
    assert services.verify_chain().reason == "altered"


def test_the_command_reports_the_head_or_the_first_broken_row(city: City, capsys) -> None:
    records = _reads(city, 2)
    call_command("verify_access_log")
    assert f"head 2 {records[-1].digest}" in capsys.readouterr().out
    AccessRecord.objects.filter(seq=1).update(address="10.0.0.9")
    with pytest.raises(CommandError, match="broken at row 1 \\(altered\\)"):
        call_command("verify_access_log")


# --- Retention ----------------------------------------------------------------------------------


def test_expired_rows_go_and_an_anchor_keeps_the_rest_verifiable(
    city: City, settings, monkeypatch
) -> None:
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    now = timezone.now()
    for days_ago in (40, 35, 31, 29, 1):
        monkeypatch.setattr(
            services.timezone, "now", lambda d=days_ago: now - datetime.timedelta(days=d)
        )
        _reads(city, 1)
    monkeypatch.undo()
    assert services.drop_expired(now=now) == 3
    assert list(AccessRecord.objects.order_by("seq").values_list("seq", flat=True)) == [4, 5]
    assert not AccessSubject.objects.filter(record__seq__lte=3).exists()
    anchor = ChainAnchor.objects.get()
    assert (anchor.seq, anchor.dropped) == (3, 3)
    report = services.verify_chain()
    assert (report.ok, report.start, report.checked, report.head) == (True, 3, 2, 5)
    assert services.drop_expired(now=now) == 0
    # the chain goes on from where it stood
    (record,) = _reads(city, 1)
    assert record.seq == 6 and services.verify_chain().ok
    # and a forged anchor is caught at the first row after it
    ChainAnchor.objects.filter(pk=anchor.pk).update(digest="f" * 64)
    assert services.verify_chain().broken_seq == 4


def test_the_nightly_task_drops_and_verifies(city: City, settings, huey_immediate) -> None:
    from openclass.privacy.tasks import access_log_nightly_task

    settings.ACCESS_LOG_RETENTION_DAYS = 0
    _reads(city, 2)
    access_log_nightly_task.call_local()
    assert not AccessRecord.objects.exists()
    assert ChainAnchor.objects.get().seq == 2


# --- Concurrent writers ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_readers_never_fork_the_chain(city: City) -> None:
    """Eight threads log at once: every row gets its own number and the chain verifies (the
    advisory lock on PostgreSQL; on SQLite, IMMEDIATE transactions queue the writers)."""
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def log(number: int) -> None:
        try:
            barrier.wait()
            for _ in range(5):
                services.record_read(
                    city.north.homeroom_a, What.ATTENDANCE, [city.north.student_a1], number
                )
        except BaseException as error:  # the test reports it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=log, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert AccessRecord.objects.count() == 40
    report = services.verify_chain()
    assert report.ok and report.head == 40


# --- Who may search it ----------------------------------------------------------------------------


def test_the_office_searches_the_whole_city(client, city: City) -> None:
    _reads(city)
    client.force_login(city.office_admin)
    response = client.get(reverse("privacy:access_log"))
    assert response.status_code == 200
    assert [row["entry"].seq for row in response.context["rows"]] == [3, 2, 1]
    assert "접속기록" in response.content.decode()


def test_a_school_admin_sees_only_their_schools_students(client, city: City) -> None:
    north, south = city.north, city.south
    _reads(city)
    # an office course's export naming students of both schools
    both = services.record_read(
        city.office_admin, What.GRADEBOOK_XLSX, [north.student_a1, south.student_a1]
    )
    assert both is not None
    client.force_login(north.admin)
    response = client.get(reverse("privacy:access_log"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["entry"].seq for row in rows] == [4, 2, 1]
    named = {s.student_id for row in rows for s in row["students"]}
    assert south.student_a1.pk not in named
    assert north.student_a1.pk in named
    assert south.student_a1.name not in response.content.decode()
    client.force_login(south.admin)
    rows = client.get(reverse("privacy:access_log")).context["rows"]
    assert [row["entry"].seq for row in rows] == [4, 3]


@pytest.mark.parametrize("who", ["homeroom_a", "subject_teacher", "student_a1", "parent_a1"])
def test_teachers_students_and_parents_cannot_read_the_log(client, city: City, who: str) -> None:
    client.force_login(getattr(city.north, who))
    assert client.get(reverse("privacy:access_log")).status_code == 403


def test_the_menu_links_the_log_for_those_who_may_read_it(client, city: City) -> None:
    url = reverse("privacy:access_log")
    client.force_login(city.north.admin)
    assert url in client.get(reverse("web:home")).content.decode()
    client.force_login(city.north.homeroom_a)
    assert url not in client.get(reverse("web:home")).content.decode()


def test_the_object_rule_follows_the_school(city: City) -> None:
    from openclass.accounts.capabilities import has_capability

    north, south = city.north, city.south
    assert has_capability(north.admin, "privacy.view_access_log", north.student_b1)
    assert not has_capability(north.admin, "privacy.view_access_log", south.student_a1)
    assert has_capability(city.office_admin, "privacy.view_access_log", south.student_a1)
    assert not has_capability(north.homeroom_a, "privacy.view_access_log", north.student_a1)


def test_filters(client, city: City) -> None:
    north = city.north
    _reads(city)
    services.record_read(north.homeroom_a, What.GRADEBOOK, [north.student_a1])
    client.force_login(city.office_admin)
    url = reverse("privacy:access_log")

    def seqs(**query) -> list[int]:
        response = client.get(url, query)
        assert response.status_code == 200
        return [row["entry"].seq for row in response.context["rows"]]

    assert seqs(student=north.student_a1.username) == [4, 1]
    assert seqs(actor=north.homeroom_a.username) == [4, 1]
    assert seqs(what=What.GRADEBOOK) == [4]
    today = timezone.localdate()
    assert seqs(since=today.isoformat(), until=today.isoformat()) == [4, 3, 2, 1]
    assert seqs(until=(today - datetime.timedelta(days=1)).isoformat()) == []
    # odd values are "not given", never a 500
    assert seqs(since="9999-12-31", until="²²²²-01-01", what="nope", page="x") == [4, 3, 2, 1]
