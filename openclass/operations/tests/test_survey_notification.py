"""The review's 신규 that never went away: opening the survey a notification points to (from
the home page, not the list) reads that notification; a classmate's stays unread."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openclass.notifications import services as notifications
from openclass.operations.models import Application
from openclass.operations.services import workflow
from openclass.operations.tests.fixtures import Ops


@pytest.fixture
def completed(ops: Ops) -> Application:
    application = ops.apply()
    office = ops.city.office_admin
    workflow.approve_application(office, application)
    workflow.invite_instructor(office, application, ops.city.instructor)
    workflow.accept_invitation(ops.city.instructor, application)
    application = workflow.open_course(office, application)
    workflow.complete_application(application, office)
    application.refresh_from_db()
    return application


def test_opening_the_survey_reads_its_notification(client, ops: Ops, completed) -> None:
    north = ops.city.north
    url = reverse("operations:survey", args=[completed.pk])
    mine = notifications.list_unread(north.student_a1).filter(url=url)
    theirs = notifications.list_unread(north.student_a2).filter(url=url)
    assert mine.count() == 1 and theirs.count() == 1
    client.force_login(north.student_a1)
    assert client.get(url).status_code == 200
    assert not mine.exists()
    assert theirs.count() == 1
