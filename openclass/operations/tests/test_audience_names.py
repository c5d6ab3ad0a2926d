"""An application's 대상 names a class with its grade ("1학년 1반"), never a bare "1반": on the
office's list, the application's page and the instructor's invitation (issue 18)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from openclass.operations.services import workflow
from openclass.operations.tests.fixtures import Ops


def test_the_audience_class_is_named_with_its_grade(ops: Ops) -> None:
    klass = ops.city.north.class_a
    application = ops.apply(audience=klass, plan="생명의 소중함을 배웁니다.")
    with_grade = f"{klass.parent.name} {klass.name}"
    office = Client()
    office.force_login(ops.city.office_admin)
    for url in (
        reverse("operations:applications"),
        reverse("operations:application", args=[application.pk]),
    ):
        page = office.get(url).content.decode()
        assert with_grade in page, url
        assert f">{klass.name}<" not in page, url
    workflow.approve_application(ops.city.office_admin, application)
    workflow.invite_instructor(ops.city.office_admin, application, ops.city.instructor)
    instructor = Client()
    instructor.force_login(ops.city.instructor)
    home = instructor.get(reverse("web:home")).content.decode()
    assert f"· {with_grade}" in home
