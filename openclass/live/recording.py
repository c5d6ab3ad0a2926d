"""Recording a live class: Janus writes each recorded stream to a ``.mjr`` file; after class,
``janus-pp-rec`` turns the teacher's audio and video (and their screen shares) into Opus and
VP8 files, ffmpeg puts them together with their real offsets (a shared screen fills the
picture, the camera in a corner), and the result enters the platform's video pipeline (ffprobe
check, HLS transcode, signed playback) as the teacher's video. It stays private until the
teacher shares it with the course, when it becomes a lesson and the students who missed the
class are assigned it (the host's commands are ``services.recordings``).
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from openclass.core import ffmpeg

from .models import LiveRoom, Participant, Recording, Stay, Ticket

logger = logging.getLogger(__name__)


class RecordingFailed(RuntimeError):
    """What the teacher is told on the class's attendance page (``str``, in their words); the
    tool's own output (``detail``) goes to the log only."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


PP_REC = "janus-pp-rec"
TIMEOUT = 1800
# videoroom-<room>-user-<feed>-<µs>-<audio|video>-<n>.mjr (Janus 1.x VideoRoom).
FILE_NAME = re.compile(r"^videoroom-(\d+)-user-(\d+)-(\d+)-(audio|video)-\d+\.mjr$")


def folder(room: LiveRoom) -> Path:
    return settings.LIVE_RECORDINGS_DIR / str(room.main.pk)


@dataclass
class Feed:
    feed_id: int
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(path.stat().st_size for path in self.files.values())


def feeds_in(directory: Path, janus_rooms: set[int]) -> dict[int, Feed]:
    """The finished recordings in ``directory`` of the given Janus rooms, by feed."""
    feeds: dict[int, Feed] = {}
    for path in sorted(directory.glob("*.mjr")):
        match = FILE_NAME.match(path.name)
        if not match or int(match.group(1)) not in janus_rooms:
            continue
        feed = feeds.setdefault(int(match.group(2)), Feed(int(match.group(2))))
        # A feed recorded twice (stopped and started again) keeps its longest file per kind.
        kind = match.group(4)
        if kind not in feed.files or path.stat().st_size > feed.files[kind].stat().st_size:
            feed.files[kind] = path
    return feeds


def _run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (fixed tools, our own paths)
        command, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def first_packet_us(mjr: Path) -> int:
    """When the first packet of a recording arrived (µs), from its header."""
    result = _run([PP_REC, "-j", str(mjr)])
    try:
        return int(json.loads(result.stdout.strip().splitlines()[-1])["u"])
    except (ValueError, KeyError, IndexError) as error:
        raise RecordingFailed(_("The recording file cannot be read."), mjr.name) from error


def convert(mjr: Path, target: Path) -> Path:
    result = _run([PP_REC, "-o", str(mjr), str(target)])
    if result.returncode != 0 or not target.exists() or target.stat().st_size == 0:
        raise RecordingFailed(
            _("The recording could not be converted."), f"{mjr.name}: {result.stderr[-200:]}"
        )
    return target


def merge(feed: Feed, work: Path) -> Path:
    """One WebM of a feed's video and audio, the audio shifted by its real offset."""
    video = feed.files.get("video")
    audio = feed.files.get("audio")
    if video is None:
        raise RecordingFailed(_("The teacher's camera was not recorded."))
    video_file = convert(video, work / "video.webm")
    if audio is None:
        return video_file
    audio_file = convert(audio, work / "audio.opus")
    offset = (first_packet_us(audio) - first_packet_us(video)) / 1_000_000
    out = work / "class.webm"
    command = [
        settings.FFMPEG_BINARY, "-nostdin", "-y", "-loglevel", "error",
        "-i", str(video_file), "-itsoffset", f"{offset:.3f}", "-i", str(audio_file),
        "-map", "0:v:0", "-map", "1:a:0", "-c", "copy", str(out),
    ]  # fmt: skip
    result = _run(command)
    if result.returncode != 0 or not out.exists():
        raise RecordingFailed(_("The recording could not be merged."), result.stderr[-200:])
    return out


