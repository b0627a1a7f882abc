"""Inspecting uploaded lesson videos: type by content (not by name), size, duration.

The content is probed, never just sniffed: ffprobe when it is installed, otherwise our
own walk of the container's structure (``courses.containers``). A file that only starts
like a video (HTML behind an MP4 ``ftyp`` header) is refused.
"""

import json
import shutil
import subprocess
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext

from .containers import ContainerInvalid, mp4_check, webm_check
from .models import VIDEO_CONTENT_TYPES

FFPROBE_TIMEOUT_SECONDS = 30
# ffprobe's format names for the containers we accept.
FFPROBE_FORMATS = {"mp4": "mp4", "webm": "webm"}


@dataclass(frozen=True)
class VideoFileInfo:
    content_type: str
    size_bytes: int
    duration_seconds: int | None


@dataclass(frozen=True)
class ProbeResult:
    """ffprobe's verdict: whether it found a video stream in the expected container."""

    playable: bool
    duration_seconds: int | None


def _sniff_container(head: bytes) -> str | None:
    """'webm' or 'mp4' from the first bytes of the file, None for anything else."""
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    return None


def _broken(container: str, reason: str) -> ValidationError:
    return ValidationError(
        gettext(
            "This file starts like an %(container)s video, but it is not one that can "
            "be played: %(reason)s. Export the lesson again as MP4 (H.264) or WebM (VP9) and "
            "upload the new file."
        )
        % {"container": container.upper(), "reason": reason}
    )


def video_file_inspect(uploaded) -> VideoFileInfo:
    """Check an uploaded file is a WebM or MP4 video within the size limit.

    Raises ``ValidationError`` with a message an editor can act on.
    """
    size = uploaded.size or 0
    limit = settings.VIDEO_MAX_UPLOAD_BYTES
    if size > limit:
        raise ValidationError(
            gettext(
                "This file is %(size)s; videos can be at most "
                "%(limit)s. Export a smaller file (e.g. 1080p at 5 Mbit/s)."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if size == 0:
        raise ValidationError(gettext("This file is empty."))
    uploaded.seek(0)
    head = uploaded.read(64)
    uploaded.seek(0)
    container = _sniff_container(head)
    extension = uploaded.name.rsplit(".", 1)[-1].lower() if "." in uploaded.name else ""
    if container is None:
        raise ValidationError(
            gettext(
                "This file is not an MP4 or WebM video. Export the lesson as MP4 (H.264) or "
                "WebM (VP9) and upload it again."
            )
        )
    if extension not in VIDEO_CONTENT_TYPES or (extension == "webm") != (container == "webm"):
        raise ValidationError(
            gettext(
                "The file name ends in .%(extension)s but the file is a %(kind)s video. "
                "Rename it to end in .%(container)s."
            )
            % {"extension": extension, "kind": container.upper(), "container": container}
        )
    probe = ffprobe_inspect(uploaded, container)
    if probe is None:
        try:
            (webm_check if container == "webm" else mp4_check)(uploaded, size)
        except ContainerInvalid as invalid:
            raise _broken(container, str(invalid)) from invalid
        finally:
            uploaded.seek(0)
    elif not probe.playable:
        raise _broken(container, "no video stream could be read from it")
    return VideoFileInfo(
        content_type=VIDEO_CONTENT_TYPES[container],
        size_bytes=size,
        duration_seconds=probe.duration_seconds if probe else None,
    )


def ffprobe_inspect(uploaded, container: str) -> ProbeResult | None:
    """ffprobe's verdict on the upload, or None when ffprobe is not installed or could
    not run (the caller then parses the container itself)."""
    ffprobe = shutil.which(settings.VIDEO_FFPROBE) if settings.VIDEO_FFPROBE else None
    if ffprobe is None:
        return None
    command = [
        ffprobe,
        *("-v", "error", "-of", "json"),
        *("-show_entries", "format=format_name,duration:stream=codec_type"),
    ]
    path = getattr(uploaded, "temporary_file_path", None)
    data = None
    if path is not None:
        command.append(path())
    else:
        # Small uploads stay in memory: ffprobe reads them from stdin.
        uploaded.seek(0)
        data = uploaded.read()
        uploaded.seek(0)
        command.append("pipe:0")
    try:
        result = subprocess.run(  # noqa: S603
            command, input=data, capture_output=True, timeout=FFPROBE_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        report = json.loads(result.stdout or b"{}")
        formats = str(report.get("format", {}).get("format_name", "")).split(",")
        has_video = any(s.get("codec_type") == "video" for s in report.get("streams", []))
    except (ValueError, AttributeError):
        return ProbeResult(playable=False, duration_seconds=None)
    playable = result.returncode == 0 and has_video and FFPROBE_FORMATS[container] in formats
    return ProbeResult(playable=playable, duration_seconds=_duration(report) if playable else None)


def _duration(report: dict) -> int | None:
    try:
        return max(1, round(float(report["format"]["duration"])))
    except (KeyError, TypeError, ValueError):
        return None
