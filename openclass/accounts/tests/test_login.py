"""Login, first-login password change, failed-login limits, QR login cards, security settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.urls import reverse

from openclass.accounts.models import Organisation, User
from openclass.accounts.services import credentials as services
from openclass.accounts.tests.fixtures import PASSWORD, City, make_user

LOGIN = reverse("accounts:login")


def login(client, username: str, password: str, remember: bool = True, **extra):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "on"
    return client.post(LOGIN, data, **extra)


def test_login_reaches_home_and_remembers_the_device(client, city: City) -> None:
    student = city.north.student_a1
    response = login(client, student.username, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("web:home")
    assert client.session.get_expiry_age() == settings.REMEMBERED_SESSION_AGE
    assert not client.session.get_expire_at_browser_close()
    home = client.get(reverse("web:home"))
    assert home.status_code == 200
    assert student.name in home.content.decode()


def test_shared_computer_session_ends_with_the_browser(client, city: City) -> None:
    login(client, city.north.student_a1.username, PASSWORD, remember=False)
    assert client.session.get_expire_at_browser_close()


def test_wrong_password_is_refused_with_a_message(client, city: City) -> None:
    response = login(client, city.north.student_a1.username, "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_a_user_name_longer_than_any_account_is_refused_by_the_form(client, city: City) -> None:
    response = login(client, "x" * 300, "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_that_account_from_that_address_only(client, city: City) -> None:
    student = city.north.student_a1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, student.username, "wrong-password")
    locked = login(client, student.username, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Classmates behind the same school address still get in.
    classmate = login(client, city.north.student_a2.username, PASSWORD)
    assert classmate.status_code == 302
    client.logout()
    # The same account from another address (the student's home) is not locked either.
    elsewhere = login(client, student.username, PASSWORD, REMOTE_ADDR="10.9.8.7")
    assert elsewhere.status_code == 302


def test_temporary_password_must_be_changed_first(client, city: City) -> None:
    student = city.north.student_a1
    (issued,) = services.issue_first_login_credentials([student])
    assert login(client, student.username, PASSWORD).status_code == 200  # old one is gone
    assert login(client, student.username, issued.password).status_code == 302
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:password_change"))
    assert client.get(reverse("accounts:people")).status_code == 302
    new_password = "my-own-secret-77"
    changed = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": issued.password,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )
    assert changed.status_code == 302
    student.refresh_from_db()
    assert not student.must_change_password
    assert student.check_password(new_password)
    assert client.get(reverse("web:home")).status_code == 200


def test_weak_new_password_is_refused(client, city: City) -> None:
    student = city.north.student_a1
    (issued,) = services.issue_first_login_credentials([student])
    login(client, student.username, issued.password)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": issued.password, "new_password1": "1234", "new_password2": "1234"},
    )
    assert response.status_code == 200
    student.refresh_from_db()
    assert student.must_change_password


OWASP_ARGON2ID = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


def test_passwords_are_stored_as_owasp_argon2id(client, city: City, real_password_hashers) -> None:
    """With the project's own hashers (the rest of the suite hashes with MD5, for speed)."""
    student = make_user("north-0099", User.Role.STUDENT, city.north.class_a, number=9)
    assert student.password.startswith(OWASP_ARGON2ID)
    stored = student.password
    assert login(client, student.username, PASSWORD).status_code == 302
    student.refresh_from_db()
    assert student.password == stored  # already at today's parameters: not hashed again


def test_older_argon2_hashes_sign_in_and_are_upgraded(client, city: City, real_password_hashers):
    """A hash made with Django's own Argon2 parameters (100 MiB, p=8) still verifies, and the
    login stores the password again at OWASP's parameters, as the hasher's docstring promises."""
    student = make_user("north-0099", User.Role.STUDENT, city.north.class_a, number=9)
    django_argon2 = Argon2PasswordHasher()
    student.password = django_argon2.encode(PASSWORD, django_argon2.salt())
    student.save(update_fields=["password"])
    assert not student.password.startswith(OWASP_ARGON2ID)
    assert login(client, student.username, PASSWORD).status_code == 302
    student.refresh_from_db()
    assert student.password.startswith(OWASP_ARGON2ID)


def test_logout_needs_post(client, city: City) -> None:
    client.force_login(city.north.student_a1)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def _first_grader(city: City) -> User:
    school = city.north.school
    grade = Organisation.objects.create(
        kind=Organisation.Kind.GRADE, name="1학년", number=1, parent=school
    )
    klass = Organisation.objects.create(
        kind=Organisation.Kind.CLASS, name="1반", number=1, parent=grade
    )
    return make_user("north-0100", User.Role.STUDENT, klass, number=7, name="이하늘")


def test_login_card_and_pin_sign_a_young_student_in(client, city: City) -> None:
    child = _first_grader(city)
    (issued,) = services.issue_first_login_credentials([child])
    assert issued.card_token and len(issued.pin) == 4
    url = reverse("accounts:card_login", args=[issued.card_token])
    page = client.get(url)
    assert page.status_code == 200
    assert "이하늘" in page.content.decode()
    wrong_pin = "0000" if issued.pin != "0000" else "1111"
    refused = client.post(url, {"pin": wrong_pin})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post(url, {"pin": issued.pin})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == child.pk
    # A child on a card never has to invent a password.
    assert client.get(reverse("web:home")).status_code == 200


def test_login_card_pin_guessing_is_limited(client, city: City) -> None:
    child = _first_grader(city)
    (issued,) = services.issue_first_login_credentials([child])
    url = reverse("accounts:card_login", args=[issued.card_token])
    wrong = [p for p in ("0000", "1111", "2222", "3333", "4444", "5555") if p != issued.pin]
    for pin in wrong[: settings.AXES_FAILURE_LIMIT]:
        client.post(url, {"pin": pin})
    locked = client.post(url, {"pin": issued.pin})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_reissued_card_replaces_the_old_one(client, city: City) -> None:
    child = _first_grader(city)
    (first,) = services.issue_first_login_credentials([child])
    services.issue_first_login_credentials([child])
    response = client.get(reverse("accounts:card_login", args=[first.card_token]))
    assert response.status_code == 404


def test_older_students_get_no_card(city: City) -> None:
    (issued,) = services.issue_first_login_credentials([city.north.student_a1])
    assert issued.card_token == "" and issued.pin == ""


def test_pages_carry_security_headers(client, city: City) -> None:
    response = client.get(LOGIN)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "csrfmiddlewaretoken" in response.content.decode()


def test_production_settings_pass_djangos_deploy_check(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OPENCLASS_ENV": "production",
        "OPENCLASS_SECRET_KEY": "x" * 20 + "production-secret-key-for-the-check-only-9f3a",
        "OPENCLASS_VAR_DIR": str(tmp_path),
        "OPENCLASS_ALLOWED_HOSTS": "class.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
