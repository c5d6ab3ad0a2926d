"""Video rules: resumable uploads, checking, HLS transcoding, signed playback.

Other apps call these functions and never touch the files: ``playback_url`` and ``poster_url`` for
a video they have decided the user may watch, ``video_status`` to show processing state, and
``create_video_from_file`` for demo data. Who may upload is the capability "media.upload"; which
videos a user may follow or attach to a lesson is ``media.access``.

Files are stored through Django's storage API (``openclass.core.storage``: a shared directory
or S3-compatible object storage; never served as plain static files)::

    videos/<video key>/original.<ext>   the uploaded file, kept even when conversion fails
    videos/<video key>/hls-<n>/         master.m3u8, <rung>/index.m3u8 + segments, poster.jpg

An unfinished tus upload's bytes are appended on disk, in ``MEDIA_SPOOL_DIR``::

    uploads/<upload key>.part           bytes received so far

and the finished file goes into the storage. ffprobe and ffmpeg work on local files: the stored
original itself on a filesystem storage, a copy in ``MEDIA_SPOOL_DIR/work`` otherwise; the HLS
set is made there and stored under a new ``hls-<n>`` name, which the video row switches to in
one save (a half-stored set is never served; the old set is deleted after).
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import logging
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Protocol

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.http import UnreadablePostError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from openclass.accounts.models import User
from openclass.core import ffmpeg
from openclass.core import storage as stored

from .models import Upload, Video

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = ("creation", "termination")
# File name endings kept on the stored original. Anything else is stored with no ending at all:
# ffprobe then judges the content alone, and "notes.txt" (or ".bin") cannot steer it to one of
# its text-art demuxers, which would call the text a video.
VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".wmv", ".mpg", ".mpeg", ".ts", ".mts"}
    | {".m2ts", ".3gp", ".flv", ".ogv"}
)
WRITE_BLOCK = 1024 * 1024
PROGRESS_INTERVAL = 2.0  # seconds between progress writes to the Video row
# A transcode touches its row at least this often (its heartbeat), even when the percentage
# stands still (a long video: 1 % of two hours is more than a minute of ffmpeg's time).
HEARTBEAT_SECONDS = 60.0
# A video waiting or converting whose row has not moved for this long lost its task: the
# consumer was killed mid-transcode, or Redis lost the queue. ``requeue_stalled_transcodes``
# queues it again.
STALLED_AFTER = timedelta(minutes=10)
STALE_UPLOAD_AGE = timedelta(days=3)
_PLAYBACK_SALT = "openclass.media.playback"
Failure = Video.Failure


# --- Paths --------------------------------------------------------------------------------------
def spooled(relative: str) -> Path:
    """An unfinished upload's part file on this host's spool (never in the shared storage)."""
    return Path(settings.MEDIA_SPOOL_DIR) / relative


def _video_dir(video: Video) -> str:
    return f"videos/{video.key}"


def _original_name(filename: str) -> str:
    suffix = PurePosixPath(filename.lower()).suffix
    return f"original{suffix if suffix in VIDEO_SUFFIXES else ''}"


# --- tus uploads ---------------------------------------------------------------------------------
class UploadError(Exception):
    """A tus request the server refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_upload_metadata(header: str) -> dict[str, str]:
    """Decode tus ``Upload-Metadata``: comma-separated "key base64(value)" pairs."""
    metadata: dict[str, str] = {}
    for pair in header.split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _sep, encoded = pair.partition(" ")
        try:
            value = base64.b64decode(encoded.strip(), validate=True).decode() if encoded else ""
        except (binascii.Error, UnicodeDecodeError) as error:
            raise ValueError(key) from error
        metadata[key] = value
    return metadata


def _clean_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()[:255]


