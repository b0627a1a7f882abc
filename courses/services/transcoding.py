"""Adaptive streaming: turning an uploaded lesson video into HLS renditions.

After an upload, ``video_renditions_request`` marks the video pending and records the
build in the outbox with the change, so it survives a broker outage. The worker runs
``video_renditions_build``: ffmpeg writes two H.264/AAC renditions (360p and 720p,
capped at the source's height; half and full height for small sources) as VOD HLS
playlists with 4-second MPEG-TS segments whose keyframes line up (so players can switch
between them), plus a poster frame. The files go to the private storage under a random
folder; nothing is public, the playlists are rewritten with signed URLs when served
(``courses.hls``). Until a build is ready the original file plays (progressive, Range).
Without ffmpeg on the server, the video stays progressive and the editor is told why.
"""

import logging
import math
import re
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import StreamStatus, Video
from ..signals import video_streaming_changed
from ..storage import private_media_storage
from .outbox import outbox_add

logger = logging.getLogger(__name__)

TARGET_HEIGHTS = (360, 720)
SEGMENT_SECONDS = 4
PROBE_TIMEOUT_SECONDS = 60
# Progress is written at most this often (percentage points), not per ffmpeg report.
PROGRESS_STEP = 5
RENDITION_NAME = re.compile(r"^[0-9]{2,4}p$")
SEGMENT_NAME = re.compile(r"^seg_[0-9]{5}\.ts$")
PLAYLIST_NAME = "index.m3u8"
POSTER_NAME = "poster.jpg"
# Peak bit rates (bit/s) by height: x264's rate control is capped at these.
MAX_RATE = {360: 900_000, 720: 2_800_000}


class TranscodeFailed(Exception):
    """ffmpeg could not read or convert the video; ``str()`` is for the editor."""


@dataclass(frozen=True)
class SourceInfo:
    width: int
    height: int
    duration: float
    has_audio: bool


def ffmpeg_path() -> str | None:
    """ffmpeg's path when transcoding is on and it is installed; None otherwise."""
    name = settings.VIDEO_FFMPEG
    return shutil.which(name) if name else None


def video_renditions_request(*, video: Video) -> None:
    """Queue a build for the video's current file (called after an upload)."""
    from .. import tasks  # tasks import the services

    with transaction.atomic():
        Video.objects.filter(pk=video.pk).update(
            stream_status=StreamStatus.PENDING,
            stream_progress=0,
            stream_error="",
            stream_source=video.file.name,
        )
        outbox_add(tasks.video_renditions_build, video.pk)
    video_streaming_changed.send(sender=Video, video_id=video.pk)


def rendition_heights(source_height: int) -> list[int]:
    heights = sorted({min(target, source_height) for target in TARGET_HEIGHTS})
    if len(heights) == 1:
        heights = [_even(source_height / 2), _even(source_height)]
    return heights


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def _set(video_id: int, **fields) -> None:
    Video.objects.filter(pk=video_id).update(**fields)
    if "stream_status" in fields:
        video_streaming_changed.send(sender=Video, video_id=video_id)


