"""Thin wrappers around Debian's ffprobe and ffmpeg: what is in a file, and HLS out of it.

Nothing here knows about models or users; ``services`` decides what to do with the results. Every
call runs the real binaries (``settings.FFPROBE_BINARY`` / ``FFMPEG_BINARY``) with an argument list,
never a shell, so a file name cannot inject anything.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from django.conf import settings

PROBE_TIMEOUT = 120  # seconds; ffprobe reads headers only, a minute is already pathological
POSTER_TIMEOUT = 120

# Containers ffprobe opens for single pictures or text art: their "video stream" is no video.
_PICTURE_FORMATS = re.compile(r"^(image2|.*_pipe|tty|bin|xbin|adf|idf|gif|apng|webp|svg.*)$")
_TEXT_CODECS = frozenset({"ansi", "bintext", "xbin", "idf"})


@dataclass(frozen=True)
class Rung:
    """One rendition of the adaptive ladder: scaled to ``height``, capped bit rates."""

    name: str
    height: int
    video_kbps: int
    audio_kbps: int


# 360p for a weak connection or a phone on mobile data, 720p for a classroom screen. Lessons are
# mostly a teacher and slides, so 720p is enough and 1080p would double the transcode time here.
LADDER: tuple[Rung, ...] = (
    Rung("360p", 360, 800, 96),
    Rung("720p", 720, 2800, 128),
)
SEGMENT_SECONDS = 4
KEYFRAME_SECONDS = 2
MAX_FPS = 30


@dataclass(frozen=True)
class ProbeResult:
    format_name: str
    duration: float
    width: int
    height: int
    fps: float
    video_codec: str
    has_audio: bool


class ProbeError(Exception):
    """The file is not a playable video. ``code`` is a ``Video.Failure`` value."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


class TranscodeError(Exception):
    """ffmpeg failed; ``detail`` is its last error line."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


def _rate(value: str | None) -> float:
    try:
        return float(Fraction(value)) if value and value != "0/0" else 0.0
    except (ValueError, ZeroDivisionError):
        return 0.0


def _rotation(stream: dict) -> int:
    """Phone videos are stored sideways with a rotation flag; ffmpeg applies it when decoding."""
    for side_data in stream.get("side_data_list") or []:
        if "rotation" in side_data:
            return int(float(side_data["rotation"]))
    return int(float((stream.get("tags") or {}).get("rotate", 0) or 0))


def probe(path: Path) -> ProbeResult:
    """What ffprobe finds in ``path``; raises ``ProbeError`` unless it is a video with a length."""
    try:
        completed = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [
                settings.FFPROBE_BINARY,
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ProbeError("not_video", "ffprobe timed out") from error
    except OSError as error:  # ffprobe missing: the server's fault, not the file's
        raise ProbeError("transcode", f"cannot run ffprobe: {error}") from error
    if completed.returncode != 0:
        raise ProbeError("not_video", _last_line(completed.stderr))
    try:
        info = json.loads(completed.stdout or "{}")
    except json.JSONDecodeError as error:
        raise ProbeError("not_video", "ffprobe printed no JSON") from error
    fmt = info.get("format") or {}
    format_name = fmt.get("format_name", "")
    streams = info.get("streams") or []
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video"
        and not (s.get("disposition") or {}).get("attached_pic")
        and s.get("codec_name") not in _TEXT_CODECS
        and s.get("width")
        and s.get("height")
    ]
    if not videos or _PICTURE_FORMATS.match(format_name):
        raise ProbeError("not_video", f"no video stream (format {format_name or 'unknown'})")
    stream = videos[0]
    try:
        duration = float(fmt.get("duration") or stream.get("duration") or 0)
    except ValueError:
        duration = 0.0
    if duration <= 0.1:
        raise ProbeError("no_duration", f"duration {fmt.get('duration')!r}")
    width, height = int(stream["width"]), int(stream["height"])
    if abs(_rotation(stream)) % 180 == 90:
        width, height = height, width
    return ProbeResult(
        format_name=format_name,
        duration=duration,
        width=width,
        height=height,
        fps=_rate(stream.get("avg_frame_rate")) or _rate(stream.get("r_frame_rate")),
        video_codec=stream.get("codec_name", ""),
        has_audio=any(s.get("codec_type") == "audio" for s in streams),
    )


def _lower_priority(pid: int) -> None:
    """Let web requests win the CPU while a video converts (nice 10)."""
    # Not permitted, or not a Unix system: run at normal priority.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, pid, 10)


def hls_command(
    source: Path, out_dir: Path, info: ProbeResult, *, ladder: tuple[Rung, ...], threads: int
) -> list[str]:
    """The ffmpeg arguments for an adaptive HLS set: one pass decodes once and encodes each rung.

    Keyframes every 2 s, forced at the same times in every rung, so segments line up and the
    player can switch rendition at any segment boundary.
    """
    fps = f"fps={MAX_FPS}," if info.fps > MAX_FPS + 0.5 else ""
    outputs = "".join(f"[s{i}]" for i in range(len(ladder)))
    graph = [f"[0:v:0]{fps}split={len(ladder)}{outputs}"]
    graph += [f"[s{i}]scale=-2:{rung.height},format=yuv420p[v{i}]" for i, rung in enumerate(ladder)]
    command = [
        settings.FFMPEG_BINARY,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-nostats",
        "-progress",
        "pipe:1",
        "-y",
        "-threads",
        str(threads),
        "-i",
        str(source),
        "-filter_complex",
        ";".join(graph),
    ]
    stream_map = []
    for i, rung in enumerate(ladder):
        command += ["-map", f"[v{i}]"]
        if info.has_audio:
            command += ["-map", "0:a:0"]
        stream_map.append(
            f"v:{i},a:{i},name:{rung.name}" if info.has_audio else f"v:{i},name:{rung.name}"
        )
    command += [
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-profile:v",
        "main",
        "-crf",
        "23",
        "-force_key_frames",
        f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})",
    ]
    for i, rung in enumerate(ladder):
        command += [
            f"-maxrate:v:{i}",
            f"{rung.video_kbps}k",
            f"-bufsize:v:{i}",
            f"{rung.video_kbps * 2}k",
        ]
    if info.has_audio:
        command += ["-c:a", "aac", "-ac", "2", "-ar", "48000"]
        for i, rung in enumerate(ladder):
            command += [f"-b:a:{i}", f"{rung.audio_kbps}k"]
    command += [
        "-threads",
        str(threads),
        "-f",
        "hls",
        "-hls_time",
        str(SEGMENT_SECONDS),
        "-hls_playlist_type",
        "vod",
        "-hls_flags",
        "independent_segments",
        "-hls_segment_filename",
        str(out_dir / "%v" / "seg_%04d.ts"),
        "-master_pl_name",
        "master.m3u8",
        "-var_stream_map",
        " ".join(stream_map),
        str(out_dir / "%v" / "index.m3u8"),
    ]
    return command


def transcode_hls(
    source: Path,
    out_dir: Path,
    info: ProbeResult,
    *,
    on_progress: Callable[[float], None],
    ladder: tuple[Rung, ...] = LADDER,
    threads: int | None = None,
) -> None:
    """Write ``master.m3u8`` and one folder per rung into ``out_dir``.

    ``on_progress`` gets the seconds of output written so far, read from ``-progress pipe:1``
    (a block of key=value lines about twice a second). Raises ``TranscodeError`` with ffmpeg's
    last error line.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    command = hls_command(
        source,
        out_dir,
        info,
        ladder=ladder,
        threads=threads or settings.VIDEO_TRANSCODE_THREADS,
    )
    # stderr goes to a file: a pipe nobody reads while we read stdout could fill and block ffmpeg.
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            command,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        _lower_priority(process.pid)
        assert process.stdout is not None
        for line in process.stdout:
            key, _sep, value = line.strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit():
                on_progress(max(0, int(value)) / 1_000_000)
        returncode = process.wait()
        errors.seek(0)
        detail = _last_line(errors.read())
    if returncode != 0:
        raise TranscodeError(detail or f"ffmpeg exited with status {returncode}")
    if not (out_dir / "master.m3u8").exists():
        raise TranscodeError(detail or "ffmpeg wrote no master playlist")


