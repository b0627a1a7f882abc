"""Adaptive streams and caption tracks, for viewers with access only.

Every request, playlist or segment, carries a playback token made for the signed-in
viewer and is authorised again by ``user_can_watch_lesson``; refusals are empty 403s
(404 when the thing does not exist for an allowed viewer). Playlists are rewritten per
request with fresh tokens (``courses.hls``); segments and posters go out through
``private_file_response`` (presigned URL, X-Accel-Redirect or Range streaming). On S3,
hls.js follows each segment's redirect to the bucket with XHR: the private bucket needs
the CORS rule of ``manage.py object_store_cors`` and the CSP names the bucket in
``connect-src`` (``config.csp``).
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from .errors import PlaybackDenied
from .hls import CONTENT_TYPE, child_token, master_playlist, variant_playlist
from .models import Video, VideoCaption
from .playback import PlaybackClaims, playback_token_read
from .private_files import NO_STORE, denied, private_file_response
from .selectors import user_can_watch_lesson
from .services.transcoding import PLAYLIST_NAME, POSTER_NAME, RENDITION_NAME, SEGMENT_NAME
from .storage import private_media_storage


def _authorised(request: HttpRequest, token: str) -> PlaybackClaims | None:
    try:
        claims = playback_token_read(token=token, user=request.user)
    except PlaybackDenied:
        return None
    allowed = user_can_watch_lesson(
        user=request.user,
        lesson_key=claims.lesson_key,
        masterclass=claims.masterclass_id,
        video_id=claims.video_id,
    )
    return claims if allowed else None


def _streamed_video(claims: PlaybackClaims) -> Video | None:
    video = Video.objects.filter(pk=claims.video_id).first()
    return video if video is not None and video.has_stream else None


def _text(body: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body.encode(), content_type=content_type)
    response["Cache-Control"] = NO_STORE
    return response


@require_safe
def hls_master(request: HttpRequest, token: str) -> HttpResponse:
    claims = _authorised(request, token)
    if claims is None:
        return denied()
    video = _streamed_video(claims)
    if video is None:
        return denied(404)
    return _text(master_playlist(video, child_token(claims, request.user)), CONTENT_TYPE)


def _rendition_file(video: Video, rendition: str, name: str) -> str | None:
    known = {r["name"] for r in video.stream_renditions}
    if not RENDITION_NAME.match(rendition) or rendition not in known:
        return None
    return f"{video.stream_folder}/{rendition}/{name}"


@require_safe
def hls_variant(request: HttpRequest, token: str, rendition: str) -> HttpResponse:
    claims = _authorised(request, token)
    if claims is None:
        return denied()
    video = _streamed_video(claims)
    name = _rendition_file(video, rendition, PLAYLIST_NAME) if video else None
    if name is None:
        return denied(404)
    try:
        with private_media_storage().open(name, "rb") as handle:
            stored = handle.read().decode("utf-8")
    except OSError:
        return denied(404)
    body = variant_playlist(stored, token=child_token(claims, request.user), rendition=rendition)
    return _text(body, CONTENT_TYPE)


@require_safe
def hls_segment(request: HttpRequest, token: str, rendition: str, segment: str) -> HttpResponse:
    claims = _authorised(request, token)
    if claims is None:
        return denied()
    video = _streamed_video(claims)
    name = (
        _rendition_file(video, rendition, segment)
        if video and SEGMENT_NAME.match(segment)
        else None
    )
    if name is None:
        return denied(404)
    return private_file_response(request, name, "video/mp2t")


@require_safe
def hls_poster(request: HttpRequest, token: str) -> HttpResponse:
    claims = _authorised(request, token)
    if claims is None:
        return denied()
    video = _streamed_video(claims)
    if video is None:
        return denied(404)
    return private_file_response(request, f"{video.stream_folder}/{POSTER_NAME}", "image/jpeg")


@require_safe
def caption_track(request: HttpRequest, token: str, language: str) -> HttpResponse:
    claims = _authorised(request, token)
    if claims is None:
        return denied()
    caption = VideoCaption.objects.filter(video_id=claims.video_id, language=language).first()
    if caption is None:
        return denied(404)
    return _text(caption.content, "text/vtt; charset=utf-8")
