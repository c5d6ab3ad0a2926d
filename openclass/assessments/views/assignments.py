"""Pages for the assignments part of assessments (see ``assessments.assignments`` for the rules)."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
