"""Recording a statement: opaque actor, groupings, one outbox row per matching destination."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openclass.xapi import services
from openclass.xapi.models import Delivery, Destination, Statement


def test_a_statement_names_no_one_and_carries_its_class_and_school(city) -> None:
    student = city.north.student_a1
    course = services.Activity("course", 7, "독도")
    services.record(
        student,
        "completed",
        services.Activity("lesson", 3, "1차시"),
        where=services.Where(course=course, registration=services.registration_for(11)),
    )
    statement = Statement.objects.get()
    full = statement.full
    assert full["actor"]["account"]["name"] == str(services.actor_key(student))
    text = json.dumps(full, ensure_ascii=False)
    assert student.username not in text and student.get_full_name() not in text
    grouping = [a["id"] for a in full["context"]["contextActivities"]["grouping"]]
    assert grouping == [
        course.id,
        services.activity_id("class", city.north.class_a.pk),
        services.activity_id("school", city.north.school.pk),
    ]
    assert statement.klass == city.north.class_a and statement.school == city.north.school
    assert statement.course_id == 7


def test_each_statement_is_queued_once_for_each_destination_that_wants_it(city) -> None:
    everything = Destination.objects.create(name="hub", endpoint="https://lrs.example/xapi/")
    other_school = Destination.objects.create(name="south", endpoint="https://s.example/xapi/")
    other_school.schools.add(city.south.school)
    services.record(city.north.student_a1, "launched", services.Activity("lesson", 1))
    assert Delivery.objects.filter(destination=everything).count() == 1
    assert not Delivery.objects.filter(destination=other_school).exists()
    assert Statement.objects.count() == 1


def test_statements_recorded_together_are_stored_as_one_batch_at_the_end(city) -> None:
    """``together``: what several areas record for one event waits for the end of the block
    and is stored in one batch, in the order recorded; a block that fails stores nothing."""
    north = city.north
    with CaptureQueriesContext(connection) as one:
        services.record(north.student_a1, "launched", services.Activity("lesson", 1))
    Statement.objects.all().delete()
    with CaptureQueriesContext(connection) as three, services.together():
        services.record(north.student_a1, "answered", services.Activity("question", 1))
        with services.together():  # nested: the outer block stores
            services.record(north.student_a2, "completed", services.Activity("lesson", 1))
        assert not Statement.objects.exists()
        services.record(north.student_a1, "completed", services.Activity("course", 1))
    # The second learner's key and the block's own read are all it adds to one statement's.
    assert len(three) <= len(one) + 2
    stored = list(Statement.objects.order_by("number").select_related("user"))
    assert [(row.user, row.full["verb"]["id"].rsplit("/", 1)[-1]) for row in stored] == [
        (north.student_a1, "answered"),
        (north.student_a2, "completed"),
        (north.student_a1, "completed"),
    ]

    Statement.objects.all().delete()
    with pytest.raises(RuntimeError), services.together():
        services.record(north.student_a1, "launched", services.Activity("lesson", 2))
        raise RuntimeError("the event failed")
    assert not Statement.objects.exists()
    services.record(north.student_a1, "launched", services.Activity("lesson", 3))
    assert Statement.objects.count() == 1  # no batch is left open after a failure
