"""Which videos a user may follow, manage and attach to a lesson.

Who may upload at all is the capability "media.upload" (``accounts.capabilities``); this module
adds what one video changes, on ``accounts.scoping``:

- a video belongs to its uploader, who follows its processing and attaches it to lessons;
- a school admin also manages the videos of the people they may see (their school's teachers);
- an office admin ("media.view_all") every video of the city.

A lesson picks its video among the same videos: a rule written once, for the media pages and
for ``courses``' lesson form.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from openclass.accounts import scoping
from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User

from .models import Video


def owned_videos(user: User) -> QuerySet[Video]:
    """The videos ``user`` uploaded, newest first (their "my videos" page)."""
    if not user.is_authenticated:
        return Video.objects.none()
    return Video.objects.filter(uploaded_by=user)


def manageable_videos(user: User) -> QuerySet[Video]:
    """Videos whose processing state ``user`` may follow and which they may attach to a lesson:
    their own, and for school and office admins those of everyone they may see."""
    if not user.is_authenticated or not user.is_active:
        return Video.objects.none()
    if has_capability(user, "media.view_all"):
        return Video.objects.all()
    if user.role == User.Role.SCHOOL_ADMIN:
        visible = scoping.visible_users(user).values("pk")
        return Video.objects.filter(Q(uploaded_by=user) | Q(uploaded_by__in=visible))
    return owned_videos(user)


def attachable_videos(user: User, *, keeping: int | None = None) -> QuerySet[Video]:
    """Videos ``user`` may attach to a lesson: those they manage, plus the one the lesson has
    now (``keeping``), which stays even if someone else uploaded it."""
    videos = manageable_videos(user)
    if keeping is not None:
        videos = videos | Video.objects.filter(pk=keeping)
    return videos
