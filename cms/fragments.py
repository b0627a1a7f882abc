"""What public pages show about sessions and seats, kept a few seconds in the shared
cache and thrown away as soon as it may be wrong.

A workshop page's dates, tickets and seats cost six queries and most of its Python; the
home page's and the listing's cards a few more. Kept entries are keyed on the content
version (``cms.content_version``: publishing changes it), the schedule version and, for
listings, a version any seat change moves (``courses.seats_version``); a workshop page's
entry also remembers the seat version of each of its sessions and is used only while
they are unchanged. So a hold, a confirmation, a release or a cancellation shows on the
next render, and what changes by the clock alone (a hold lapsing, a sale closing) shows
within ``SEATS_CACHE_SECONDS``. Previews and an unreachable cache always compute.
"""

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from courses import seats_version

from .content_version import content_version


def kept(
    request: HttpRequest,
    name: str,
    compute: Callable[[], dict[str, Any]],
    *,
    listing: bool,
    session_ids: Callable[[dict[str, Any]], Iterable[int]] | None = None,
) -> dict[str, Any]:
    """``compute()``, or what it returned for ``name`` while nothing it depends on
    changed. ``listing``: it shows seats of any session; ``session_ids``: the sessions
    whose seats it shows (checked on each use)."""
    if getattr(request, "is_preview", False):
        return compute()
    content = content_version(request)
    keys = [seats_version.SCHEDULE_KEY] + ([seats_version.LISTING_KEY] if listing else [])
    base = seats_version.versions(keys) if content else None
    if base is None:
        return compute()
    raw = "|".join([name, content, *(base[k] for k in keys)]).encode()
    key = "cms:kept:" + hashlib.md5(raw, usedforsecurity=False).hexdigest()
    stored = cache.get(key)
    if stored is not None:
        stamps, data = stored
        if not stamps or seats_version.versions(stamps) == stamps:
            return data
    data = compute()
    stamps = {}
    if session_ids is not None:
        stamps = seats_version.versions(seats_version.session_key(pk) for pk in session_ids(data))
    if stamps is not None:
        cache.set(key, (stamps, data), seats_version.cache_seconds())
    return data