# The recording's picture: the teacher's camera, or what they share with the camera small in a
# corner while they share it.
CANVAS_WIDTH, CANVAS_HEIGHT, FRAME_RATE = 1280, 720, 25
CORNER_WIDTH, CORNER_MARGIN = 320, 24


@dataclass(frozen=True)
class Track:
    """A converted stream and where it falls in the recording (seconds from its start)."""

    path: Path
    start: float
    length: float = 0.0

    @property
    def end(self) -> float:
        return self.start + self.length


def _fit(label_in: str, start: float, label_out: str, width: int, height: int) -> str:
    """A stream scaled into ``width``×``height`` (letterboxed), placed at ``start``."""
    return (
        f"[{label_in}]fps={FRAME_RATE},"
        f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1,"
        f"setpts=PTS-STARTPTS+{start:.3f}/TB[{label_out}]"
    )


def composite_command(
    camera: Track | None, audio: Track | None, screens: list[Track], out: Path
) -> list[str]:
    """The ffmpeg arguments that lay the teacher's screen shares over their camera: the
    camera fills the picture; while a screen is shared it does, with the camera in the
    bottom-right corner. Without a camera the picture is black between shares."""
    inputs: list[str] = []
    graph: list[str] = []
    tracks = [track for track in (camera, audio, *screens) if track is not None]
    total = max(track.end for track in tracks)
    graph.append(
        f"color=c=black:s={CANVAS_WIDTH}x{CANVAS_HEIGHT}:r={FRAME_RATE}:d={total:.3f}[canvas]"
    )
    base = "canvas"
    index = 0
    corner = None
    if camera is not None:
        inputs += ["-i", str(camera.path)]
        graph.append(f"[{index}:v]split[camera_in][corner_in]")
        graph.append(_fit("camera_in", camera.start, "camera", CANVAS_WIDTH, CANVAS_HEIGHT))
        graph.append(f"[{base}][camera]overlay=eof_action=pass[with_camera]")
        base, corner = "with_camera", index
        index += 1
    audio_index = None
    if audio is not None:
        inputs += ["-itsoffset", f"{audio.start:.3f}", "-i", str(audio.path)]
        audio_index = index
        index += 1
    shown = []
    for number, screen in enumerate(screens):
        inputs += ["-i", str(screen.path)]
        graph.append(
            _fit(f"{index}:v", screen.start, f"screen{number}", CANVAS_WIDTH, CANVAS_HEIGHT)
        )
        window = f"between(t,{screen.start:.3f},{screen.end:.3f})"
        graph.append(
            f"[{base}][screen{number}]overlay=eof_action=pass:enable='{window}'[shared{number}]"
        )
        base = f"shared{number}"
        shown.append(window)
        index += 1
    if camera is not None and corner is not None and shown:
        height = CORNER_WIDTH * CANVAS_HEIGHT // CANVAS_WIDTH
        graph.append(_fit("corner_in", camera.start, "corner", CORNER_WIDTH, height))
        graph.append(
            f"[{base}][corner]overlay=W-w-{CORNER_MARGIN}:H-h-{CORNER_MARGIN}:"
            f"eof_action=pass:enable='{'+'.join(shown)}'[picture]"
        )
    else:
        graph.append(f"[{base}]null[picture]")
    command = [settings.FFMPEG_BINARY, "-nostdin", "-y", "-loglevel", "error", *inputs]
    command += ["-filter_complex", ";".join(graph), "-map", "[picture]"]
    if audio_index is not None:
        command += ["-map", f"{audio_index}:a:0", "-c:a", "aac", "-b:a", "96k"]
    command += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
    command += ["-t", f"{total:.3f}", "-movflags", "+faststart", str(out)]
    return command