def make_poster(source: Path, target: Path, duration: float, *, height: int = 720) -> None:
    """A JPEG still from a little way in (past a black first frame), at most ``height`` high."""
    at = min(2.0, duration / 3)
    completed = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [
            settings.FFMPEG_BINARY,
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-ss",
            f"{at:.3f}",
            "-i",
            str(source),
            "-frames:v",
            "1",
            "-vf",
            f"scale=-2:'min({height},ih)'",
            "-q:v",
            "4",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=POSTER_TIMEOUT,
        check=False,
    )
    if completed.returncode != 0 or not target.exists():
        raise TranscodeError(_last_line(completed.stderr) or "ffmpeg made no poster")


_STREAM_INF = re.compile(r"^#EXT-X-STREAM-INF:(?P<attrs>.*)$")
_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def read_master_playlist(path: Path) -> list[dict]:
    """The renditions a master playlist lists: name, playlist, width, height, bandwidth."""
    renditions: list[dict] = []
    attrs: dict[str, str] | None = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if match := _STREAM_INF.match(line):
            attrs = {k: v.strip('"') for k, v in _ATTR.findall(match["attrs"])}
        elif attrs is not None and line and not line.startswith("#"):
            width, _x, height = attrs.get("RESOLUTION", "0x0").partition("x")
            renditions.append(
                {
                    "name": line.split("/")[0],
                    "playlist": line,
                    "width": int(width or 0),
                    "height": int(height or 0),
                    "bandwidth": int(attrs.get("BANDWIDTH", 0)),
                }
            )
            attrs = None
    return renditions


def make_test_pattern(
    target: Path,
    *,
    seconds: int,
    size: str = "320x240",
    audio: bool = True,
    frequency: int = 440,
) -> Path:
    """Write a test-pattern H.264 video (with a tone unless ``audio`` is false) to ``target``.

    Demo data and tests make their videos this way: no assets in the repository, no network.
    """
    command = [settings.FFMPEG_BINARY, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    command += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}"]
    if audio:
        command += ["-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}"]
    command += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    command += ["-c:a", "aac", "-shortest"] if audio else []
    command.append(str(target))
    subprocess.run(command, check=True, timeout=PROBE_TIMEOUT)  # noqa: S603 - fixed argument list
    return target
