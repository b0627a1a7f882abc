"""Private storage for members-only files (lesson videos).

On one machine, files live under ``settings.PRIVATE_MEDIA_ROOT``, outside ``MEDIA_ROOT``,
so neither Django, whitenoise nor nginx's public locations can serve them. On several
machines they live in a private object-store bucket (``STORAGES["private"]``, see
settings): objects are never publicly readable, and a viewer gets a short-lived presigned
URL only after ``courses.views.video_stream`` has checked their access.
"""

import os
import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, empty

PRIVATE_STORAGE_ALIAS = "private"


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


class _PrivateStorage(LazyObject):
    """``STORAGES["private"]``, looked up again whenever the STORAGES setting changes."""

    def _setup(self) -> None:
        self._wrapped = storages[PRIVATE_STORAGE_ALIAS]


private_storage = _PrivateStorage()


def _forget_private_storage(*, setting: str, **kwargs) -> None:
    if setting == "STORAGES":
        private_storage._wrapped = empty


setting_changed.connect(_forget_private_storage, dispatch_uid="courses-private-storage")


def private_media_storage() -> Storage:
    return private_storage  # type: ignore[return-value]


def private_media_presigned_url(name: str, *, seconds: int) -> str:
    """A URL that serves the private object ``name`` for ``seconds`` (Range requests
    included), when the private storage is an object store; "" on local disk, where the
    bytes go through Django or nginx's X-Accel-Redirect instead."""
    backend = storages[PRIVATE_STORAGE_ALIAS]
    if isinstance(backend, FileSystemStorage):
        return ""
    return backend.url(name, expire=seconds)


def video_upload_to(instance, filename: str) -> str:
    """A random name (128 bits): the stored path reveals nothing and cannot be guessed."""
    extension = PurePath(filename).suffix.lower()[:8]
    return f"videos/{secrets.token_urlsafe(16)}{extension}"
