"""Writing, verifying and trimming the access log (see ``models`` for the chain).

``record_read`` is the one call the areas make when someone opens a student's records::

    privacy.services.record_read(request, AccessRecord.What.GRADEBOOK, students, course,
                                 course=course, klass=klass)

Appending is serialised, so two rows never claim the same predecessor: on PostgreSQL by a
transaction-level advisory lock taken before the last row is read (each statement of a READ
COMMITTED transaction sees what committed before it, so the reader behind the lock sees the row
its predecessor added); on SQLite the connection begins every transaction IMMEDIATE (settings),
which already queues writers. A read costs one lock, one read of the last row, one query for the
students' schools and two inserts (the record, its students); ``bench/access_log.py`` measures
it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import LoginCard, Organisation, ParentLink, User

from .consents import PURPOSES
from .models import AccessRecord, AccessSubject, ChainAnchor, Consent, Departure

#: The advisory lock's key on PostgreSQL ("privacy" in ASCII, so it names itself in pg_locks).
ADVISORY_LOCK_KEY = 0x70726976616379
GENESIS = "0" * 64


def _lock_chain() -> None:
    """Serialise appends and drops until the transaction ends (see the module's docstring)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def canonical(record: AccessRecord) -> str:
    """The content a row's digest covers, in one fixed spelling (UTC time to the microsecond)."""
    at = record.at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(
        [
            record.seq,
            at,
            record.actor_id,
            record.what,
            record.object_id,
            record.course_id,
            record.klass_id,
            record.address,
            record.students,
        ],
        separators=(",", ":"),
    )


def digest_of(previous: str, record: AccessRecord) -> str:
    return hashlib.sha256((previous + canonical(record)).encode()).hexdigest()


def _chain_head() -> tuple[int, str]:
    """The number and digest of the chain's last row (or of its anchor, or the start)."""
    last = AccessRecord.objects.order_by("-seq").values_list("seq", "digest").first()
    if last is not None:
        return last
    anchor = ChainAnchor.objects.order_by("-seq").values_list("seq", "digest").first()
    return anchor if anchor is not None else (0, GENESIS)


def _school_id(path: str) -> int | None:
    """The school in a student's class path: office / district / school / grade / class."""
    parts = [part for part in path.split("/") if part]
    return int(parts[2]) if len(parts) >= 3 else None


def _ids(students: Iterable[User | int]) -> list[int]:
    return sorted({s if isinstance(s, int) else s.pk for s in students})


def record_read(
    who: HttpRequest | User,
    what: str,
    students: Iterable[User | int],
    obj: Any = None,
    *,
    course: Any = None,
    klass: Organisation | None = None,
    own_too: bool = False,
) -> AccessRecord | None:
    """Log that ``who`` (a request, whose user and address are taken, or a user) read ``what``
    about ``students`` — ``obj`` is what was opened (its id is kept), ``course`` and ``klass``
    where. Nothing is written for a read about no student (an empty class), nor for a person
    reading only their own records unless ``own_too`` (a download of one's own data is logged);
    a parent reading a child's is logged."""
    address: str | None = None
    actor_id: int | None
    if isinstance(who, User):
        actor_id = who.pk
    else:
        actor_id = who.user.pk
        address = getattr(who, "axes_ip_address", None) or get_client_ip_address(who)
    ids = _ids(students)
    if not ids or actor_id is None or (ids == [actor_id] and not own_too):
        return None
    schools = {
        pk: _school_id(path or "")
        for pk, path in User.objects.filter(pk__in=ids).values_list("pk", "organisation__path")
    }
    record = AccessRecord(
        actor_id=actor_id,
        what=what,
        object_id=getattr(obj, "pk", obj),
        course_id=getattr(course, "pk", course),
        klass_id=klass.pk if klass is not None else None,
        address=address or None,
        students=",".join(str(pk) for pk in ids),
    )
    with transaction.atomic():
        _lock_chain()
        seq, previous = _chain_head()
        record.seq = seq + 1
        record.at = timezone.now()
        record.digest = digest_of(previous, record)
        record.save(force_insert=True)
        AccessSubject.objects.bulk_create(
            AccessSubject(record=record, student_id=pk, school_id=schools.get(pk)) for pk in ids
        )
    return record


# --- Verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    start: int  # the anchor's number (0: from the first row ever written)
    head: int  # the last row's number
    head_digest: str
    broken_seq: int | None = None  # the first row that does not fit
    reason: str = ""


def verify_chain(chunk: int = 2000) -> ChainReport:
    """Walk the chain from its anchor and report the first row that does not fit: a gap in the
    numbers (a row deleted), a digest that does not match (a row edited), or students in the
    search table that differ from the row's own list. Rows deleted from the end leave no trace
    here: keep the reported head (number and digest) elsewhere to tell (the operator guide)."""
    anchor = ChainAnchor.objects.order_by("-seq").values_list("seq", "digest").first()
    start, previous = anchor if anchor is not None else (0, GENESIS)
    expected, checked = start + 1, 0
    after = start
    while True:
        rows = list(AccessRecord.objects.filter(seq__gt=after).order_by("seq")[:chunk])
        if not rows:
            break
        subjects: dict[int, list[int]] = {}
        for record_id, student_id in AccessSubject.objects.filter(
            record_id__in=[row.pk for row in rows]
        ).values_list("record_id", "student_id"):
            subjects.setdefault(record_id, []).append(student_id)
        for row in rows:
            if row.seq != expected:
                return ChainReport(False, checked, start, row.seq, row.digest, expected, "missing")
            if digest_of(previous, row) != row.digest:
                return ChainReport(False, checked, start, row.seq, row.digest, row.seq, "altered")
            if sorted(subjects.get(row.pk, [])) != row.student_ids():
                return ChainReport(False, checked, start, row.seq, row.digest, row.seq, "students")
            previous, expected, checked = row.digest, expected + 1, checked + 1
        after = rows[-1].seq
    return ChainReport(True, checked, start, expected - 1, previous)


# --- Retention ------------------------------------------------------------------------------------


def retention_days() -> int:
    return int(settings.ACCESS_LOG_RETENTION_DAYS)


def drop_expired(now: datetime.datetime | None = None) -> int:
    """Delete the rows older than the retention, from the start of the chain, leaving an anchor
    (the last dropped row's number and digest) so what stays still verifies. Returns how many
    rows were dropped."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=retention_days())
    with transaction.atomic():
        _lock_chain()
        # Times follow the numbers (each is taken under the lock), so the expired rows are a
        # prefix of the chain; the first row still inside the retention ends it.
        keep = AccessRecord.objects.filter(at__gte=cutoff).order_by("seq").values("seq")[:1]
        expired = AccessRecord.objects.filter(at__lt=cutoff)
        first_kept = keep.first()
        if first_kept is not None:
            expired = expired.filter(seq__lt=first_kept["seq"])
        last = expired.order_by("-seq").values_list("seq", "digest").first()
        if last is None:
            return 0
        count = expired.count()
        ChainAnchor.objects.create(seq=last[0], digest=last[1], dropped=count)
        AccessSubject.objects.filter(record__seq__lte=last[0]).delete()
        AccessRecord.objects.filter(seq__lte=last[0]).delete()
    return count


# --- Leaving school -------------------------------------------------------------------------------


def leaver_retention_days() -> int:
    return int(settings.LEAVER_RETENTION_DAYS)


def _school_of(student: User) -> Organisation | None:
    if student.organisation is None:
        return None
    school_id = _school_id(student.organisation.path)
    return Organisation.objects.filter(pk=school_id).first() if school_id else None


def record_leaving(admin: User, student: User, left_on: datetime.date) -> Departure:
    """``student`` left school on ``left_on``: their account is deactivated now (they can no
    longer sign in; their open sessions end) and pseudonymised after the retention."""
    require_capability(admin, "privacy.record_leaving", student)
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": _("The day of leaving cannot be in the future.")})
    with transaction.atomic():
        if Departure.objects.select_for_update().filter(person=student).exists():
            raise ValidationError(_("This student's leaving is already recorded."))
        departure = Departure.objects.create(
            person=student,
            school=_school_of(student),
            left_on=left_on,
            pseudonymise_on=left_on + datetime.timedelta(days=leaver_retention_days()),
            recorded_by=admin,
        )
        User.objects.filter(pk=student.pk).update(is_active=False, updated_at=timezone.now())
    student.is_active = False
    return departure


def cancel_leaving(admin: User, departure: Departure) -> None:
    """Undo a leaving recorded by mistake (or a student who came back), until the account is
    pseudonymised: the account is active again."""
    require_capability(admin, "privacy.record_leaving", departure.person)
    if departure.pseudonymised_at is not None:
        raise PermissionDenied
    with transaction.atomic():
        User.objects.filter(pk=departure.person_id).update(
            is_active=True, updated_at=timezone.now()
        )
        departure.delete()


def pseudonym(user_id: int) -> str:
    return f"left-{user_id}"


def pseudonymise(departure: Departure, now: datetime.datetime | None = None) -> None:
    """Replace what names the person — name, user name, e-mail, phone, student number — and
    drop what leads to them (parent links, login card, password); keep the id, role and class,
    so their records stay in the statistics as an anonymous student's."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=departure.person_id)
        user.username = pseudonym(user.pk)
        user.name = ""
        user.email = ""
        user.phone = ""
        user.number = None
        user.is_active = False
        user.set_unusable_password()
        user.save()
        ParentLink.objects.filter(student=user).delete()
        LoginCard.objects.filter(user=user).delete()
        departure.pseudonymised_at = now or timezone.now()
        departure.save(update_fields=["pseudonymised_at"])


def pseudonymise_due(today: datetime.date | None = None) -> int:
    """Pseudonymise every leaver whose retention is over; returns how many."""
    today = today or timezone.localdate()
    due = list(Departure.objects.filter(pseudonymise_on__lte=today, pseudonymised_at__isnull=True))
    for departure in due:
        pseudonymise(departure)
    return len(due)


# --- Consents -------------------------------------------------------------------------------------


def has_consent(student: User, purpose: str) -> bool:
    """Whether a standing consent to the current text of ``purpose`` is on record for
    ``student``: what the areas ask before showing what needs it (a YouTube lesson)."""
    return Consent.objects.filter(
        person=student,
        purpose=purpose,
        version=PURPOSES[purpose].version,
        withdrawn_at__isnull=True,
    ).exists()


def _purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValidationError(_("Unknown purpose."))
    return purpose


def give_consent(giver: User, student: User, purpose: str) -> Consent:
    """``giver`` consents for ``student`` (themself from 14, their child under 14) to the
    current text of ``purpose``; a standing consent to an older text is replaced."""
    require_capability(giver, "privacy.consent", student)
    _purpose(purpose)
    with transaction.atomic():
        standing = Consent.objects.select_for_update().filter(
            person=student, purpose=purpose, withdrawn_at__isnull=True
        )
        current = standing.filter(version=PURPOSES[purpose].version).first()
        if current is not None:
            return current
        standing.update(withdrawn_at=timezone.now(), withdrawn_by=giver)
        return Consent.objects.create(
            person=student, given_by=giver, purpose=purpose, version=PURPOSES[purpose].version
        )


def withdraw_consent(giver: User, student: User, purpose: str) -> int:
    """Withdraw the standing consent for ``purpose``; returns how many rows it stamped (0 when
    none stood)."""
    require_capability(giver, "privacy.consent", student)
    _purpose(purpose)
    return Consent.objects.filter(
        person=student, purpose=purpose, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now(), withdrawn_by=giver)
