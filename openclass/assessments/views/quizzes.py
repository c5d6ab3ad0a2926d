"""Pages for the quizzes part of assessments (see ``assessments.quizzes`` for the rules)."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