def compose(camera: Feed | None, screens: list[Feed], work: Path) -> Path:
    """One video of the class from the teacher's camera and microphone and their screen
    shares, each placed by when its first packet arrived (the .mjr headers)."""
    camera_video = camera.files["video"] if camera is not None else None
    microphone = camera.files.get("audio") if camera is not None else None
    shares = [feed.files["video"] for feed in screens if "video" in feed.files]
    starts = {mjr: first_packet_us(mjr) for mjr in [camera_video, microphone, *shares] if mjr}
    zero = min(starts.values())

    def track(mjr: Path, name: str, with_length: bool = True) -> Track:
        converted = convert(mjr, work / name)
        length = ffmpeg.probe(converted).duration if with_length else 0.0
        return Track(converted, (starts[mjr] - zero) / 1_000_000, length)

    camera_track = track(camera_video, "camera.webm") if camera_video else None
    audio_track = track(microphone, "audio.opus", with_length=False) if microphone else None
    screen_tracks = [track(mjr, f"screen{n}.webm") for n, mjr in enumerate(shares)]
    out = work / "class.mp4"
    result = _run(composite_command(camera_track, audio_track, screen_tracks, out))
    if result.returncode != 0 or not out.exists():
        raise RecordingFailed(_("The recording could not be put together."), result.stderr[-200:])
    return out


def _host_feeds(room: LiveRoom, feeds: dict[int, Feed]) -> tuple[Feed | None, list[Feed]]:
    """The host's longest camera recording and their recorded screen shares (separate feeds,
    told apart by the ticket each was joined with)."""
    rooms = [room, *room.breakouts.all()]
    hosts = set(
        Stay.objects.filter(room__in=rooms, participant__role=Participant.Role.HOST).values_list(
            "feed_id", flat=True
        )
    )
    screens = set(
        Ticket.objects.filter(room__in=rooms, purpose=Ticket.Purpose.SCREEN).values_list(
            "feed_id", flat=True
        )
    )
    recorded = {
        feed_id: feed
        for feed_id, feed in feeds.items()
        if feed_id in hosts and "video" in feed.files
    }
    cameras = [feed for feed_id, feed in recorded.items() if feed_id not in screens]
    shares = [feed for feed_id, feed in recorded.items() if feed_id in screens]
    return max(cameras, key=lambda feed: feed.size, default=None), shares


def process(room_id: int) -> Recording:
    """After class: turn the room's recording into a video of the teacher (kept private)."""
    recording = Recording.objects.select_related("room__session__course").get(room_id=room_id)
    room = recording.room
    recording.status = Recording.Status.PROCESSING
    recording.save(update_fields=["status"])
    numbers = [
        *LiveRoom.objects.filter(pk=room.pk).values_list("janus_room", flat=True),
        *room.tickets.values_list("room__janus_room", flat=True),
    ]
    janus_rooms = {number for number in numbers if number is not None}
    try:
        feeds = feeds_in(folder(room), janus_rooms)
        camera, screens = _host_feeds(room, feeds)
        if camera is None and not screens:
            raise RecordingFailed(_("Nothing of the teacher was recorded."))
        with tempfile.TemporaryDirectory() as work:
            merged = (
                compose(camera, screens, Path(work))
                if screens or camera is None
                else merge(camera, Path(work))
            )
            from openclass.media import services as media

            title = _("Recording: %(title)s") % {"title": room.session.shown_title}
            video = media.create_video_from_file(
                merged, recording.started_by or room.session.course.owner, title,
                transcode_now=False,
            )  # fmt: skip
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        detail = error.detail if isinstance(error, RecordingFailed) else ""
        logger.warning("Recording of room %s failed: %s %s", room.pk, error, detail)
        recording.status = Recording.Status.FAILED
        recording.error = (
            str(error)
            if isinstance(error, RecordingFailed)
            else _("The recording could not be made.")
        )[:300]
        recording.save(update_fields=["status", "error"])
        return recording
    recording.video = video
    recording.status = Recording.Status.READY
    recording.save(update_fields=["video", "status"])
    return recording
