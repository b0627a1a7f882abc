"""Handing a private file's bytes to a viewer whose access has just been checked.

One way for every members-only file (lesson videos, HLS segments, posters): a presigned
object-store URL when the private storage is S3, nginx's ``X-Accel-Redirect`` in
production on local disk, otherwise Django streams the file itself with HTTP Range
support. Callers authorise first; nothing here checks access.
"""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse

from .ranges import ByteRange, RangeNotSatisfiable, parse_range_header
from .storage import private_media_presigned_url, private_media_storage

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
NO_STORE = "private, no-store"


def denied(status: int = 403) -> HttpResponse:
    """An empty refusal: a refused request learns nothing, not even which check failed."""
    response = HttpResponse(b"", status=status, content_type="text/plain")
    response["Cache-Control"] = NO_STORE
    return response


def _file_chunks(name: str, byte_range: ByteRange):
    with private_media_storage().open(name, "rb") as handle:
        handle.seek(byte_range.start)
        remaining = byte_range.length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def private_file_response(request: HttpRequest, name: str, content_type: str) -> HttpResponse:
    presigned = private_media_presigned_url(name, seconds=settings.VIDEO_PRESIGNED_SECONDS)
    if presigned:
        # Object store: the bytes (and every Range request) come from a URL that works
        # for a couple of minutes; the next URL is checked again by our endpoint.
        response = HttpResponseRedirect(presigned)
        response["Cache-Control"] = NO_STORE
        return response

    accel_prefix = settings.VIDEO_ACCEL_REDIRECT_PREFIX
    if accel_prefix:
        # nginx serves the file from its `internal` location, Range requests included.
        response = HttpResponse(b"", content_type=content_type)
        response["X-Accel-Redirect"] = accel_prefix.rstrip("/") + "/" + name
        response["X-Accel-Buffering"] = "no"
        response["Cache-Control"] = NO_STORE
        return response

    try:
        size = private_media_storage().size(name)
    except OSError:
        logger.exception("%s is missing from the private storage", name)
        return denied(404)
    try:
        byte_range = parse_range_header(request.headers.get("Range", ""), size)
    except RangeNotSatisfiable:
        response = denied(416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response

    status = 200 if byte_range is None else 206
    byte_range = byte_range or ByteRange(0, size - 1)
    body = _file_chunks(name, byte_range) if request.method == "GET" and size else iter(())
    response = StreamingHttpResponse(body, status=status, content_type=content_type)
    response["Content-Length"] = str(byte_range.length if size else 0)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    response["Cache-Control"] = NO_STORE
    response["Content-Disposition"] = "inline"
    return response
