"""The private bucket's browser rules: lesson videos are fetched cross-origin.

With S3 storage, a playback URL answers with a redirect to a presigned object URL on
the bucket's origin. A <video> element follows it without CORS, but hls.js fetches
playlists' segments with XHR, which the browser allows only when the bucket's CORS rule
names our origin (GET/HEAD, the Range header for seeking). ``manage.py
object_store_cors`` applies the rule; run it once per bucket and when SITE_URL changes.
"""

from urllib.parse import urlsplit

from django.conf import settings

from ..errors import CoursesError
from ..storage import private_media_storage

CORS_MAX_AGE_SECONDS = 3000
CORS_EXPOSED_HEADERS = ["Content-Length", "Content-Range", "Accept-Ranges", "ETag"]


class ObjectStoreNotConfigured(CoursesError):
    pass


def site_origin(url: str) -> str:
    """scheme://host[:port] of ``url``; ValueError when it is not an http(s) address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) address such as https://example.com")
    return f"{parts.scheme}://{parts.netloc}"


def private_bucket_cors_rules(*, origin: str) -> dict:
    return {
        "CORSRules": [
            {
                "ID": "lesson-video-playback",
                "AllowedMethods": ["GET", "HEAD"],
                "AllowedOrigins": [origin],
                "AllowedHeaders": ["Range"],
                "ExposeHeaders": CORS_EXPOSED_HEADERS,
                "MaxAgeSeconds": CORS_MAX_AGE_SECONDS,
            }
        ]
    }


def private_bucket_cors_apply(*, origin: str = "") -> tuple[str, dict]:
    """Replace the private bucket's CORS configuration with the playback rule for
    ``origin`` (default: SITE_URL's). Returns (bucket, configuration)."""
    storage = private_media_storage()
    bucket = getattr(storage, "bucket_name", "")
    if not bucket:
        raise ObjectStoreNotConfigured(
            "Lesson videos are on local disk: set S3_MEDIA_BUCKET and S3_PRIVATE_BUCKET "
            "to use an object store."
        )
    configuration = private_bucket_cors_rules(origin=site_origin(origin or settings.SITE_URL))
    client = storage.connection.meta.client  # type: ignore[attr-defined]  # S3Storage only
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=configuration)
    return bucket, configuration
