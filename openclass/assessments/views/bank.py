"""Pages for the bank part of assessments (see ``assessments.bank`` for the rules)."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