def video_renditions_build(*, video_id: int) -> str:
    """Build (or rebuild) the renditions of one video; returns the final status.

    Idempotent: a second delivery of the same request rebuilds into a new folder and
    the old one is removed, so a crash half-way leaves nothing a viewer could reach.
    """
    video = Video.objects.get(pk=video_id)
    if video.stream_source != video.file.name or not video.file:
        return video.stream_status  # a newer upload has its own request
    ffmpeg = ffmpeg_path()
    if ffmpeg is None:
        _set(
            video_id,
            stream_status=StreamStatus.UNAVAILABLE,
            stream_error=_(
                "ffmpeg is not installed on the server, so this video plays as the original "
                "file (no adaptive streaming). Install Debian's ffmpeg package and save the "
                "video again."
            ),
        )
        return StreamStatus.UNAVAILABLE
    _set(video_id, stream_status=StreamStatus.PROCESSING, stream_progress=0, stream_error="")
    storage = private_media_storage()
    folder = f"hls/{secrets.token_urlsafe(16)}"
    saved: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="pm-hls-") as work:
            work_dir = Path(work)
            source = work_dir / "source"
            with storage.open(video.file.name, "rb") as handle, source.open("wb") as out:
                shutil.copyfileobj(handle, out, 1024 * 1024)
            info = _probe(ffmpeg, source)
            renditions = []
            heights = rendition_heights(info.height)
            for number, height in enumerate(heights):
                out_dir = work_dir / f"{height}p"
                out_dir.mkdir()
                _encode(ffmpeg, source, out_dir, height, info, video_id, number, len(heights))
                renditions.append(_rendition_facts(out_dir, height, info))
            _poster(ffmpeg, source, work_dir / POSTER_NAME, info)
            for path in sorted(work_dir.rglob("*")):
                if path.is_file() and path != source:
                    name = f"{folder}/{path.relative_to(work_dir).as_posix()}"
                    with path.open("rb") as handle:
                        saved.append(storage.save(name, File(handle)))
    except TranscodeFailed as failed:
        _discard(saved)
        _set(video_id, stream_status=StreamStatus.FAILED, stream_error=str(failed))
        return StreamStatus.FAILED
    except Exception:
        _discard(saved)
        _set(
            video_id,
            stream_status=StreamStatus.FAILED,
            stream_error=_("Processing stopped unexpectedly; it will be tried again."),
        )
        raise  # the outbox keeps the entry for another try
    previous = Video.objects.filter(pk=video_id).values_list("stream_folder", flat=True).first()
    updated = Video.objects.filter(pk=video_id, stream_source=video.file.name).update(
        stream_status=StreamStatus.READY,
        stream_progress=100,
        stream_error="",
        stream_folder=folder,
        stream_renditions=renditions,
    )
    if updated:
        video_streaming_changed.send(sender=Video, video_id=video_id)
    if not video.duration_seconds:
        # A save, not an update: pages that show the duration hear of it (post_save).
        video.duration_seconds = max(1, round(info.duration))
        video.save(update_fields=["duration_seconds"])
    if not updated:  # replaced by a newer upload meanwhile
        _discard(saved)
        return StreamStatus.PENDING
    if previous and previous != folder:
        _discard_folder(previous, renditions_of=video)
    return StreamStatus.READY


