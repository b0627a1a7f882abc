"""Private storage for members-only files (lesson videos).

Files live under ``settings.PRIVATE_MEDIA_ROOT``, outside ``MEDIA_ROOT``, so neither
Django, whitenoise nor nginx's public locations can serve them. The storage has no URL:
the only way to a file's bytes is ``courses.views.video_stream``, which authorises
every request.
"""

import os
import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateMediaStorage(FileSystemStorage):
    def __init__(self, **kwargs) -> None:
        super().__init__(base_url=None, **kwargs)

    # Read the setting on every use, so tests and deployments that change it take effect.
    @property
    def base_location(self) -> str:
        return str(self._location or settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no public URL; stream them through courses.")


def private_media_storage() -> PrivateMediaStorage:
    return PrivateMediaStorage()


def video_upload_to(instance, filename: str) -> str:
    """A random name (128 bits): the stored path reveals nothing and cannot be guessed."""
    extension = PurePath(filename).suffix.lower()[:8]
    return f"videos/{secrets.token_urlsafe(16)}{extension}"
