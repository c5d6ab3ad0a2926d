"""Account rules: first-login credentials, password resets, QR login cards, user names."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from ..models import LoginCard, Organisation, User

# No 0/o, 1/l/i: a child copies these from paper.
_READABLE = "abcdefghjkmnpqrstuvwxyz23456789"
LOGIN_CARD_PIN_DIGITS = 4


def generate_temporary_password(length: int = 10) -> str:
    """A random first-login password, grouped in fives so it is easy to type from a sheet."""
    raw = "".join(secrets.choice(_READABLE) for _ in range(length))
    return "-".join(raw[i : i + 5] for i in range(0, length, 5))


def generate_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(LOGIN_CARD_PIN_DIGITS))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def uses_login_card(student: User) -> bool:
    """Young students (elementary grades up to LOGIN_CARD_MAX_GRADE) get a QR card and a PIN."""
    if not student.is_student or student.organisation is None:
        return False
    grade = student.organisation.parent
    school = grade.parent if grade else None
    return bool(
        grade is not None
        and school is not None
        and school.school_level == Organisation.SchoolLevel.ELEMENTARY
        and grade.number
        and grade.number <= settings.LOGIN_CARD_MAX_GRADE
    )


@dataclass(frozen=True)
class IssuedCredential:
    """What goes on a printed first-login sheet. Exists only in memory: never stored in clear."""

    user: User
    password: str
    card_token: str = ""
    pin: str = ""


def _hash_all(secrets_to_hash: list[str]) -> list[str]:
    # argon2 releases the GIL, so a class's worth of hashes uses every core.
    with ThreadPoolExecutor(max_workers=max(2, settings.HASHING_THREADS)) as pool:
        return list(pool.map(make_password, secrets_to_hash))


@transaction.atomic
def issue_first_login_credentials(users: Iterable[User]) -> list[IssuedCredential]:
    """Give each user a new temporary password (and a new QR card for young students).

    Used for a class's first-login sheet and for "reset password". Plain passwords are never
    stored: printing the sheet again issues new ones, and the user must change it at first login.
    """
    users = list(users)
    issued: list[IssuedCredential] = []
    for user in users:
        card = uses_login_card(user)
        issued.append(
            IssuedCredential(
                user=user,
                password=generate_temporary_password(),
                card_token=secrets.token_urlsafe(24) if card else "",
                pin=generate_pin() if card else "",
            )
        )
    hashes = _hash_all([c.password for c in issued] + [c.pin for c in issued if c.pin])
    password_hashes, pin_hashes = hashes[: len(issued)], iter(hashes[len(issued) :])
    for credential, password_hash in zip(issued, password_hashes, strict=True):
        user = credential.user
        user.password = password_hash
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        if credential.card_token:
            LoginCard.objects.update_or_create(
                user=user,
                defaults={
                    "token_digest": _digest(credential.card_token),
                    "pin": next(pin_hashes),
                },
            )
    return issued


def find_login_card(card_token: str) -> LoginCard | None:
    return (
        LoginCard.objects.select_related("user", "user__organisation")
        .filter(token_digest=_digest(card_token), user__is_active=True)
        .first()
    )


def authenticate_login_card(card_token: str, pin: str) -> User | None:
    card = find_login_card(card_token)
    if card is None or not check_password(pin, card.pin):
        return None
    return card.user


def complete_password_change(user: User) -> None:
    """The user chose their own password: the temporary one is gone."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])


_USERNAME_NUMBER = re.compile(r"-(\d+)$")


def next_student_usernames(school: Organisation, count: int) -> list[str]:
    """User names "<school code>-0001", "<school code>-0002", … continuing the school's series.

    They stay the same across school years, unlike 학번 which change every March.
    """
    prefix = f"{school.code}-"
    existing = User.objects.filter(username__startswith=prefix).values_list("username", flat=True)
    numbers = [int(m.group(1)) for name in existing if (m := _USERNAME_NUMBER.search(name))]
    start = max(numbers, default=0) + 1
    return [f"{prefix}{n:04d}" for n in range(start, start + count)]