def create_upload(owner: User, length: int, metadata: dict[str, str]) -> Upload:
    """Start a tus upload: a placeholder ``Video`` (status "uploading") and an empty part file.

    The title defaults to the file name without its ending. The caller has checked "media.upload"
    and the size limit.
    """
    filename = _clean_filename(metadata.get("filename", ""))
    title = (metadata.get("title") or "").strip() or PurePosixPath(filename).stem or filename
    video = Video.objects.create(
        uploaded_by=owner,
        title=title[:200] or gettext("Untitled video"),
        original_name=filename,
        size_bytes=length,
    )
    upload = Upload(owner=owner, video=video, length=length, filename=filename)
    upload.part_path = f"uploads/{upload.key}.part"
    part = spooled(upload.part_path)
    part.parent.mkdir(parents=True, exist_ok=True)
    part.touch()
    upload.save()
    return upload


def find_upload(owner: User, key: str) -> Upload | None:
    """The upload ``key`` if ``owner`` created it; another user's upload is simply not found."""
    if not owner.is_authenticated:
        return None
    return Upload.objects.select_related("video").filter(key=key, owner=owner).first()


class Body(Protocol):
    """What ``write_chunk`` reads a PATCH body from: the request itself, or any binary file."""

    def read(self, size: int, /) -> bytes: ...


