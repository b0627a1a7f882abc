"""Tokens that change whenever a session's seats may have changed, for the public pages
that keep their seats figures a few seconds (``cms.fragments``).

Every hold, confirmation, release and cancellation changes its session's token (the
services call ``seats_changed``; saved registrations, waiting-list entries, ticket types
and sessions do it through signals), so the next render counts again. Seats also free up
by the clock alone (a hold lapses, an offer ends, a sale closes): kept figures therefore
live at most ``SEATS_CACHE_SECONDS`` (5 s, as the page cache). Checkout never reads
these: who gets a seat is counted live under the session lock (``courses.services``).

Each token is in the shared cache; when it cannot be read the page counts live.
"""

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

SCHEDULE_KEY = "courses:schedule-version"
LISTING_KEY = "courses:seats-version:any"


def session_key(session_id: int) -> str:
    return f"courses:seats-version:{session_id}"


def cache_seconds() -> int:
    return getattr(settings, "SEATS_CACHE_SECONDS", 5)


def seats_changed(*session_ids: int) -> None:
    """New tokens for these sessions (and for listings of any session) now and once the
    transaction commits: a render that counted before the commit is not kept under
    the new token."""
    ids = [pk for pk in session_ids if pk is not None]
    _bump(ids)
    transaction.on_commit(lambda: _bump(ids))


def schedule_changed() -> None:
    """A session, ticket type, venue or instructor was added, edited or removed: pages
    listing a workshop's sessions must look again for which ones there are."""
    cache.set(SCHEDULE_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(SCHEDULE_KEY, uuid.uuid4().hex, None))


def _bump(session_ids: list[int]) -> None:
    token = uuid.uuid4().hex
    cache.set_many({LISTING_KEY: token, **{session_key(pk): token for pk in session_ids}}, None)


def versions(keys: Iterable[str]) -> dict[str, str] | None:
    """The tokens under ``keys`` (missing ones are created), or None when the cache
    cannot say: then nothing kept may be trusted."""
    keys = list(keys)
    found = cache.get_many(keys)
    missing = [k for k in keys if k not in found]
    if missing:
        token = uuid.uuid4().hex
        for key in missing:
            cache.add(key, token, None)
        found |= cache.get_many(missing)
    if any(k not in found for k in keys):
        return None
    return found


def _registration_saved(sender, instance, **kwargs) -> None:
    seats_changed(instance.session_id)


def _schedule_saved(sender, instance, **kwargs) -> None:
    schedule_changed()
    if sender.__name__ == "Session":
        seats_changed(instance.pk)
    elif hasattr(instance, "session_id"):
        seats_changed(instance.session_id)


def connect() -> None:
    """Saved rows change seats (registrations, waiting-list entries) or what a page lists
    (sessions, ticket types, venues, workshops, instructors). Bulk ``update()`` calls in
    the services call ``seats_changed`` themselves."""
    from django.db.models.signals import post_delete, post_save

    from courses.models import (
        Instructor,
        Registration,
        Session,
        TicketType,
        Venue,
        WaitlistEntry,
        Workshop,
    )

    for signal in (post_save, post_delete):
        for model in (Registration, WaitlistEntry):
            signal.connect(_registration_saved, sender=model, dispatch_uid=f"seats-{model}")
        for model in (Session, TicketType, Venue, Workshop, Instructor):
            signal.connect(_schedule_saved, sender=model, dispatch_uid=f"schedule-{model}")
