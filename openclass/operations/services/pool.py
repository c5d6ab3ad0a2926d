"""The instructor pool (F-06): profiles, the office's approval, a school's own instructors, and
the suggestions for an application (F-05 c)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User
from openclass.accounts.scoping import school_of
from openclass.accounts.services import credentials as accounts
from openclass.catalog.models import Topic
from openclass.courses.models import Session
from openclass.notifications.services import notify

from .. import access
from ..models import Application, AvailabilitySlot, InstructorDocument, InstructorProfile
from . import closing

Status = InstructorProfile.Status

# How far around today an instructor's teaching counts as their current load.
LOAD_WINDOW = datetime.timedelta(days=30)


# --- Profiles -------------------------------------------------------------------------------


@transaction.atomic
def save_profile(
    user: User,
    *,
    kind: str,
    topics: Sequence[Topic],
    headline: str,
    career: str,
) -> InstructorProfile:
    """An instructor writes their own profile. A change of fields or career sends an approved
    profile back to the office for review, since the pool offers what the office checked."""
    if not has_capability(user, "pool.own_profile"):
        raise PermissionDenied(_("Only instructors and teachers can join the pool."))
    if not topics:
        raise ValidationError({"topics": _("Choose at least one field.")})
    existing = InstructorProfile.objects.select_for_update().filter(user=user).first()
    created = existing is None
    profile = InstructorProfile(user=user) if existing is None else existing
    changed = created or (
        profile.career != career.strip()
        or profile.kind != kind
        or set(profile.topics.values_list("pk", flat=True)) != {t.pk for t in topics}
    )
    profile.kind, profile.headline, profile.career = kind, headline.strip(), career.strip()
    if changed and profile.status == Status.APPROVED:
        profile.status = Status.PENDING
    profile.full_clean()
    profile.save()
    profile.topics.set(topics)
    if changed:
        notify(
            access.approvers(),
            gettext_noop("An instructor profile needs review: %(name)s"),
            url=reverse("operations:profile", args=[profile.pk]),
            params={"name": user.name},
        )
    return profile


@transaction.atomic
def review_profile(actor: User, profile: InstructorProfile, approve: bool, note: str = "") -> None:
    """The office approves a profile into the pool or refuses it with a note the instructor
    reads."""
    if not has_capability(actor, "operations.approve"):
        raise PermissionDenied(_("Only the office approves instructors."))
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say why: the instructor will read it.")})
    locked = InstructorProfile.objects.select_for_update().get(pk=profile.pk)
    locked.status = Status.APPROVED if approve else Status.REJECTED
    locked.reviewed_by, locked.reviewed_at, locked.review_note = actor, timezone.now(), note
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    subject = (
        gettext_noop("You are in the instructor pool")
        if approve
        else gettext_noop("Your instructor profile was not approved")
    )
    notify([locked.user], subject, url=reverse("operations:my_profile"), note=note)


def register_own_instructor(
    actor: User, *, name: str, email: str, kind: str, topics: Sequence[Topic], headline: str
) -> tuple[InstructorProfile, str]:
    """A school administrator registers the school's own instructor (자체 강사): an account with
    a first-login password (returned once, to hand over) and a profile waiting for the office.
    """
    school = school_of(actor)
    if not has_capability(actor, "pool.register") or school is None:
        raise PermissionDenied(_("Only school administrators register their own instructors."))
    if not name.strip():
        raise ValidationError({"name": _("Give the instructor's name.")})
    if not topics:
        raise ValidationError({"topics": _("Choose at least one field.")})
    with transaction.atomic():
        username = _free_username(f"{school.code or 'school'}-i")
        user = User.objects.create(
            username=username,
            name=name.strip(),
            email=email.strip(),
            role=User.Role.INSTRUCTOR,
        )
        [credential] = accounts.issue_first_login_credentials([user])
        profile = InstructorProfile.objects.create(
            user=user,
            kind=kind,
            headline=headline.strip() or name.strip(),
            career="",
            registered_by_school=school,
        )
        profile.topics.set(topics)
        notify(
            access.approvers(),
            gettext_noop("A school registered its own instructor: %(name)s"),
            url=reverse("operations:profile", args=[profile.pk]),
            params={"name": user.name},
        )
    return profile, credential.password


def _free_username(prefix: str) -> str:
    taken = set(User.objects.filter(username__startswith=prefix).values_list("username", flat=True))
    number = 1
    while f"{prefix}{number:02d}" in taken:
        number += 1
    return f"{prefix}{number:02d}"


def set_availability(profile: InstructorProfile, slots: Sequence[tuple]) -> None:
    """Replace the instructor's future availability with ``slots`` (day, from, until); the past
    is kept as it was."""
    today = timezone.localdate()
    if any(end <= start for _day, start, end in slots):
        raise ValidationError({"availability": _("Each time must end after it starts.")})
    if any(day < today for day, _start, _end in slots):
        raise ValidationError({"availability": _("Available times cannot be in the past.")})
    with transaction.atomic():
        profile.availability.filter(day__gte=today).delete()
        AvailabilitySlot.objects.bulk_create(
            AvailabilitySlot(profile=profile, day=day, starts_at=start, ends_at=end)
            for day, start, end in slots
        )


def add_document(profile: InstructorProfile, *, title: str, file: File) -> InstructorDocument:
    """An instructor adds a document to their profile (a certificate, a career paper) for the
    office to review; the form has checked its size and type."""
    return InstructorDocument.objects.create(profile=profile, title=title.strip(), file=file)


# --- Searching and suggesting ---------------------------------------------------------------


def search_profiles(
    viewer: User, topic: Topic | None = None, text: str = ""
) -> list[InstructorProfile]:
    """Profiles ``viewer`` may see, by field and by words in the name, headline or career."""
    rows = access.visible_profiles(viewer).select_related("user").prefetch_related("topics")
    if topic is not None:
        rows = rows.filter(topics=topic)
    if text.strip():
        words = text.strip()
        rows = rows.filter(
            Q(user__name__icontains=words)
            | Q(headline__icontains=words)
            | Q(career__icontains=words)
        )
    return list(rows.distinct())


@dataclass
class Suggestion:
    profile: InstructorProfile
    score: int
    reasons: list[str] = field(default_factory=list)


def list_suggestions(
    application: Application, today: datetime.date | None = None, limit: int = 10
) -> list[Suggestion]:
    """Approved instructors the application may invite, best first, each with why: the field
    matches (40), free on the preferred sessions (up to 40, by the share covered), the survey
    rating (−20 to +20 around 3 of 5), and how busy they are around now (−5 per session taught
    in the 30 days either side, at most −20).
    """
    today = today or timezone.localdate()
    candidates = list(
        InstructorProfile.objects.filter(status=Status.APPROVED, user__is_active=True)
        .filter(Q(registered_by_school=None) | Q(registered_by_school=application.school_id))
        .select_related("user")
        .prefetch_related("topics")
    )
    wishes = list(application.preferred_sessions.all())
    days = {wish.day for wish in wishes}
    slots: dict[int, list[AvailabilitySlot]] = defaultdict(list)
    for slot in AvailabilitySlot.objects.filter(profile__in=candidates, day__in=days).order_by(
        "starts_at"
    ):
        slots[slot.profile_id].append(slot)
    load = dict(
        Session.objects.filter(
            day__range=(today - LOAD_WINDOW, today + LOAD_WINDOW),
            course__teachers__in=[p.user_id for p in candidates],
        )
        .values_list("course__teachers")
        .annotate(count=Count("pk", distinct=True))
    )
    rated = closing.get_ratings([p.user_id for p in candidates])
    ranked = []
    for profile in candidates:
        suggestion = Suggestion(profile, 0)
        if any(topic.pk == application.topic_id for topic in profile.topics.all()):
            suggestion.score += 40
            suggestion.reasons.append(_("Teaches %(field)s") % {"field": application.topic})
        covered = sum(
            1
            for wish in wishes
            if any(
                s.day == wish.day and s.starts_at <= wish.starts_at and s.ends_at >= wish.ends_at
                for s in slots[profile.pk]
            )
        )
        if wishes:
            suggestion.score += round(40 * covered / len(wishes))
            suggestion.reasons.append(
                _("Free for %(covered)d of %(total)d preferred sessions")
                % {"covered": covered, "total": len(wishes)}
            )
        if profile.user_id in rated:
            mean, answers = rated[profile.user_id]
            suggestion.score += int((mean - 3) * 10)
            suggestion.reasons.append(
                _("Rated %(mean)s of 5 by %(answers)d answers") % {"mean": mean, "answers": answers}
            )
        else:
            suggestion.reasons.append(_("No rating yet"))
        busy = load.get(profile.user_id, 0)
        suggestion.score -= min(20, 5 * busy)
        suggestion.reasons.append(
            ngettext(
                "%(count)d session in the 30 days around today",
                "%(count)d sessions in the 30 days around today",
                busy,
            )
            % {"count": busy}
        )
        ranked.append(suggestion)
    ranked.sort(key=lambda s: (-s.score, s.profile.user.name, s.profile.pk))
    return ranked[:limit]