def _run(command: list, *, timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(  # noqa: S603
            command, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise TranscodeFailed(_("Processing took too long and was stopped.")) from exc


def _last_line(stderr: bytes) -> str:
    lines = [x for x in stderr.decode("utf-8", "replace").splitlines() if x.strip()]
    return lines[-1][:300] if lines else ""


def _unreadable(detail: str) -> TranscodeFailed:
    message = _(
        "This file could not be read as a video: it may be damaged or only partly "
        "uploaded. Export the lesson again as MP4 (H.264) or WebM (VP9) and upload it."
    )
    return TranscodeFailed(f"{message} ({detail})" if detail else message)


def _probe(ffmpeg: str, source: Path) -> SourceInfo:
    ffprobe = shutil.which("ffprobe", path=str(Path(ffmpeg).parent)) or shutil.which("ffprobe")
    if ffprobe is None:
        raise TranscodeFailed(_("ffprobe (part of the ffmpeg package) is not installed."))
    result = _run(
        [
            ffprobe,
            *("-v", "error", "-of", "default=noprint_wrappers=1"),
            *("-show_entries", "stream=codec_type,width,height:format=duration"),
            str(source),
        ],
        timeout=PROBE_TIMEOUT_SECONDS,
    )
    facts: dict[str, list[str]] = {}
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        key, _sep, value = line.partition("=")
        facts.setdefault(key, []).append(value)
    try:
        video_index = facts.get("codec_type", []).index("video")
        width = int(facts["width"][video_index])
        height = int(facts["height"][video_index])
        duration = float(facts["duration"][-1])
    except (ValueError, KeyError, IndexError) as exc:
        raise _unreadable(_last_line(result.stderr)) from exc
    if result.returncode != 0 or width <= 0 or height <= 0 or not math.isfinite(duration):
        raise _unreadable(_last_line(result.stderr))
    return SourceInfo(
        width=width,
        height=height,
        duration=max(duration, 0.1),
        has_audio="audio" in facts.get("codec_type", []),
    )


def _encode(
    ffmpeg: str,
    source: Path,
    out_dir: Path,
    height: int,
    info: SourceInfo,
    video_id: int,
    number: int,
    count: int,
) -> None:
    rate = MAX_RATE.get(height) or int(MAX_RATE[360] * max(height, 90) / 360)
    command = [
        ffmpeg,
        *("-nostdin", "-hide_banner", "-v", "error", "-y", "-i", str(source)),
        *("-map", "0:v:0", "-map", "0:a:0?", "-vf", f"scale=-2:{height}"),
        *("-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-level", "3.1"),
        *("-pix_fmt", "yuv420p", "-crf", "23", "-maxrate", str(rate), "-bufsize", str(2 * rate)),
        # Keyframes at the same moments in every rendition, so a player can switch.
        *("-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})", "-sc_threshold", "0"),
        *("-c:a", "aac", "-b:a", "96k", "-ac", "2"),
        *("-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod"),
        *("-hls_segment_filename", str(out_dir / "seg_%05d.ts")),
        *("-progress", "pipe:1", "-stats_period", "1"),
        str(out_dir / PLAYLIST_NAME),
    ]
    timeout = settings.VIDEO_TRANSCODE_TIMEOUT
    process = subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    reported = -PROGRESS_STEP
    try:
        assert process.stdout is not None  # noqa: S101 (Popen with PIPE)
        for raw in process.stdout:
            key, _sep, value = raw.decode("ascii", "replace").strip().partition("=")
            if key != "out_time_us" or not value.isdigit():
                continue
            done = min(1.0, int(value) / 1_000_000 / info.duration)
            percent = int(95 * (number + done) / count)
            if percent >= reported + PROGRESS_STEP:
                reported = percent
                _set(video_id, stream_progress=percent)
        stderr = process.stderr.read() if process.stderr else b""
        returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        process.kill()
        raise TranscodeFailed(_("Processing took too long and was stopped.")) from exc
    finally:
        if process.poll() is None:
            process.kill()
    if returncode != 0 or not (out_dir / PLAYLIST_NAME).exists():
        raise _unreadable(_last_line(stderr))


def _rendition_facts(out_dir: Path, height: int, info: SourceInfo) -> dict:
    """What the master playlist says about a rendition: measured, not assumed."""
    playlist = (out_dir / PLAYLIST_NAME).read_text()
    durations = [float(x) for x in re.findall(r"#EXTINF:([0-9.]+)", playlist)]
    segments = [x for x in playlist.splitlines() if x and not x.startswith("#")]
    sizes = [(out_dir / name).stat().st_size for name in segments]
    peak = max(
        (8 * size / max(d, 0.5) for size, d in zip(sizes, durations, strict=False)), default=0
    )
    average = 8 * sum(sizes) / max(sum(durations), 0.5)
    width = _even(info.width * height / info.height)
    return {
        "name": f"{height}p",
        "width": width,
        "height": height,
        "bandwidth": int(peak) or 1,
        "average_bandwidth": int(average) or 1,
        "codecs": "avc1.4d401f,mp4a.40.2" if info.has_audio else "avc1.4d401f",
    }


def _poster(ffmpeg: str, source: Path, target: Path, info: SourceInfo) -> None:
    at = min(2.0, info.duration / 3)
    result = _run(
        [
            ffmpeg,
            *("-nostdin", "-v", "error", "-y", "-ss", f"{at:.2f}", "-i", str(source)),
            *("-frames:v", "1", "-vf", f"scale=-2:{min(info.height, 720)}", "-q:v", "4"),
            str(target),
        ],
        timeout=PROBE_TIMEOUT_SECONDS,
    )
    if result.returncode != 0 or not target.exists():
        raise _unreadable(_last_line(result.stderr))


def _discard(names: list[str]) -> None:
    storage = private_media_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete %s from the private storage", name)


def _discard_folder(folder: str, *, renditions_of: Video) -> None:
    """Remove an older build's files (best effort: orphans cost space, not safety)."""
    storage = private_media_storage()
    try:
        directories, files = storage.listdir(folder)
        names = [f"{folder}/{name}" for name in files]
        for directory in directories:
            names += [
                f"{folder}/{directory}/{f}" for f in storage.listdir(f"{folder}/{directory}")[1]
            ]
    except (OSError, NotImplementedError):
        logger.info("Old renditions of video %s left in %s", renditions_of.pk, folder)
        return
    _discard(names)
