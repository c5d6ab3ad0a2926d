"""Uploaded videos and the resumable uploads that bring them in.

A ``Video`` is the teacher-facing record: the original file, what ffprobe found in it, and the HLS
renditions ffmpeg made from it. An ``Upload`` is the state of one tus upload while bytes arrive;
it lives in the database (not a cache) so any worker process can take the next PATCH and a restart
loses nothing.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _new_key() -> str:
    return uuid.uuid4().hex


class Video(models.Model):
    """One uploaded video and its processing state.

    Paths are names in the file storage (``default_storage``: a directory or a bucket, see
    ``openclass.core.storage``), so the files can move with it.
    ``renditions`` lists what the transcode made: ``[{"name": "720p", "width": 1280,
    "height": 720, "bandwidth": 2928000, "playlist": "720p/index.m3u8"}, ...]``.
    """

    class Status(models.TextChoices):
        UPLOADING = "uploading", _("Uploading")
        CHECKING = "checking", _("Checking")
        QUEUED = "queued", _("Waiting for processing")
        TRANSCODING = "transcoding", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        """Why a video failed, stored as a code so the reason shows in the reader's language."""

        NOT_VIDEO = (
            "not_video",
            _(
                "This file is not a video we can play. "
                "Choose a video file such as MP4, MOV or WebM."
            ),
        )
        NO_DURATION = (
            "no_duration",
            _(
                "We could not read how long this video is. The file may be damaged; "
                "export it again and upload the new file."
            ),
        )
        TRANSCODE = (
            "transcode",
            _(
                "We could not convert this video for playback. The original file is kept; "
                "try again, or export the video as MP4 and upload it again."
            ),
        )
        MISSING_ORIGINAL = (
            "missing_original",
            _(
                "The uploaded file is missing on the server, so the video cannot be converted. "
                "Upload it again."
            ),
        )

    key = models.CharField(max_length=32, unique=True, default=_new_key, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="videos",
    )
    title = models.CharField(_("title"), max_length=200)
    original_path = models.CharField(_("original file"), max_length=500, blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    size_bytes = models.BigIntegerField(_("size in bytes"), default=0)
    duration = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    has_audio = models.BooleanField(_("has audio"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UPLOADING
    )
    progress = models.PositiveSmallIntegerField(_("processing progress (%)"), default=0)
    error_code = models.CharField(
        _("reason for failure"), max_length=20, choices=Failure.choices, blank=True
    )
    error_detail = models.TextField(_("technical detail"), blank=True)
    renditions = models.JSONField(_("renditions"), default=list, blank=True)
    hls_dir = models.CharField(_("HLS directory"), max_length=500, blank=True)
    poster_path = models.CharField(_("poster"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("video")
        verbose_name_plural = _("videos")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["uploaded_by", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def error(self) -> str:
        """The user-facing reason for a failure, in the current language ("" when none)."""
        return str(self.Failure(self.error_code).label) if self.error_code else ""

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def is_processing(self) -> bool:
        return self.status in (
            self.Status.CHECKING,
            self.Status.QUEUED,
            self.Status.TRANSCODING,
        )


class Upload(models.Model):
    """The server side of one tus upload (https://tus.io/protocols/resumable-upload).

    ``offset`` is the number of bytes safely on disk in the ``.part`` file (in the receiving host's
    ``MEDIA_SPOOL_DIR``); a client that lost its connection asks for it with HEAD and continues
    from there.
    """

    key = models.CharField(max_length=32, unique=True, default=_new_key, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="uploads",
    )
    video = models.OneToOneField(
        Video, verbose_name=_("video"), on_delete=models.CASCADE, related_name="upload"
    )
    length = models.BigIntegerField(_("length in bytes"))
    offset = models.BigIntegerField(_("bytes received"), default=0)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    part_path = models.CharField(max_length=500)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return f"{self.filename or self.key} ({self.offset}/{self.length})"

    @property
    def is_complete(self) -> bool:
        return self.offset >= self.length
