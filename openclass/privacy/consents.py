"""What needs consent, and the text each consent is given to (동의서). A change of a text gets
a new ``version``: a consent given to an older version no longer counts, and the person is
asked again."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Consent


@dataclass(frozen=True)
class Purpose:
    code: str
    version: str
    title: Promise
    text: Promise


PURPOSES: dict[str, Purpose] = {
    Consent.Purpose.YOUTUBE: Purpose(
        Consent.Purpose.YOUTUBE,
        "2026-12-05",
        _("Lessons from YouTube"),
        _(
            "Some lessons play videos from YouTube, a site outside the platform run by Google. "
            "While such a video plays, YouTube receives the device's address and what is "
            "watched, under its own privacy policy. Without this consent those lessons show a "
            "notice instead of the video; ask the teacher for another way to watch."
        ),
    ),
    Consent.Purpose.COMMUNITY_MEDIA: Purpose(
        Consent.Purpose.COMMUNITY_MEDIA,
        "2026-12-05",
        _("Photos and videos in the community"),
        _(
            "Photos and videos in which the student can be recognised may be posted in their "
            "class's community, where the class's members see them. Without this consent, no "
            "photo or video showing the student is posted, and any already posted is taken down."
        ),
    ),
}
