"""The to-do page's "sessions to confirm" (``operations.todo_panels``): a session held of a course
opened through an application waits for whoever confirms it (the applying school, the office),
never for an outsider, and leaves the list once confirmed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openclass.operations.models import Application
from openclass.operations.services import pay
from openclass.operations.tests import test_pay
from openclass.operations.tests.fixtures import Ops
from openclass.operations.tests.test_pay import held
from openclass.operations.todo_panels import build_to_confirm

# The fixtures of the pay tests: an application opened as a course of two live sessions, rates.
opened = test_pay.opened
rates = test_pay.rates


def waiting(user) -> list[int]:
    built = build_to_confirm(user)
    return [row["session"].pk for row in built["rows"]] if built else []


@pytest.mark.django_db
def test_a_session_held_waits_for_who_confirms_it_until_confirmed(
    client, ops: Ops, opened: Application, rates
) -> None:
    north, south = ops.city.north, ops.city.south
    first = opened.course.sessions.order_by("day").first()
    assert waiting(north.homeroom_a) == []  # not held yet: nothing to confirm
    held(first, 40, [north.student_a1])
    for confirmer in (north.homeroom_a, north.admin, ops.city.office_admin):
        assert waiting(confirmer) == [first.pk], confirmer
    for outsider in (south.admin, north.subject_teacher, ops.city.instructor, north.student_a1):
        assert waiting(outsider) == [], outsider
    # The row links to the application's page, which opens for the confirmer and offers it.
    client.force_login(north.homeroom_a)
    page = client.get(reverse("operations:application", args=[opened.pk]))
    assert page.status_code == 200
    confirm = reverse("operations:confirm_session", args=[opened.pk, first.pk])
    assert confirm in page.content.decode()

    pay.confirm_session(north.homeroom_a, first)
    assert waiting(north.homeroom_a) == []
    assert waiting(ops.city.office_admin) == []
