"""Inspecting uploaded lesson videos: type by content (not by name), size, duration."""

import json
import shutil
import subprocess
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from .models import VIDEO_CONTENT_TYPES

FFPROBE_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class VideoFileInfo:
    content_type: str
    size_bytes: int
    duration_seconds: int | None


def _sniff_container(head: bytes) -> str | None:
    """'webm' or 'mp4' from the first bytes of the file, None for anything else."""
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    return None


def video_file_inspect(uploaded) -> VideoFileInfo:
    """Check an uploaded file is a WebM or MP4 video within the size limit.

    Raises ``ValidationError`` with a message an editor can act on.
    """
    size = uploaded.size or 0
    limit = settings.VIDEO_MAX_UPLOAD_BYTES
    if size > limit:
        raise ValidationError(
            f"This file is {filesizeformat(size)}; videos can be at most "
            f"{filesizeformat(limit)}. Export a smaller file (e.g. 1080p at 5 Mbit/s)."
        )
    if size == 0:
        raise ValidationError("This file is empty.")
    uploaded.seek(0)
    head = uploaded.read(64)
    uploaded.seek(0)
    container = _sniff_container(head)
    extension = uploaded.name.rsplit(".", 1)[-1].lower() if "." in uploaded.name else ""
    if container is None:
        raise ValidationError(
            "This file is not an MP4 or WebM video. Export the lesson as MP4 (H.264) or "
            "WebM (VP9) and upload it again."
        )
    if extension not in VIDEO_CONTENT_TYPES or (extension == "webm") != (container == "webm"):
        raise ValidationError(
            f"The file name ends in .{extension} but the file is a {container.upper()} video. "
            f"Rename it to end in .{container}."
        )
    return VideoFileInfo(
        content_type=VIDEO_CONTENT_TYPES[container],
        size_bytes=size,
        duration_seconds=probe_duration_seconds(uploaded),
    )


def probe_duration_seconds(uploaded) -> int | None:
    """Duration via ffprobe when it is installed and the file is on disk; else None and
    the editor enters it."""
    ffprobe = shutil.which("ffprobe")
    path = getattr(uploaded, "temporary_file_path", None)
    if ffprobe is None:
        return None
    if path is not None:
        return _ffprobe(ffprobe, path())
    # Small uploads stay in memory: let ffprobe read them from stdin.
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    return _ffprobe(ffprobe, "pipe:0", data)


def _ffprobe(ffprobe: str, source: str, data: bytes | None = None) -> int | None:
    command = [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "json", source]
    try:
        result = subprocess.run(  # noqa: S603
            command, input=data, capture_output=True, timeout=FFPROBE_TIMEOUT_SECONDS, check=True
        )
        duration = float(json.loads(result.stdout)["format"]["duration"])
    except (OSError, subprocess.SubprocessError, ValueError, KeyError):
        return None
    return max(1, round(duration))
