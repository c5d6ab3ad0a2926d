"""Course applications and pay statements (``api.resources.operations``) as every role: the
applications the pages let the caller follow, a 404 for another's; one's own statement, and the
office's payroll and anyone's statement."""

from __future__ import annotations

import pytest

from openclass.accounts.capabilities import has_capability
from openclass.operations import access
from openclass.web.tests.fixtures import World

from .as_roles import actors, get, ids, items, scoped
from .helpers import personal_token

V1 = "/api/v1"


@pytest.mark.django_db
def test_applications_as_every_role(world: World) -> None:
    for role, user, token in actors(world):
        listed = get(token, f"{V1}/applications")
        if user is None:
            assert listed.status_code == 401
            continue
        if not has_capability(user, "operations.view_applications"):
            assert listed.status_code == 403, role
            for _name, scope in scoped(world):
                assert get(token, f"{V1}/applications/{scope.application.pk}").status_code == 403
            continue
        visible = set(access.visible_applications(user).values_list("pk", flat=True))
        assert ids(listed) == visible, role
        for name, scope in scoped(world):
            detail = get(token, f"{V1}/applications/{scope.application.pk}")
            expected = 200 if scope.application.pk in visible else 404
            assert detail.status_code == expected, f"{role} × {name}"
    # Concretely: the north school's admin follows their school's, not the south's.
    admin = personal_token(world.city.north.admin)
    south = world.scopes["school"].application
    assert get(admin, f"{V1}/applications/{south.pk}").status_code == 404
    assert world.scopes["own"].application.pk in ids(get(admin, f"{V1}/applications"))
    assert get(admin, f"{V1}/applications?state=nonsense").status_code == 422


@pytest.mark.django_db
def test_pay_statements_are_ones_own_and_the_offices(world: World) -> None:
    instructor = world.city.instructor
    for role, user, token in actors(world):
        own = get(token, f"{V1}/pay/statement?month=2026-03")
        theirs = get(token, f"{V1}/pay/statement?month=2026-03&instructor={instructor.pk}")
        payroll = get(token, f"{V1}/pay/payroll?month=2026-03")
        if user is None:
            assert {own.status_code, theirs.status_code, payroll.status_code} == {401}
            continue
        if has_capability(user, "pay.view_own"):
            assert own.status_code == 200, role
            assert own.json()["instructor_id"] == user.pk and own.json()["month"] == "2026-03"
        else:
            assert own.status_code == 403, role
        if has_capability(user, "pay.view_all"):
            assert theirs.status_code == 200 and theirs.json()["instructor_id"] == instructor.pk
            assert payroll.status_code == 200
        else:
            assert (theirs.status_code, payroll.status_code) == (403, 403), role
    office = personal_token(world.city.office_admin)
    assert get(office, f"{V1}/pay/statement?instructor=99999999").status_code == 404
    assert get(office, f"{V1}/pay/payroll?month=March").status_code == 422
    assert items(get(office, f"{V1}/pay/payroll?month=2026-03")) == []
    narrow = personal_token(instructor, ["courses"])
    assert get(narrow, f"{V1}/pay/statement").status_code == 403
