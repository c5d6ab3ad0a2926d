"""What operations puts in the search index (``operations.search``): the approved instructor
profiles of the pool, found by whom the profile page opens for — asked through
``core.registry`` as ``search`` asks."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openclass.accounts.tests.fixtures import ROLES, make_user, person_of
from openclass.catalog.models import Topic
from openclass.core.registry import search_source
from openclass.operations import search
from openclass.operations.models import Application, InstructorProfile
from openclass.operations.tests.fixtures import Ops

Status = InstructorProfile.Status


def keys(visible) -> set[int]:
    return {row["pk"] for row in visible}


def profile(user, status: str, *topics: Topic, **fields) -> InstructorProfile:
    made = InstructorProfile.objects.create(
        user=user,
        kind=InstructorProfile.Kind.GENERAL,
        headline=fields.pop("headline", "진로 탐색 워크숍 강사"),
        career=fields.pop("career", "진로진학상담 8년"),
        status=status,
        **fields,
    )
    made.topics.set(topics)
    return made


def test_an_approved_profile_document(ops: Ops) -> None:
    career = Topic.objects.get(code="career")
    ops.profile.topics.set([career, Topic.objects.get(code="creative-career")])
    build = search_source("operations.profile").documents
    (document,) = build([ops.profile.pk])
    assert document.title == ops.profile.user.name
    assert document.url == reverse("operations:profile", args=[ops.profile.pk])
    assert document.body == "생명존중 전문 강사\n10년 경력"
    # Topics in the catalog's order: the cross-curricular area, then the creative activity.
    assert set(document.tags) == {"진로교육", "진로활동"}
    assert document.area == document.tags[0]
    assert document.audience == "teacher"
    assert document.popularity == 0
    assert document.published_at == ops.profile.reviewed_at


def test_popularity_counts_the_courses_taught(ops: Ops) -> None:
    build = search_source("operations.profile").documents
    taught = ops.apply()
    Application.objects.filter(pk=taught.pk).update(
        instructor=ops.profile.user, state=Application.State.OPENED
    )
    asked = ops.apply()
    Application.objects.filter(pk=asked.pk).update(
        instructor=ops.profile.user, state=Application.State.INSTRUCTOR_INVITED
    )
    (document,) = build([ops.profile.pk])
    assert document.popularity == 1


def test_only_approved_profiles_are_documents(ops: Ops, monkeypatch) -> None:
    city = ops.city
    pending = profile(make_user("instructor02", "instructor"), Status.PENDING, ops.topic)
    rejected = profile(make_user("instructor03", "instructor"), Status.REJECTED, ops.topic)
    approved = [
        profile(make_user(f"instructor1{n}", "instructor"), Status.APPROVED, ops.topic)
        for n in range(4)
    ]
    build = search_source("operations.profile").documents
    every = {document.key for document in build(None)}
    assert every == {ops.profile.pk, *(item.pk for item in approved)}
    assert list(build([pending.pk, rejected.pk])) == []
    monkeypatch.setattr(search, "BATCH", 2)
    with CaptureQueriesContext(connection) as captured:
        assert {document.key for document in build(None)} == every
    # Three batches of at most two, each: profiles, their topics, the courses taught; the end.
    assert len(captured) == 3 * 3 + 1
    assert city.instructor == ops.profile.user


def test_profiles_are_found_by_whom_the_profile_page_opens_for(client, ops: Ops) -> None:
    city, north, south = ops.city, ops.city.north, ops.city.south
    pending = profile(make_user("instructor02", "instructor"), Status.PENDING, ops.topic)
    own = profile(
        make_user("north-instructor", "instructor"),
        Status.PENDING,
        ops.topic,
        registered_by_school=north.school,
    )
    visible = search_source("operations.profile").visible
    people = {role: person_of(city, role) for role in ROLES[1:]}
    people |= {"south teacher": south.homeroom_a, "south admin": south.admin}
    people |= {"pending instructor": pending.user}
    found = {}
    for who, user in people.items():
        client.force_login(user)
        mine = keys(visible(user))
        for item in (ops.profile, pending, own):
            status = client.get(reverse("operations:profile", args=[item.pk])).status_code
            assert status in (200, 404), (who, item.headline)
            assert (status == 200) == (item.pk in mine), (who, item)
        found[who] = mine
    approved_by = {who for who, mine in found.items() if ops.profile.pk in mine}
    assert approved_by == {
        "homeroom_teacher",
        "subject_teacher",
        "school_admin",
        "office_admin",
        "instructor",  # their own
        "south teacher",
        "south admin",
    }
    # Not approved: the office and the instructor themself; the school that registered its own.
    assert {who for who, mine in found.items() if pending.pk in mine} == {
        "office_admin",
        "pending instructor",
    }
    assert {who for who, mine in found.items() if own.pk in mine} == {
        "homeroom_teacher",
        "subject_teacher",
        "school_admin",
        "office_admin",
    }
    assert keys(visible(AnonymousUser())) == set()


def test_a_renamed_topic_re_indexes_its_instructors(ops: Ops) -> None:
    watch = dict(search_source("operations.profile").watch)
    assert list(watch[Topic](ops.topic)) == [ops.profile.pk]
    assert list(watch[Topic](ops.other_topic)) == []
