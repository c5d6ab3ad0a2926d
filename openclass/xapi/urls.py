"""The learning record store's resources, under /xapi/ (xAPI 1.0.3, part three)."""

from django.urls import path  # noqa: F401

app_name = "xapi"

urlpatterns: list = []
