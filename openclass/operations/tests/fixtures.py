"""Test fixtures for the operations area: an open call, an approved pool instructor, and a
helper to apply. Registered for the whole suite by the repository's conftest.py."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from openclass.accounts.tests.fixtures import City
from openclass.catalog.models import Topic
from openclass.operations.models import Application, Call, InstructorProfile
from openclass.operations.services import workflow

# The tests run on any day: the call is open for a month either side of it.
TODAY = datetime.date.today()


@dataclass
class Ops:
    city: City
    call: Call
    topic: Topic
    other_topic: Topic
    profile: InstructorProfile

    def apply(self, actor=None, audience=None, **fields) -> Application:
        north = self.city.north
        values = {
            "audience": audience or north.class_a,
            "topic": self.topic,
            "title": "생명존중 교육",
            "plan": "3학년 1반 학생들과 생명의 소중함을 배웁니다.",
            "expected_students": 25,
            "delivery": "live",
            "sessions": [
                workflow.SessionWish(
                    TODAY + datetime.timedelta(days=7), datetime.time(10), datetime.time(10, 40)
                ),
                workflow.SessionWish(
                    TODAY + datetime.timedelta(days=14), datetime.time(10), datetime.time(10, 40)
                ),
            ],
            "today": TODAY,
        }
        values.update(fields)
        return workflow.submit_application(actor or north.homeroom_a, self.call, **values)


@pytest.fixture
def ops(city) -> Ops:
    topics = list(Topic.objects.order_by("position")[:2])
    call = Call.objects.create(
        title="2027학년도 1학기 범교과 강좌 개설 신청",
        opens_on=TODAY - datetime.timedelta(days=30),
        closes_on=TODAY + datetime.timedelta(days=30),
        is_published=True,
        created_by=city.office_admin,
    )
    call.topics.add(topics[0])
    profile = InstructorProfile.objects.create(
        user=city.instructor,
        kind=InstructorProfile.Kind.GENERAL,
        headline="생명존중 전문 강사",
        career="10년 경력",
        status=InstructorProfile.Status.APPROVED,
        reviewed_by=city.office_admin,
        reviewed_at=timezone.now(),
    )
    profile.topics.add(topics[0])
    return Ops(city, call, topics[0], topics[1], profile)
