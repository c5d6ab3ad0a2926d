"""Pages for the gradebook part of assessments (see ``assessments.gradebook`` for the rules)."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