def write_chunk(
    upload: Upload, offset: int, body: Body, *, content_length: int | None = None
) -> Upload:
    """Append a PATCH body at ``offset`` to the part file, streaming it in 1 MB blocks.

    A lock on the part file makes two requests for the same upload wait for each other (a client
    retrying while its first request still runs); the one that finds the offset moved gets 409.
    Bytes beyond the recorded offset (a crash between write and save) are cut off first. When
    the connection drops mid-body the bytes that arrived are kept, as tus asks, so the client
    resumes from there.
    """
    if content_length is not None and offset + content_length > upload.length:
        raise UploadError(400, gettext("The upload does not add up. Try again."))
    path = spooled(upload.part_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+b") as part:
        fcntl.flock(part, fcntl.LOCK_EX)
        upload.refresh_from_db(fields=["offset"])
        if upload.offset != offset:
            raise UploadError(409, gettext("The upload is elsewhere than expected. Try again."))
        if os.fstat(part.fileno()).st_size < offset:
            # The bytes so far are in another host's spool: tus requests of one upload must
            # reach one host (docs/decisions/0010-file-storage.md).
            logger.error("upload %s: part file shorter than its offset here", upload.key)
            raise UploadError(
                500, gettext("This server does not hold the upload. Try again later.")
            )
        part.seek(offset)
        part.truncate()
        written = 0
        room = upload.length - offset
        try:
            while block := body.read(WRITE_BLOCK):
                if written + len(block) > room:
                    part.truncate(offset)
                    raise UploadError(
                        400, gettext("More data arrived than the file holds. Try again.")
                    )
                part.write(block)
                written += len(block)
        except (OSError, UnreadablePostError):
            logger.info("upload %s: connection dropped after %d bytes", upload.key, written)
        part.flush()
        os.fsync(part.fileno())
        updated = Upload.objects.filter(pk=upload.pk, offset=offset).update(
            offset=offset + written, updated_at=timezone.now()
        )
    if not updated:
        raise UploadError(409, gettext("Another request got there first. Try again."))
    upload.offset = offset + written
    if upload.is_complete:
        finish_upload(upload)
    return upload


def finish_upload(upload: Upload) -> Video:
    """The last byte arrived: check the file, store it as the video's original, queue the
    transcode."""
    video = upload.video
    with _named_copy(upload.filename) as local:
        os.replace(spooled(upload.part_path), local)
        Upload.objects.filter(pk=upload.pk).update(completed_at=timezone.now())
        video.size_bytes = upload.length
        _store_original(video, local)
        checked = check_video(video, local)
    if checked:
        queue_transcode(video)
    return video


@contextmanager
def _named_copy(filename: str) -> Iterator[Path]:
    """A scratch path named as the stored original will be (``original.<ext>``), removed after."""
    folder = Path(tempfile.mkdtemp(dir=stored.scratch_dir()))
    try:
        yield folder / _original_name(filename)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _store_original(video: Video, local: Path) -> None:
    """Store ``local`` as the video's original (a hard link keeps it for the check that follows
    when the storage moves files into place)."""
    keep = local.with_name(f"stored-{local.name}")
    os.link(local, keep)
    name = f"{_video_dir(video)}/{local.name}"
    video.original_path = stored.save_file(name, keep, move=True)
    video.status = Video.Status.CHECKING
    video.save(update_fields=["original_path", "size_bytes", "status", "updated_at"])


def terminate_upload(upload: Upload) -> None:
    """tus termination: forget an unfinished upload, its bytes and its placeholder video.

    A finished upload is a video by now (perhaps already in a lesson): it is deleted as a video,
    not through the upload protocol.
    """
    if upload.completed_at or upload.is_complete:
        raise UploadError(409, gettext("The upload is complete: delete the video instead."))
    spooled(upload.part_path).unlink(missing_ok=True)
    video = upload.video
    upload.delete()
    video.delete()


def cleanup_stale_uploads(older_than: timedelta = STALE_UPLOAD_AGE) -> int:
    """Delete unfinished uploads nobody touched for ``older_than``; returns how many."""
    stale = Upload.objects.filter(
        completed_at__isnull=True, updated_at__lt=timezone.now() - older_than
    ).select_related("video")
    count = 0
    for upload in stale:
        terminate_upload(upload)
        count += 1
    return count


# --- Checking and transcoding -------------------------------------------------------------------
def _fail(video: Video, code: str, detail: str = "") -> None:
    video.status = Video.Status.FAILED
    video.error_code = code
    video.error_detail = detail[:2000]
    video.save(update_fields=["status", "error_code", "error_detail", "updated_at"])


def check_video(video: Video, local: Path | None = None) -> bool:
    """ffprobe the original: a video stream and a length, or the video fails with the reason.

    A renamed PDF or a text file is refused here, before a transcode slot is spent on it.
    ``local``: a copy of the original already on this host (else one is fetched).
    """
    try:
        if local is not None:
            info = ffmpeg.probe(local)
        else:
            with stored.local_copy(video.original_path) as path:
                info = ffmpeg.probe(path)
    except FileNotFoundError:
        _fail(video, Failure.MISSING_ORIGINAL, f"missing: {video.original_path}")
        return False
    except ffmpeg.ProbeError as error:
        _fail(video, error.code, error.detail)
        return False
    video.duration = info.duration
    video.width = info.width
    video.height = info.height
    video.has_audio = info.has_audio
    video.status = Video.Status.QUEUED
    video.progress = 0
    video.error_code = ""
    video.error_detail = ""
    video.save(
        update_fields=[
            "duration",
            "width",
            "height",
            "has_audio",
            "status",
            "progress",
            "error_code",
            "error_detail",
            "updated_at",
        ]
    )
    return True


def queue_transcode(video: Video) -> None:
    """Hand the transcode to the Huey consumer once the current transaction commits."""
    _queue_on_commit(video.pk)


def _queue_on_commit(video_id: int) -> None:
    from .tasks import transcode_video_task

    transaction.on_commit(lambda: transcode_video_task(video_id))


def _progress_writer(video: Video) -> Callable[[float], None]:
    """A callback saving ffmpeg's progress (out_time vs duration) at most every 2 seconds."""
    duration = video.duration or 0
    last = {"at": 0.0, "percent": -1}

    def report(seconds: float) -> None:
        now = time.monotonic()
        percent = min(99, int(seconds * 100 / duration)) if duration else 0
        if now - last["at"] < PROGRESS_INTERVAL:
            return
        if percent == last["percent"] and now - last["at"] < HEARTBEAT_SECONDS:
            return
        last["at"], last["percent"] = now, percent
        Video.objects.filter(pk=video.pk).update(progress=percent, updated_at=timezone.now())

    return report


def transcode_video(video: Video | int) -> Video:
    """Convert the original to adaptive HLS (360p and 720p, H.264 + AAC) and a poster JPEG.

    The plain function behind the Huey task; tests and demo data call it directly. ffmpeg writes
    into a scratch folder of this host; the finished set is stored under a new
    ``videos/<key>/hls-<n>`` name and the video switches to it in one save, so a half-stored set
    is never served and a retry starts clean; the previous set is deleted after. On failure the
    video is marked failed with a plain reason and ffmpeg's last error line, and the original
    file is kept for another try.
    """
    video = Video.objects.get(pk=video.pk if isinstance(video, Video) else video)
    try:
        with stored.local_copy(video.original_path) as source:
            return _transcode(video, source)
    except FileNotFoundError:
        _fail(video, Failure.MISSING_ORIGINAL, f"missing: {video.original_path}")
        return video


def _transcode(video: Video, source: Path) -> Video:
    try:
        info = ffmpeg.probe(source)
    except ffmpeg.ProbeError as error:
        _fail(video, Failure.TRANSCODE if video.duration else error.code, error.detail)
        return video
    if not _claim(video, info.duration):
        logger.info("video %s: already converted, or being converted elsewhere", video.pk)
        video.refresh_from_db()
        return video
    work = Path(tempfile.mkdtemp(dir=stored.scratch_dir())) / "hls"
    hls_dir = f"{_video_dir(video)}/hls-{secrets.token_hex(4)}"
    started = time.monotonic()
    try:
        ffmpeg.transcode_hls(source, work, info, on_progress=_progress_writer(video))
        ffmpeg.make_poster(source, work / "poster.jpg", info.duration)
        renditions = ffmpeg.read_master_playlist(work / "master.m3u8")
        stored.save_tree(work, hls_dir)
    except Exception as error:  # ffmpeg's failure, or the storage's (OSError, S3's errors)
        stored.delete_tree(hls_dir)
        detail = getattr(error, "detail", "") or f"{type(error).__name__}: {error}"
        logger.warning("video %s: transcode failed: %s", video.pk, detail)
        _fail(video, Failure.TRANSCODE, detail)
        return video
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
    previous = video.hls_dir
    video.hls_dir = hls_dir
    video.poster_path = f"{video.hls_dir}/poster.jpg"
    video.renditions = renditions
    video.status = Video.Status.READY
    video.progress = 100
    video.error_code = ""
    video.error_detail = ""
    video.save()
    if previous and previous != hls_dir:
        stored.delete_tree(previous)
    logger.info(
        "video %s: %.0f s transcoded in %.1f s", video.pk, info.duration, time.monotonic() - started
    )
    return video


def _claim(video: Video, duration: float) -> bool:
    """Mark ``video`` as converting, unless a live transcode has it: the one ``UPDATE`` two
    tasks for one video race on (a task queued again by ``requeue_stalled_transcodes`` while
    the first was only slow), so only one converts."""
    now = timezone.now()
    alive = Q(status=Video.Status.TRANSCODING, updated_at__gte=now - STALLED_AFTER)
    claimed = Video.objects.filter(~alive, pk=video.pk).update(
        status=Video.Status.TRANSCODING, progress=0, duration=duration, updated_at=now
    )
    if claimed:
        video.status, video.progress, video.duration = Video.Status.TRANSCODING, 0, duration
    return bool(claimed)


def requeue_stalled_transcodes(now: datetime | None = None) -> list[int]:
    """Queue again the videos whose transcode was lost (see ``STALLED_AFTER``): nothing the
    teacher was told is uploaded stays "processing" for good when the Huey consumer is killed
    or Redis loses its queue. Their rows are touched, so each is queued once per period; a
    transcode still alive but slow keeps the video (``_claim``). The ids queued."""
    now = now or timezone.now()
    with transaction.atomic():
        stalled = list(
            Video.objects.select_for_update(skip_locked=True)
            .filter(
                status__in=(Video.Status.QUEUED, Video.Status.TRANSCODING),
                updated_at__lt=now - STALLED_AFTER,
            )
            .values_list("pk", flat=True)
        )
        if not stalled:
            return []
        Video.objects.filter(pk__in=stalled).update(status=Video.Status.QUEUED, updated_at=now)
        for pk in stalled:
            logger.warning("video %s: its transcode was lost; queued again", pk)
            _queue_on_commit(pk)
    return stalled


def retry_transcode(video: Video) -> bool:
    """Queue a failed conversion again (the original was kept for this). False if it cannot be:
    the video did not fail in conversion, or its file is not a video after all."""
    if video.status != Video.Status.FAILED or video.error_code not in (Failure.TRANSCODE, ""):
        return False
    video.status = Video.Status.CHECKING
    video.save(update_fields=["status", "updated_at"])
    if not check_video(video):
        return False
    queue_transcode(video)
    return True


def create_video_from_file(
    path: Path | str, owner: User, title: str, *, transcode_now: bool = True
) -> Video:
    """Make a video from a file on this server (demo data, imports), as if it had been uploaded.

    The file is copied into the storage, checked with ffprobe and then transcoded right away
    (``transcode_now``) or queued for the Huey consumer. A file that is not a video gives a failed
    video, not an error.
    """
    path = Path(path)
    video = Video.objects.create(
        uploaded_by=owner,
        title=title[:200],
        original_name=path.name,
        status=Video.Status.CHECKING,
    )
    with _named_copy(path.name) as local:
        shutil.copyfile(path, local)
        video.size_bytes = local.stat().st_size
        _store_original(video, local)
        checked = check_video(video, local)
    if checked:
        if transcode_now:
            return transcode_video(video)
        queue_transcode(video)
    video.refresh_from_db()
    return video


def delete_video_files(video: Video) -> None:
    """Remove everything stored for ``video`` (called after the row is deleted)."""
    if video.key:
        stored.delete_tree(_video_dir(video))


# --- Status --------------------------------------------------------------------------------------
def video_status(video: Video) -> dict:
    """What a status poll shows: the state, a percentage while converting, the reason on failure."""
    return {
        "id": video.pk,
        "title": video.title,
        "status": video.status,
        "status_label": str(video.get_status_display()),
        "progress": video.progress,
        "processing": video.is_processing,
        "ready": video.is_ready,
        "failed": video.is_failed,
        "error": video.error,
        "duration": video.duration,
        "width": video.width,
        "height": video.height,
    }


# --- Signed playback -----------------------------------------------------------------------------
class PlaybackDenied(Exception):
    """The playback token is forged, expired, or belongs to someone else."""


CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/mp4",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
}


