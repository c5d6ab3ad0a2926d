"""The LTI 1.3 platform's endpoints and the office's and teachers' tool pages, under /lti/."""

from django.urls import path

from .views import deep_linking, launch, lessons, services, tools

app_name = "lti"

urlpatterns = [
    path("tools/", tools.tools, name="tools"),
    path("tools/register/", tools.tool_register, name="tool_register"),
    path("tools/<int:pk>/", tools.tool, name="tool"),
    path("tools/<int:pk>/edit/", tools.tool_edit, name="tool_edit"),
    path("tools/<int:pk>/active/", tools.tool_active, name="tool_active"),
    path("lessons/<int:lesson_id>/tool/", lessons.lesson_tool, name="lesson_tool"),
    path("launch/<int:lesson_id>/", launch.launch, name="launch"),
    path("auth/", launch.auth, name="auth"),
    path("jwks/", launch.jwks, name="jwks"),
    path("deep-link/<int:section_id>/", deep_linking.deep_link_start, name="deep_link_start"),
    path(
        "deep-link/return/<int:launch_id>/",
        deep_linking.deep_link_return,
        name="deep_link_return",
    ),
    # The LTI Advantage services a tool calls with a token (lti-services: views/services.py).
    path("token/", services.token_endpoint, name="token"),
    path("ags/<int:course_id>/lineitems", services.lineitems, name="ags_lineitems"),
    path("ags/<int:course_id>/lineitems/<int:item_id>", services.lineitem, name="ags_lineitem"),
    path("ags/<int:course_id>/lineitems/<int:item_id>/scores", services.scores, name="ags_scores"),
    path(
        "ags/<int:course_id>/lineitems/<int:item_id>/results",
        services.results,
        name="ags_results",
    ),
    path("nrps/<int:course_id>/memberships", services.memberships, name="nrps_memberships"),
]
