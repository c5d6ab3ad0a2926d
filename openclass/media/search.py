"""What media puts in the one search index (``core.registry``'s search sources): the uploaded
videos, each found only by whom its page (``views.video_detail``) opens for —
``access.manageable_videos``: its uploader, a school admin for the people of their school, the
office for every video. Nobody else finds a video, so a student's or a teacher's own upload
never shows in another student's or teacher's results."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from openclass.accounts.models import User
from openclass.accounts.scoping import alike_if_student
from openclass.core.registry import SearchDocument, SearchSource

from . import access
from .models import Video

#: Videos a batch of documents is built from, in one query.
BATCH = 1000


def video_documents(keys: Iterable[int] | None) -> Iterator[SearchDocument]:
    """A video: its title (a video has no description), recorded, and teaching material: staff
    upload videos, and only they and their admins open them."""
    videos = Video.objects.only("pk", "title", "created_at").order_by("pk")
    if keys is None:
        last = 0
        while batch := list(videos.filter(pk__gt=last)[:BATCH]):
            yield from map(_document, batch)
            last = batch[-1].pk
        return
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), BATCH):
        yield from map(_document, videos.filter(pk__in=wanted[start : start + BATCH]))


def _document(video: Video) -> SearchDocument:
    return SearchDocument(
        key=video.pk,
        title=video.title,
        url=reverse("media:detail", args=[video.pk]),
        audience="teacher",
        mode="recorded",
        published_at=video.created_at,
    )


def visible_video_keys(user: User) -> QuerySet[Video, Any]:
    return access.manageable_videos(user).values("pk")


VIDEOS = SearchSource(
    name="media.video",
    kind="video",
    model=Video,
    documents=video_documents,
    visible=visible_video_keys,
    alike=alike_if_student,
)

#: Registered by ``MediaConfig.ready``.
SOURCES = (VIDEOS,)
