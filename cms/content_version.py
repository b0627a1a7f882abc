"""One token that changes whenever published content may have changed.

Anything derived from pages and kept longer than a request (the routes each process
remembers, cached page fragments) is keyed on this token, so a publish, unpublish, move
or delete is visible on the next request, on every process and every host, without
waiting for anything to expire. The token lives in the shared cache; when the cache
cannot be reached ``content_version`` answers None and callers must not trust what they
kept (see ``cms.routing``).
"""

import uuid

from django.core.cache import cache
from django.db import transaction

CONTENT_VERSION_KEY = "cms:content-version"


def content_version(request=None) -> str | None:
    """The current token (one cache read, once per ``request``), or None when the cache
    cannot say."""
    if request is not None:
        if not hasattr(request, "_cms_content_version"):
            request._cms_content_version = content_version()
        return request._cms_content_version
    version = cache.get(CONTENT_VERSION_KEY)
    if version is None:
        # Never set, evicted or flushed: any fresh token invalidates what was kept.
        cache.add(CONTENT_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(CONTENT_VERSION_KEY)
    return version


def content_version_bump() -> None:
    """A new token now, and again once the transaction commits: a request that read the
    old rows while the change was being written cannot keep them under the new token."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(CONTENT_VERSION_KEY, uuid.uuid4().hex, None)
