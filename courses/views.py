import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_POST, require_safe

from .calendar import session_ics
from .errors import InvalidProgress, PlaybackDenied
from .models import Session, Video
from .playback import playback_token_read
from .ranges import ByteRange, RangeNotSatisfiable, parse_range_header
from .selectors import user_can_watch_lesson
from .services import lesson_progress_record


@require_GET
def session_calendar(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session as an .ics file for the attendee's calendar (local time with TZID)."""
    session = get_object_or_404(Session.objects.select_related("workshop", "venue"), pk=session_id)
    referer_url = request.GET.get("from", "")
    url = referer_url if referer_url.startswith("/") and not referer_url.startswith("//") else ""
    body = session_ics(session=session, url=request.build_absolute_uri(url) if url else "")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    filename = f"workshop-{session.local_starts_at:%Y-%m-%d}-{session.pk}.ics"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
NO_STORE = "private, no-store"


def _denied(status: int = 403) -> HttpResponse:
    # An empty body: a refused request learns nothing, not even which check failed.
    response = HttpResponse(b"", status=status, content_type="text/plain")
    response["Cache-Control"] = NO_STORE
    return response


def _file_chunks(video: Video, byte_range: ByteRange):
    with video.file.storage.open(video.file.name, "rb") as handle:
        handle.seek(byte_range.start)
        remaining = byte_range.length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


@require_safe
def video_stream(request: HttpRequest, token: str) -> HttpResponse:
    """Bytes of one lesson video, for the viewer the token was made for, while their
    access lasts. Checked on every request, including each Range request while seeking."""
    try:
        claims = playback_token_read(token=token, user=request.user)
    except PlaybackDenied:
        return _denied()
    if not user_can_watch_lesson(
        user=request.user, masterclass=claims.masterclass_id, is_preview=claims.is_preview
    ):
        return _denied()
    video = Video.objects.filter(pk=claims.video_id).first()
    if video is None or not video.file:
        return _denied(404)

    accel_prefix = settings.VIDEO_ACCEL_REDIRECT_PREFIX
    if accel_prefix:
        # nginx serves the file from its `internal` location, Range requests included.
        response = HttpResponse(b"", content_type=video.content_type)
        response["X-Accel-Redirect"] = accel_prefix.rstrip("/") + "/" + video.file.name
        response["X-Accel-Buffering"] = "no"
        response["Cache-Control"] = NO_STORE
        return response

    try:
        size = video.file.storage.size(video.file.name)
    except OSError:
        logger.exception("Video %s has no file on the private storage", video.pk)
        return _denied(404)
    try:
        byte_range = parse_range_header(request.headers.get("Range", ""), size)
    except RangeNotSatisfiable:
        response = _denied(416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response

    status = 200 if byte_range is None else 206
    byte_range = byte_range or ByteRange(0, size - 1)
    body = _file_chunks(video, byte_range) if request.method == "GET" and size else iter(())
    response = StreamingHttpResponse(body, status=status, content_type=video.content_type)
    response["Content-Length"] = str(byte_range.length if size else 0)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    response["Cache-Control"] = NO_STORE
    response["Content-Disposition"] = "inline"
    return response


@require_POST
def lesson_progress(request: HttpRequest) -> JsonResponse:
    """Save the viewer's position: JSON ``{"token", "position", "duration"}``.

    Bad values get a 400 with the reason and store nothing.
    """
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error("The request body must be JSON.", 400)
    if not isinstance(data, dict):
        return _error("The request body must be a JSON object.", 400)
    if not request.user.is_authenticated:
        return _error("Sign in to save your progress.", 403)
    try:
        claims = playback_token_read(token=str(data.get("token", "")), user=request.user)
    except PlaybackDenied as exc:
        return _error(str(exc), 403)
    if not user_can_watch_lesson(
        user=request.user, masterclass=claims.masterclass_id, is_preview=claims.is_preview
    ):
        return _error("You do not have access to this lesson.", 403)
    try:
        progress = lesson_progress_record(
            user=request.user,
            lesson_key=claims.lesson_key,
            position_seconds=data.get("position"),
            duration_seconds=data.get("duration"),
            masterclass=claims.masterclass_id,
            video=claims.video_id,
        )
    except InvalidProgress as exc:
        return _error(str(exc), 400)
    response = JsonResponse(
        {
            "position": progress.position_seconds,
            "duration": progress.duration_seconds,
            "percent": progress.percent,
            "completed": progress.completed_at is not None,
        }
    )
    response["Cache-Control"] = NO_STORE
    return response


def _error(reason: str, status: int) -> JsonResponse:
    response = JsonResponse({"error": reason}, status=status)
    response["Cache-Control"] = NO_STORE
    return response
