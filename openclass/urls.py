from django.contrib import admin
from django.urls import include, path

# Ids in paths are ``<id:pk>`` (registered there), never Django's unbounded ``int``.
import openclass.core.params  # noqa: F401

urlpatterns = [
    path("", include("openclass.web.urls")),
    path("accounts/", include("openclass.accounts.urls")),
    path("courses/", include("openclass.courses.urls")),
    path("assessments/", include("openclass.assessments.urls")),
    path("videos/", include("openclass.media.urls")),
    path("live/", include("openclass.live.urls")),
    path("operations/", include("openclass.operations.urls")),
    path("notifications/", include("openclass.notifications.urls")),
    path("privacy/", include("openclass.privacy.urls")),
    path("search/", include("openclass.search.urls")),
    path("lists/", include("openclass.lists.urls")),
    path("catalogs/", include("openclass.feeds.urls")),
    path("topics/", include("openclass.catalog.urls")),
    path("xapi/", include("openclass.xapi.urls")),
    path("demo-lrs/", include("openclass.xapi.demo_urls")),
    path("lti/", include("openclass.lti.urls")),
    path("demo-tool/", include("openclass.lti.demo_tool_urls")),
    path("", include("openclass.hub.urls")),
    # The OpenID Connect provider, in django-oauth-toolkit's namespace (its views reverse it).
    path("o/", include("openclass.hub.provider_urls")),
    path("api/", include("openclass.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
