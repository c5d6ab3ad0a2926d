"""The learning record store's resources, under /xapi/ (xAPI 1.0.3, part three). No trailing
slashes: clients append the resource's name to the endpoint (…/xapi/ + "statements")."""

from django.urls import include, path

from .views import about, documents, statements

app_name = "xapi"

urlpatterns = [
    path("about", about.about, name="about"),
    path("statements", statements.statements_resource, name="statements"),
    path("statements/more/<str:token>", statements.more, name="statements_more"),
    path("activities/state", documents.state, name="activity_state"),
    path("activities/profile", documents.activity_profile, name="activity_profile"),
    path("activities", documents.activities, name="activities"),
    path("agents/profile", documents.agent_profile, name="agent_profile"),
    path("agents", documents.agents_resource, name="agents"),
    # the office's pages of outside LRSs and LRS clients (forwarding)
    path("office/", include("openclass.xapi.office_urls")),
]
