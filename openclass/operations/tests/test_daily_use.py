"""Issue 18, item 6, for the operations flows: the pay page opens on the newest month with
confirmed sessions and never offers to close an empty one; each workflow step says what
happened and what comes next, destructive steps last and styled so; the instructor's
invitation on their home; the survey tells the truth about what the instructor reads, and the
school answers in the school's wording."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from openclass.operations.models import PayMonth
from openclass.operations.panels import build_invitations
from openclass.operations.services import pay, workflow
from openclass.operations.tests.fixtures import Ops
from openclass.operations.tests.test_pay import held
from openclass.operations.tests.test_pay import opened as opened_fixture  # noqa: F401
from openclass.operations.tests.test_pay import rates as rates_fixture  # noqa: F401
from openclass.operations.views.applications import _step_done

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_pay_opens_on_the_newest_month_with_confirmed_sessions(ops: Ops, request) -> None:
    request.getfixturevalue("rates_fixture")
    opened = request.getfixturevalue("opened_fixture")
    office = client_of(ops.city.office_admin)
    empty = office.get(reverse("operations:pay"))
    assert empty.context["rows"] == []
    assert reverse("operations:close_month") not in empty.content.decode()

    first = opened.course.sessions.order_by("day").first()
    held(first, 45, [ops.city.north.student_a1])
    pay.confirm_session(ops.city.north.homeroom_a, first)
    month = pay.first_of_month(first.day)

    page = office.get(reverse("operations:pay"))
    assert page.context["month"] == month and len(page.context["rows"]) == 1
    assert reverse("operations:close_month") in page.content.decode()
    own = client_of(ops.city.instructor).get(reverse("operations:pay"))
    assert own.context["month"] == month and own.context["total"] > 0


def test_an_empty_month_is_never_closed(ops: Ops, request) -> None:
    request.getfixturevalue("rates_fixture")
    request.getfixturevalue("opened_fixture")
    empty = "2020-01"
    with pytest.raises(ValidationError):
        pay.close_month(ops.city.office_admin, pay.first_of_month(pay.timezone.localdate()))
    response = client_of(ops.city.office_admin).post(
        f"{reverse('operations:close_month')}?month={empty}"
    )
    assert response.status_code == 302
    assert not PayMonth.objects.filter(closed_at__isnull=False).exists()
    page = client_of(ops.city.office_admin).get(reverse("operations:pay"), {"month": empty})
    assert reverse("operations:close_month") not in page.content.decode()


def test_a_step_says_what_happened_and_what_comes_next(ops: Ops) -> None:
    application = ops.apply()
    office = client_of(ops.city.office_admin)
    page = office.get(reverse("operations:application", args=[application.pk])).content.decode()
    approve, reject = page.index('value="approve"'), page.index('value="reject"')
    assert approve < reject  # the primary action first, the destructive one last
    assert 'class="button danger">Reject' in page
    response = office.post(reverse("operations:step", args=[application.pk]), {"action": "approve"})
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == [_step_done("approve")]
    assert "Next:" in said[0] and said[0] != "Done."


def test_the_invitation_shows_on_the_instructors_home(ops: Ops) -> None:
    application = ops.apply()
    office = ops.city.office_admin
    assert build_invitations(ops.city.instructor) is None  # approved, nothing to answer
    workflow.approve_application(office, application)
    workflow.invite_instructor(office, application, ops.city.instructor)
    home = client_of(ops.city.instructor).get(reverse("web:home")).content.decode()
    link = reverse("operations:application", args=[application.pk])
    assert link in home and application.title in home and "Accept or decline" in home
    # nobody else's home shows it
    other = client_of(ops.city.north.homeroom_a).get(reverse("web:home")).content.decode()
    assert "Accept or decline" not in other
    workflow.accept_invitation(ops.city.instructor, application)
    panel = build_invitations(ops.city.instructor)
    assert panel is not None and panel["invited"] == [] and panel["accepted"] == [application]


def test_the_survey_says_what_the_instructor_reads_and_speaks_to_the_school(
    ops: Ops,
) -> None:
    application = ops.apply()
    office = ops.city.office_admin
    workflow.approve_application(office, application)
    workflow.invite_instructor(office, application, ops.city.instructor)
    workflow.accept_invitation(ops.city.instructor, application)
    application = workflow.open_course(office, application)
    workflow.complete_application(application, office)
    url = reverse("operations:survey", args=[application.pk])

    school = client_of(ops.city.north.homeroom_a).get(url)
    labels = [label for _, label in school.context["questions"]]
    assert labels[0] == "The lessons suited our students"
    text = school.content.decode()
    assert "only averages" not in text and "read the comments as written" in text

    student = client_of(ops.city.north.student_a1).get(url)
    assert next(label for _, label in student.context["questions"]) == (
        "The lessons were easy to follow"
    )
    assert "read the comments as written" in student.content.decode()
