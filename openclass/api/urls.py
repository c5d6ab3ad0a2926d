"""``/api/``: the Open API, version 1 (namespace ``api-v1``: ninja's, one URL name per
operation), and the personal-token page (namespace ``api``)."""

from django.urls import include, path, re_path

from . import views
from .main import api, not_found

pages = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<id:pk>/revoke/", views.revoke_token, name="revoke_token"),
]

urlpatterns = [
    path("v1/", api.urls),
    re_path(r"^v1/", not_found),
    path("", include((pages, "api"))),
]
