"""Set-up pieces the benchmarks run inside the installation's Django (``manage.py shell``)."""

from __future__ import annotations

import math


def add_students(count: int, code: str = "bench"):
    """A school of its own (벤치초등학교) with ``count`` new students, 30 to a class over six
    grades, named ``bench-00001`` …, sharing a demo student's password hash (no hashing cost).
    Returns the school. (Django models are imported here: the load generator imports this
    module without Django set up.)"""
    from openclass.accounts.models import Organisation, User

    Kind = Organisation.Kind
    district = Organisation.objects.filter(kind=Kind.DISTRICT).order_by("pk").first()
    school = Organisation.objects.create(
        kind=Kind.SCHOOL,
        name="벤치초등학교",
        code=code,
        parent=district,
        school_level=Organisation.SchoolLevel.ELEMENTARY,
    )
    password = User.objects.filter(role=User.Role.STUDENT).values_list("password", flat=True)[0]
    per_class, classes_per_grade = 30, max(1, math.ceil(count / 30 / 6))
    new_users = []
    number = 0
    for grade_number in range(1, 7):
        grade = Organisation.objects.create(
            kind=Kind.GRADE, name=f"{grade_number}학년", number=grade_number, parent=school
        )
        for class_number in range(1, classes_per_grade + 1):
            klass = Organisation.objects.create(
                kind=Kind.CLASS, name=f"{class_number}반", number=class_number, parent=grade
            )
            for seat in range(1, per_class + 1):
                if number >= count:
                    break
                number += 1
                new_users.append(
                    User(
                        username=f"{code}-{number:05d}",
                        name=f"벤치{number:05d}",
                        role=User.Role.STUDENT,
                        organisation=klass,
                        number=seat,
                        password=password,
                    )
                )
    User.objects.bulk_create(new_users, batch_size=1000)
    return school


def session_key(user) -> str:
    """A signed-in session for ``user``, as a login would make, without the password hashing."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key
