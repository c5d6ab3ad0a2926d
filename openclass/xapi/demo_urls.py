"""The demo outside LRS, under /demo-lrs/ (``demo_lrs``): its page and its xAPI resources."""

from django.urls import path

from . import demo_lrs

app_name = "demo_lrs"

urlpatterns: list = [
    path("", demo_lrs.home, name="home"),
    path("xapi/statements", demo_lrs.statements, name="statements"),
    path("xapi/about", demo_lrs.about, name="about"),
]
