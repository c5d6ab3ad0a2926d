"""The operations demo built by `manage.py demo_data` (the small city): applications in every
state with their histories, the pool, the rate table and a closed month with statements."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from openclass.accounts.models import User
from openclass.catalog.models import Topic
from openclass.core.registry import search_source
from openclass.operations.models import Application, InstructorProfile, PayMonth, Rate
from openclass.operations.services import closing, pay

pytestmark = pytest.mark.django_db


def test_every_state_a_pool_rates_and_a_closed_month(demo_city):
    states = set(Application.objects.values_list("state", flat=True))
    assert states == set(Application.State.values) - {Application.State.COMPLETED}
    for application in Application.objects.all():
        assert application.events.first().action == "submit"
    statuses = set(InstructorProfile.objects.values_list("status", flat=True))
    assert statuses == set(InstructorProfile.Status.values)
    assert Rate.objects.count() == 9
    closed = PayMonth.objects.get(closed_at__isnull=False)
    instructor = User.objects.get(username="instructor01")
    lines, total = pay.get_statement(instructor, closed.month)
    assert len(lines) == 2 and total > 0 and all(line.amount_won > 0 for line in lines)
    finished = Application.objects.get(state=Application.State.CLOSED)
    assert closing.get_survey_results(instructor, finished).shown
    invited = Application.objects.get(state=Application.State.INSTRUCTOR_INVITED)
    assert invited.instructor == instructor
    call_command("demo_data", "--size", "small", stdout=StringIO())
    assert Application.objects.filter(state=Application.State.CLOSED).count() == 1


def test_search_finds_instructors_in_the_career_field(demo_city):
    source = search_source("operations.profile")
    teacher = User.objects.get(username="hanbit-t01")
    visible = {row["pk"] for row in source.visible(teacher)}
    career = [
        document
        for document in source.documents(None)
        if document.key in visible and "진로교육" in document.tags
    ]
    assert len(career) >= 2
    assert any("진로" in document.body for document in career)
    # Taken off, the field comes back on the next run; then nothing more changes.
    topic = Topic.objects.get(code="career")
    for profile in InstructorProfile.objects.filter(topics=topic):
        profile.topics.remove(topic)
    out = StringIO()
    call_command("demo_data", "--size", "small", stdout=out)
    assert "Put 2 pool instructors in the career field." in out.getvalue()
    out = StringIO()
    call_command("demo_data", "--size", "small", stdout=out)
    assert "career field" not in out.getvalue()
