"""The demo outside tool (``demo_tool``), served under /demo-tool/."""

from django.urls import path

from . import demo_tool

app_name = "demo_tool"

urlpatterns = [
    path("login/", demo_tool.login, name="login"),
    path("launch/", demo_tool.launch, name="launch"),
    path("score/", demo_tool.score, name="score"),
    path("pick/", demo_tool.pick, name="pick"),
    path("jwks/", demo_tool.jwks, name="jwks"),
]
