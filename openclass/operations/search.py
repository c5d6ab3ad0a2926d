"""What operations puts in the one search index (``core.registry``'s search sources): the
instructor pool's approved profiles, found by whom the profile page (``views.pool.profile``)
opens for — ``access.visible_profiles``: anyone who may apply for a course and the office. A
profile waiting for approval or not approved is not in the index at all (a profile's page still
opens for its instructor, the office and the school that registered it, as before)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse

from openclass.accounts.models import User
from openclass.accounts.scoping import alike_if_student
from openclass.catalog.models import Topic
from openclass.core.registry import SearchDocument, SearchSource

from . import access
from .models import Application, InstructorProfile

#: Profiles a batch of documents is built from: one query for them, one for their topics.
BATCH = 1000
#: The states of an application whose course the instructor has taught (or teaches now).
TAUGHT = (Application.State.OPENED, Application.State.COMPLETED, Application.State.CLOSED)


def profile_documents(keys: Iterable[int] | None) -> Iterator[SearchDocument]:
    """An approved instructor: their name as the title, headline and career as the body, their
    fields (topics) as tags and the first as the area; for teachers, as popular as the courses
    they have taught through the pool are many."""
    profiles = (
        InstructorProfile.objects.filter(status=InstructorProfile.Status.APPROVED)
        .select_related("user")
        .prefetch_related("topics")
        .order_by("pk")
    )
    if keys is None:
        last = 0
        while batch := list(profiles.filter(pk__gt=last)[:BATCH]):
            yield from _documents(batch)
            last = batch[-1].pk
        return
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), BATCH):
        yield from _documents(list(profiles.filter(pk__in=wanted[start : start + BATCH])))


def _documents(batch: list[InstructorProfile]) -> Iterator[SearchDocument]:
    taught = dict(
        Application.objects.filter(
            instructor_id__in=[profile.user_id for profile in batch], state__in=TAUGHT
        )
        .order_by()
        .values("instructor_id")
        .annotate(n=Count("pk"))
        .values_list("instructor_id", "n")
    )
    for profile in batch:
        yield _document(profile, taught.get(profile.user_id, 0))


def _document(profile: InstructorProfile, taught: int) -> SearchDocument:
    topics: list[Topic] = list(profile.topics.all())
    return SearchDocument(
        key=profile.pk,
        title=profile.user.name or profile.user.username,
        url=reverse("operations:profile", args=[profile.pk]),
        body="\n".join(filter(None, [profile.headline, profile.career])),
        tags=tuple(topic.name_ko for topic in topics),
        area=topics[0].name_ko if topics else "",
        audience="teacher",
        popularity=taught,
        published_at=profile.reviewed_at or profile.created_at,
    )


def visible_profile_keys(user: User) -> QuerySet[InstructorProfile, Any]:
    return access.visible_profiles(user).values("pk")


def _profiles_of_topic(topic: Topic) -> QuerySet[InstructorProfile, int]:
    return InstructorProfile.objects.filter(topics=topic).values_list("pk", flat=True)


PROFILES = SearchSource(
    name="operations.profile",
    kind="instructor",
    model=InstructorProfile,
    documents=profile_documents,
    visible=visible_profile_keys,
    alike=alike_if_student,
    watch=((Topic, _profiles_of_topic),),
)

#: Registered by ``OperationsConfig.ready``.
SOURCES = (PROFILES,)
