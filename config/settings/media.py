"""Static files, uploads and members-only video storage (local disk or S3)."""

from config.settings.env import BASE_DIR, env

# --- Static and media ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Members-only files (lesson videos) live outside MEDIA_ROOT and are never served by URL.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media")
# Lesson videos: how long a signed playback URL works, the upload limit, and (production)
# the nginx `internal` location that X-Accel-Redirect hands the bytes to. Empty: Django
# streams the file itself (dev, tests).
VIDEO_PLAYBACK_MAX_AGE = env.int("VIDEO_PLAYBACK_MAX_AGE", default=3 * 60 * 60)
VIDEO_MAX_UPLOAD_BYTES = env.int("VIDEO_MAX_UPLOAD_BYTES", default=2 * 1024**3)
VIDEO_ACCEL_REDIRECT_PREFIX = env("VIDEO_ACCEL_REDIRECT_PREFIX", default="")
# Uploads are checked by ffprobe when it is installed (looked up on PATH per upload);
# "" forces our own container parser (courses/containers.py).
VIDEO_FFPROBE = env("VIDEO_FFPROBE", default="ffprobe")
# Adaptive streaming (HLS renditions built by the worker after each upload, see
# courses/services/transcoding.py): ffmpeg looked up on PATH; "" turns it off and every
# video plays as its original file. The timeout bounds one rendition of one video.
VIDEO_FFMPEG = env("VIDEO_FFMPEG", default="ffmpeg")
VIDEO_TRANSCODE_TIMEOUT = env.int("VIDEO_TRANSCODE_TIMEOUT", default=3 * 60 * 60)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Lesson videos: never publicly readable (courses/storage.py).
    "private": {"BACKEND": "courses.storage.PrivateMediaStorage"},
}
# Several web machines: uploads in an S3-compatible object store instead of local disk.
# Public media (images, documents) in S3_MEDIA_BUCKET, lesson videos in S3_PRIVATE_BUCKET,
# whose objects are private and reached only through presigned URLs that the app hands
# out after checking the viewer's access (VIDEO_PRESIGNED_SECONDS).
S3_MEDIA_BUCKET = env("S3_MEDIA_BUCKET", default="")
S3_PRIVATE_BUCKET = env("S3_PRIVATE_BUCKET", default="")
VIDEO_PRESIGNED_SECONDS = env.int("VIDEO_PRESIGNED_SECONDS", default=120)


def s3_storages(media_bucket: str, private_bucket: str) -> dict:
    """STORAGES entries for the object store; credentials from the standard AWS_* variables
    (or the machine's role), S3_ENDPOINT_URL for a non-AWS store (MinIO, R2, moto)."""
    common = {
        "endpoint_url": env("S3_ENDPOINT_URL", default="") or None,
        "region_name": env("S3_REGION", default="") or None,
        # SigV4 presigned URLs (botocore still presigns SigV2 by default, which newer
        # buckets and regions refuse).
        "signature_version": env("S3_SIGNATURE_VERSION", default="s3v4"),
        "file_overwrite": False,
    }
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": media_bucket,
                "location": "media",
                "default_acl": "public-read",
                "querystring_auth": False,
                "custom_domain": env("S3_MEDIA_DOMAIN", default="") or None,
            },
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": private_bucket,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": VIDEO_PRESIGNED_SECONDS,
            },
        },
    }


if S3_MEDIA_BUCKET and S3_PRIVATE_BUCKET:
    STORAGES.update(s3_storages(S3_MEDIA_BUCKET, S3_PRIVATE_BUCKET))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
