"""GET /xapi/about (part three §2.8): the versions this LRS speaks; no credentials needed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from ..auth import LrsError, lrs_endpoint

#: Every version of 1.0 this LRS answers (requests name one in X-Experience-API-Version).
VERSIONS = ["1.0.3", "1.0.2", "1.0.1", "1.0.0"]


@lrs_endpoint(versioned=False)
def about(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        raise LrsError(405, "The about resource answers GET.", {"Allow": "GET, HEAD"})
    return JsonResponse({"version": VERSIONS})