def playback_token(video: Video, user: User) -> str:
    """A signed, timestamped token naming the video and the viewer (see ``playback_url``)."""
    return signing.dumps([video.pk, user.pk], salt=_PLAYBACK_SALT)


def read_playback_token(token: str, user: User | AnonymousUser) -> int:
    """The video id in ``token`` if it is genuine, unexpired and was issued to ``user``."""
    try:
        video_id, user_id = signing.loads(
            token, salt=_PLAYBACK_SALT, max_age=settings.VIDEO_PLAYBACK_TOKEN_MAX_AGE
        )
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise PlaybackDenied(str(error)) from error
    if not user.is_authenticated or user.pk != user_id:
        raise PlaybackDenied("token issued to another user")
    return int(video_id)


def playback_url(video: Video, user: User) -> str:
    """URL of the master playlist for ``user``, or "" while the video is not ready.

    The caller has decided that ``user`` may watch ``video`` (courses knows who is enrolled;
    media does not). The URL carries a token bound to the video and the user that expires after
    ``VIDEO_PLAYBACK_TOKEN_MAX_AGE`` seconds, so a copied link works for nobody else and not for
    long. Renditions and segments are relative to the playlist and share the same signed prefix.
    """
    if not video.is_ready or not user.is_authenticated:
        return ""
    return reverse("media:hls", args=[playback_token(video, user), "master.m3u8"])


def poster_url(video: Video, user: User) -> str:
    """URL of the poster JPEG for ``user`` (same token rules as ``playback_url``), or ""."""
    if not video.is_ready or not video.poster_path or not user.is_authenticated:
        return ""
    return reverse("media:hls", args=[playback_token(video, user), "poster.jpg"])


def resolve_hls_file(video: Video, name: str) -> tuple[str, str] | None:
    """The stored name of the file ``name`` inside the video's HLS folder and its content type,
    or None.

    Only the kinds of file a player needs are served, and nothing outside the folder: no "..",
    no hidden files, no absolute paths, and the file must be stored.
    """
    if not video.is_ready or not video.hls_dir:
        return None
    parts = name.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in CONTENT_TYPES:
        return None
    target = f"{video.hls_dir}/{'/'.join(parts)}"
    if not default_storage.exists(target):
        return None
    return target, CONTENT_TYPES[suffix]
