"""HTTP side of the media app: the tus endpoints, status polls, "my videos" and HLS serving.

Views check the request and call ``services``; the rules live there. Who may upload is the
capability "media.upload"; which videos a user may follow is ``media.access``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import AuthenticatedRequest, User
from openclass.core.params import parse_int
from openclass.core.storage import stored_file_response

from . import access, services
from .models import Upload, Video

TUS_CONTENT_TYPE = "application/offset+octet-stream"
TUS_OCTET_STREAM = "application/octet-stream"


# --- tus 1.0.0 (core, creation, termination) -----------------------------------------------------
def _tus_response(status: int, message: str = "", **headers: str) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Tus-Resumable"] = services.TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _video_headers(upload: Upload) -> dict[str, str]:
    """Tell the browser which video the upload became, so the widget can fill in its form."""
    return {
        "OpenClass_Video_Id": str(upload.video_id),
        "OpenClass_Status_Url": reverse("media:status", args=[upload.video_id]),
    }


@method_decorator(never_cache, name="dispatch")
class TusView(View):
    """Shared checks: the Tus-Resumable version and who may upload (so past ``dispatch`` the
    user holds "media.upload": signed in, hence the subclasses' ``AuthenticatedRequest``)."""

    http_method_names = ["options"]

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.method == "OPTIONS":
            return self.options(request, *args, **kwargs)
        if request.headers.get("Tus-Resumable") != services.TUS_VERSION:
            return _tus_response(
                412,
                _("This server speaks tus version 1.0.0."),
                Tus_Version=services.TUS_VERSION,
            )
        if not has_capability(request.user, "media.upload"):
            return _tus_response(403, _("Only teachers, instructors and admins may upload videos."))
        return super().dispatch(request, *args, **kwargs)

    def options(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return _tus_response(
            204,
            Tus_Version=services.TUS_VERSION,
            Tus_Extension=",".join(services.TUS_EXTENSIONS),
            Tus_Max_Size=str(settings.UPLOAD_MAX_BYTES),
        )


class UploadCreateView(TusView):
    http_method_names = ["options", "post"]

    def post(self, request: AuthenticatedRequest) -> HttpResponse:
        length = parse_int(request.headers.get("Upload-Length", ""))
        if length is None:
            return _tus_response(400, _("Upload-Length is missing or not a number."))
        if length == 0:
            return _tus_response(400, _("The file is empty."))
        if length > settings.UPLOAD_MAX_BYTES:
            limit_mb = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
            return _tus_response(
                413,
                _("The file is larger than the limit of %(limit)s MB.") % {"limit": limit_mb},
            )
        try:
            metadata = services.parse_upload_metadata(request.headers.get("Upload-Metadata", ""))
        except ValueError:
            return _tus_response(400, _("Upload-Metadata is not valid."))
        filetype = metadata.get("filetype", "")
        if filetype and not filetype.startswith("video/") and filetype != TUS_OCTET_STREAM:
            return _tus_response(415, str(Video.Failure.NOT_VIDEO.label))
        upload = services.create_upload(request.user, length, metadata)
        return _tus_response(
            201,
            Location=reverse("media:tus_upload", args=[upload.key]),
            **_video_headers(upload),
        )


class UploadView(TusView):
    http_method_names = ["options", "head", "patch", "delete"]

    def _upload(self, request: AuthenticatedRequest, key: str) -> Upload:
        upload = services.find_upload(request.user, key)
        if upload is None:
            raise Http404
        return upload

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            return _tus_response(404, _("No such upload."))

    def head(self, request: AuthenticatedRequest, key: str) -> HttpResponse:
        upload = self._upload(request, key)
        return _tus_response(
            200,
            Upload_Offset=str(upload.offset),
            Upload_Length=str(upload.length),
            **_video_headers(upload),
        )

    def patch(self, request: AuthenticatedRequest, key: str) -> HttpResponse:
        upload = self._upload(request, key)
        if request.content_type != TUS_CONTENT_TYPE:
            return _tus_response(415, _("Send the bytes as application/offset+octet-stream."))
        offset = parse_int(request.headers.get("Upload-Offset", ""))
        if offset is None:
            return _tus_response(400, _("Upload-Offset is missing or not a number."))
        try:
            upload = services.write_chunk(
                upload,
                offset,
                request,
                content_length=parse_int(request.headers.get("Content-Length", "")),
            )
        except services.UploadError as error:
            return _tus_response(error.status, error.message, Upload_Offset=str(upload.offset))
        return _tus_response(204, Upload_Offset=str(upload.offset), **_video_headers(upload))

    def delete(self, request: AuthenticatedRequest, key: str) -> HttpResponse:
        upload = self._upload(request, key)
        try:
            services.terminate_upload(upload)
        except services.UploadError as error:
            return _tus_response(error.status, error.message)
        return _tus_response(204)


# --- Status --------------------------------------------------------------------------------------
def _managed_video(user: User, pk: int) -> Video:
    return get_object_or_404(access.manageable_videos(user), pk=pk)


@require_GET
@never_cache
def status(request: HttpRequest, pk: int) -> JsonResponse:
    """JSON for scripts polling a video until it is ready."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Log in first.")}, status=403)
    video = _managed_video(request.user, pk)
    return JsonResponse(services.video_status(video))


@login_required
@require_GET
@never_cache
def status_fragment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The status as an HTML fragment; htmx polls it every 2 s until the video is ready."""
    video = _managed_video(request.user, pk)
    return render(request, "media/_status.html", {"video": video})


@login_required
@require_POST
def retry(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Try a failed conversion again ("Try again" under the failure reason)."""
    video = _managed_video(request.user, pk)
    services.retry_transcode(video)
    return redirect("media:detail", pk=video.pk)


# --- Pages ---------------------------------------------------------------------------------------
@login_required
@require_GET
def my_videos(request: AuthenticatedRequest) -> HttpResponse:
    """A teacher's videos with their state, and the form to upload a new one."""
    require_capability(request.user, "media.upload")
    return render(
        request,
        "media/my_videos.html",
        {
            "videos": access.owned_videos(request.user),
            "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        },
    )


@login_required
@require_GET
def video_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One video for its uploader (or an admin): the player once ready, the status before."""
    video = _managed_video(request.user, pk)
    return render(
        request,
        "media/video_detail.html",
        {
            "video": video,
            "src": services.playback_url(video, request.user),
            "poster": services.poster_url(video, request.user),
        },
    )


# --- HLS files -----------------------------------------------------------------------------------
@require_GET
def hls_file(request: HttpRequest, token: str, name: str) -> HttpResponseBase:
    """Serve one playlist, segment or poster of a ready video to the user its token was made for.

    Relative URLs in the playlists resolve under the same ``<token>/`` prefix, so one token
    covers the master playlist, every rendition and every segment.
    """
    try:
        video_id = services.read_playback_token(token, request.user)
    except services.PlaybackDenied as error:
        raise PermissionDenied from error
    video = Video.objects.filter(pk=video_id).first()
    found = services.resolve_hls_file(video, name) if video else None
    if found is None:
        raise Http404
    name, content_type = found
    # Behind nginx with a filesystem storage, nginx sends the file; else the app streams it.
    response = stored_file_response(
        name, content_type, accel_prefix=settings.VIDEO_ACCEL_REDIRECT_PREFIX
    )
    # Private: the URL is personal. Segments never change; playlists of a ready video neither.
    response["Cache-Control"] = "private, max-age=3600"
    return response
