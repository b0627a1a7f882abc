"""What public pages show about sessions and seats, and the HTML of their shared parts,
kept between requests and thrown away as soon as it may be wrong.

A workshop page's dates, tickets and seats cost six queries and most of its Python; the
home page's and the listing's cards a few more; rendering them costs more than both. Kept
data is keyed on the content version (``cms.content_version``: publishing changes it), the
schedule version and, for listings, a version any seat change moves
(``courses.seats_version``); a workshop page's entry also remembers the seat version of
each of its sessions and is used only while they are unchanged. So a hold, a
confirmation, a release or a cancellation shows on the next render, and what changes by
the clock alone (a hold lapsing, a sale closing) shows within ``SEATS_CACHE_SECONDS``.

Two layers: each process keeps its own copy (no round trip, no unpickling), checked
against the versions with one cache read per use; the shared cache saves the other
processes the queries. Each computation gets a ``kept_token``: templates pass it to
``{% kept %}`` (``cms.templatetags.kept_tags``) to keep the HTML rendered from that
data for exactly as long as the data. Previews and an unreachable cache always compute.
"""

import hashlib
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from config.kept import Kept
from courses import seats_version

from .content_version import content_version

# (name, content version) -> (versions, data), good until: this process's copies.
_data = Kept(size=500)


def kept(
    request: HttpRequest,
    name: str,
    compute: Callable[[], dict[str, Any]],
    *,
    listing: bool,
    session_ids: Callable[[dict[str, Any]], Iterable[int]] | None = None,
) -> dict[str, Any]:
    """``compute()``, or what it returned for ``name`` while nothing it depends on
    changed, plus its ``kept_token``. ``listing``: it shows seats of any session;
    ``session_ids``: the sessions whose seats it shows (checked on each use). A fresh
    dict each time: callers may change it."""
    if getattr(request, "is_preview", False):
        return compute()
    content = content_version(request)
    if content is None:
        return compute()
    keys = [seats_version.SCHEDULE_KEY] + ([seats_version.LISTING_KEY] if listing else [])
    local = _data.get((name, content), now=time.time())
    if local is not None:
        stamps, data = local
        # One read checks the schedule, the listing and every session this data shows.
        if seats_version.versions(stamps) == stamps:
            return dict(data)
    base = seats_version.versions(keys)
    if base is None:
        return compute()
    raw = "|".join([name, content, *(base[k] for k in keys)]).encode()
    key = "cms:kept:" + hashlib.md5(raw, usedforsecurity=False).hexdigest()
    stored = cache.get(key)
    if isinstance(stored, tuple) and len(stored) == 3:
        stamps, data, until = stored
        if seats_version.versions(stamps) == stamps:
            _data.put((name, content), ({**base, **stamps}, data), until)
            return dict(data)
    data = {**compute(), "kept_token": uuid.uuid4().hex}
    stamps = {}
    if session_ids is not None:
        stamps = seats_version.versions(seats_version.session_key(pk) for pk in session_ids(data))
    if stamps is not None:
        seconds = seats_version.cache_seconds()
        until = time.time() + seconds
        cache.set(key, (stamps, data, until), seconds)
        _data.put((name, content), ({**base, **stamps}, data), until)
    return dict(data)


def forget() -> None:
    """Drop this process's copies (tests)."""
    _data.clear()
