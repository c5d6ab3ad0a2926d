"""The LTI 1.3 platform's endpoints and the office's and teachers' tool pages, under /lti/."""

from django.urls import path  # noqa: F401

app_name = "lti"

urlpatterns: list = []
