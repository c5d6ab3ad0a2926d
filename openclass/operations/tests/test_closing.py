"""Steps i and j: the anonymous survey and the recordings' fate, then closing the application."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from openclass.live.models import LiveRoom, Recording
from openclass.operations.models import Application, SurveyReceipt, SurveyResponse
from openclass.operations.services import closing, pool, workflow
from openclass.operations.tests.fixtures import Ops

State = Application.State


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


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


def test_the_survey_opens_when_the_course_is_done_and_takes_one_answer_each(ops: Ops) -> None:
    application = ops.apply()
    student = ops.city.north.student_a1
    with pytest.raises(PermissionDenied):
        closing.answer_survey(student, application, clarity=5, instructor=5, overall=5)
    assert not SurveyReceipt.objects.exists()


def test_answers_are_anonymous_and_shown_from_three(ops: Ops, completed: Application) -> None:
    north = ops.city.north
    closing.answer_survey(
        north.student_a1, completed, clarity=5, instructor=4, overall=5, comment="좋아요"
    )
    with pytest.raises(ValidationError):
        closing.answer_survey(north.student_a1, completed, clarity=1, instructor=1, overall=1)
    closing.answer_survey(north.student_a2, completed, clarity=3, instructor=4, overall=4)
    early = closing.get_survey_results(ops.city.instructor, completed)
    assert early.answers == 2 and not early.shown and early.means == {}
    closing.answer_survey(north.homeroom_a, completed, clarity=4, instructor=4, overall=3)
    results = closing.get_survey_results(ops.city.instructor, completed)
    assert results.shown and results.answers == 3
    assert results.means == {
        "clarity": closing._mean(4),
        "instructor": closing._mean(4),
        "overall": closing._mean(4),
    }
    assert results.comments == ["좋아요"]
    # Nothing stored with an answer names its author.
    fields = {f.name for f in SurveyResponse._meta.get_fields()}
    assert not {"user", "student", "created_at"} & fields
    assert SurveyReceipt.objects.filter(application=completed).count() == 3
    # The rating now counts in the instructor's suggestions.
    assert closing.get_ratings([ops.city.instructor.pk]) == {
        ops.city.instructor.pk: (closing._mean(4), 3)
    }


def test_bad_scores_and_outsiders_are_refused(ops: Ops, completed: Application) -> None:
    with pytest.raises(ValidationError):
        closing.answer_survey(
            ops.city.north.student_a1, completed, clarity=6, instructor=1, overall=1
        )
    assert not SurveyReceipt.objects.exists()
    for outsider in (ops.city.south.student_a1, ops.city.north.student_b1, ops.city.south.admin):
        with pytest.raises(PermissionDenied):
            closing.answer_survey(outsider, completed, clarity=3, instructor=3, overall=3)
    for outsider in (ops.city.north.student_a1, ops.city.south.admin):
        with pytest.raises(PermissionDenied):
            closing.get_survey_results(outsider, completed)


def test_the_instructors_page_shows_no_one(client, ops: Ops, completed: Application) -> None:
    north = ops.city.north
    url = reverse("operations:survey", args=[completed.pk])
    for student, score in ((north.student_a1, "5"), (north.student_a2, "4")):
        client.force_login(student)
        assert "Send the answer" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        response = client.post(url, {"clarity": score, "instructor": score, "overall": score})
        assert response.status_code == 302
    client.force_login(north.homeroom_a)
    client.post(url, {"clarity": "3", "instructor": "3", "overall": "3", "comment": "유익했어요"})
    client.force_login(ops.city.instructor)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "4.0 / 5" in page and "유익했어요" in page
    for person in (north.student_a1, north.student_a2, north.homeroom_a):
        assert person.name not in page and person.username not in page
    client.force_login(ops.city.south.student_a1)
    assert client.get(url).status_code == 404


def test_recordings_deleted_after_the_days_the_opener_chose(
    ops: Ops, completed: Application
) -> None:
    session = completed.course.sessions.first()
    room = LiveRoom.objects.create(session=session, status=LiveRoom.Status.ENDED)
    recording = Recording.objects.create(room=room, status=Recording.Status.READY)
    with pytest.raises(PermissionDenied):
        closing.decide_recordings(ops.city.instructor, completed, "delete", 7)
    with pytest.raises(ValidationError):
        closing.decide_recordings(ops.city.north.homeroom_a, completed, "delete", None)
    decided = timezone.now() - datetime.timedelta(days=10)
    closing.decide_recordings(ops.city.north.homeroom_a, completed, "delete", 30, now=decided)
    assert closing.enforce_recording_retention() == 0
    closing.decide_recordings(ops.city.north.homeroom_a, completed, "delete", 7, now=decided)
    assert closing.enforce_recording_retention() == 1
    recording.refresh_from_db()
    assert recording.status == Recording.Status.DELETED
    assert closing.enforce_recording_retention() == 0
    assert completed.events.filter(action="recordings").count() == 2


def test_closing_needs_the_recordings_decided(ops: Ops, completed: Application) -> None:
    with pytest.raises(ValidationError):
        workflow.close_application(ops.city.north.homeroom_a, completed)
    closing.decide_recordings(ops.city.north.homeroom_a, completed, "private")
    closed = workflow.close_application(ops.city.north.homeroom_a, completed)
    assert closed.state == State.CLOSED
    # A closed application's survey still takes answers; its recordings are settled.
    with pytest.raises(ValidationError):
        closing.decide_recordings(ops.city.north.homeroom_a, closed, "publish")


def test_ratings_move_suggestions(ops: Ops, completed: Application) -> None:
    north = ops.city.north
    for person in (north.student_a1, north.student_a2, north.homeroom_a):
        closing.answer_survey(person, completed, clarity=5, instructor=5, overall=5)
    application = ops.apply()
    workflow.approve_application(ops.city.office_admin, application)
    [suggestion] = pool.list_suggestions(application)
    assert "Rated 5.0 of 5 by 3 answers" in suggestion.reasons
