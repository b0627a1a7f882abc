"""The waiting list: joining, leaving, the queue order, offers of freed seats and the
e-mails that tell people about them.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from courses import emails, selectors
from courses.errors import (
    WaitlistError,
    WaitlistOfferInvalid,
)
from courses.mail import mail_send_once
from courses.models import (
    WAITLIST_ACTIVE,
    Session,
    TicketType,
    WaitlistEntry,
    WaitlistStatus,
)
from courses.seats_version import seats_changed
from courses.services.locking import session_lock
from courses.services.outbox import outbox_add

# --- Waiting list ---------------------------------------------------------------------
# Who is served first: strict order. Freed seats go to the first person still waiting;
# when they asked for more seats than are free, nobody behind them jumps the queue: the
# seats stay held for the list until enough are free for them (staff can move someone up
# when that is the better call). Every write takes the session row lock, the same lock
# checkout takes, so an offer and a public buyer can never both get the same seat.


@transaction.atomic
def waitlist_join(
    *,
    session_id: int,
    user,
    seats: int,
    ticket_type_id: int | None = None,
    now: datetime.datetime | None = None,
) -> WaitlistEntry:
    """Put ``user`` at the end of a sold-out session's waiting list for ``seats`` seats.

    Raises ``WaitlistError`` (and stores nothing) when the session is not sold out, is
    cancelled or closed, the seats are out of range, or the user is already waiting."""
    now = now or timezone.now()
    if user is None or not user.is_authenticated:
        raise WaitlistError(gettext("Sign in to join the waiting list."))
    session = session_lock(session_id=session_id)
    if session.is_cancelled:
        raise WaitlistError(gettext("This session was canceled, so it has no waiting list."))
    if not session.registration_is_open(now):
        raise WaitlistError(
            gettext("Registration for this session is closed, and so is its waiting list.")
        )
    ticket_type = None
    if ticket_type_id is not None:
        ticket_type = TicketType.objects.filter(session=session, pk=ticket_type_id).first()
        if ticket_type is None:
            raise WaitlistError(gettext("That ticket is not sold for this session."))
    limit = selectors.waitlist_seat_limit(session=session, ticket_type=ticket_type)
    if seats < 1:
        raise WaitlistError(gettext("Ask for at least one seat."))
    if seats > limit:
        raise WaitlistError(
            ngettext(
                "You can wait for at most %(count)s seat in one request.",
                "You can wait for at most %(count)s seats in one request.",
                limit,
            )
            % {"count": limit}
        )
    if selectors.user_waitlist_entry(user=user, session_id=session.pk) is not None:
        raise WaitlistError(gettext("You are already on the waiting list for this session."))
    if selectors.session_seats_available(session=session, now=now) > 0:
        raise WaitlistError(gettext("Seats are still available: book them now instead of waiting."))
    last = WaitlistEntry.objects.filter(session=session).aggregate(last=Max("sort_key"))["last"]
    return WaitlistEntry.objects.create(
        session=session,
        user=user,
        ticket_type=ticket_type,
        seats=seats,
        sort_key=(last or 0) + 1,
    )


def _waitlist_entry_locked(entry_id: int) -> WaitlistEntry:
    """The entry, read again under its session's lock (all waiting-list writes take it)."""
    session_id = (
        WaitlistEntry.objects.filter(pk=entry_id).values_list("session_id", flat=True).first()
    )
    if session_id is None:
        raise WaitlistError(gettext("This waiting-list entry does not exist."))
    session_lock(session_id=session_id)
    return WaitlistEntry.objects.select_related("session", "user").get(pk=entry_id)


def _waitlist_entry_end(entry: WaitlistEntry, status: str, now: datetime.datetime) -> None:
    had_offer = entry.status == WaitlistStatus.OFFERED
    entry.status = status
    entry.ended_at = now
    entry.save(update_fields=["status", "ended_at", "updated_at"])
    if had_offer:
        waitlist_seats_freed(session_id=entry.session_id)


@transaction.atomic
def waitlist_leave(*, entry_id: int, user, now: datetime.datetime | None = None) -> WaitlistEntry:
    """The person leaves the list (declining an open offer, if they hold one)."""
    now = now or timezone.now()
    entry = _waitlist_entry_locked(entry_id)
    if user is None or entry.user_id != user.pk:
        raise WaitlistError(gettext("This waiting-list entry does not exist."))
    if not entry.is_active:
        raise WaitlistError(gettext("You are no longer on this waiting list."))
    _waitlist_entry_end(entry, WaitlistStatus.LEFT, now)
    return entry


@transaction.atomic
def waitlist_remove(*, entry_id: int, now: datetime.datetime | None = None) -> WaitlistEntry:
    """Staff take someone off the list (their open offer, if any, moves on)."""
    now = now or timezone.now()
    entry = _waitlist_entry_locked(entry_id)
    if not entry.is_active:
        raise WaitlistError(
            gettext("%(person)s is no longer on this waiting list.") % {"person": entry.user}
        )
    _waitlist_entry_end(entry, WaitlistStatus.REMOVED, now)
    return entry


@transaction.atomic
def waitlist_move(*, entry_id: int, direction: str) -> WaitlistEntry:
    """Staff swap a waiting entry with the one before (``up``) or after (``down``) it."""
    if direction not in ("up", "down"):
        raise WaitlistError(gettext("Move an entry up or down."))
    entry = _waitlist_entry_locked(entry_id)
    if entry.status != WaitlistStatus.WAITING:
        raise WaitlistError(gettext("Only people still waiting can be moved."))
    waiting = WaitlistEntry.objects.filter(
        session_id=entry.session_id, status=WaitlistStatus.WAITING
    ).exclude(pk=entry.pk)
    if direction == "up":
        neighbour = waiting.filter(sort_key__lt=entry.sort_key).order_by("-sort_key", "-pk")
    else:
        neighbour = waiting.filter(sort_key__gt=entry.sort_key).order_by("sort_key", "pk")
    other = neighbour.first()
    if other is None:
        text = (
            gettext("%(person)s is already first in line.")
            if direction == "up"
            else gettext("%(person)s is already last in line.")
        )
        raise WaitlistError(text % {"person": entry.user})
    # Keys are unique per session (each join takes the next one under the lock).
    entry.sort_key, other.sort_key = other.sort_key, entry.sort_key
    entry.save(update_fields=["sort_key", "updated_at"])
    other.save(update_fields=["sort_key", "updated_at"])
    # A new first in line may fit seats that were held for the one before.
    waitlist_seats_freed(session_id=entry.session_id)
    return entry


def waitlist_offer_seats(
    *, session_id: int, now: datetime.datetime | None = None
) -> list[WaitlistEntry]:
    """Offer the free seats to the list in order (strict: see above). Each offer holds its
    seats until ``WAITLIST_OFFER_HOURS`` from now (or registration closing, if sooner)
    and sends one e-mail with the checkout link."""
    from courses import tasks

    now = now or timezone.now()
    offered: list[WaitlistEntry] = []
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        if not session.registration_is_open(now):
            return []
        free = selectors.session_seat_counts(session=session, now=now).free
        deadline = min(
            now + datetime.timedelta(hours=settings.WAITLIST_OFFER_HOURS),
            session.effective_registration_closes_at,
        )
        waiting = WaitlistEntry.objects.filter(session=session, status=WaitlistStatus.WAITING)
        for entry in waiting.order_by("sort_key", "pk"):
            if entry.seats > free:
                break
            entry.status = WaitlistStatus.OFFERED
            entry.offered_seats = entry.seats
            entry.offered_at = now
            entry.offer_expires_at = deadline
            entry.save(
                update_fields=[
                    "status",
                    "offered_seats",
                    "offered_at",
                    "offer_expires_at",
                    "updated_at",
                ]
            )
            free -= entry.seats
            offered.append(entry)
            outbox_add(tasks.waitlist_offer_email_send, entry.pk)
    return offered


def waitlist_offers_expire(*, now: datetime.datetime | None = None) -> int:
    """Mark lapsed offers expired and offer their seats to the next in line. (They stopped
    holding seats when they lapsed; this moves the list on.)"""
    now = now or timezone.now()
    by_session: defaultdict[int, list[int]] = defaultdict(list)
    for entry_id, session_id in selectors.waitlist_offers_lapsed(now=now).values_list(
        "pk", "session_id"
    ):
        by_session[session_id].append(entry_id)
    expired = 0
    for session_id, entry_ids in by_session.items():
        with transaction.atomic():
            session_lock(session_id=session_id)
            lapsed = WaitlistEntry.objects.filter(
                pk__in=entry_ids, status=WaitlistStatus.OFFERED, offer_expires_at__lte=now
            )
            expired += _waitlist_entries_end_and_notify(lapsed, WaitlistStatus.EXPIRED, now)
            waitlist_seats_freed(session_id=session_id)
    return expired


def _waitlist_entries_end_and_notify(entries, status: str, now: datetime.datetime) -> int:
    """End these entries (call under their session's lock) and e-mail each person once,
    after commit, why (``waitlist_ended_email_send``)."""
    from courses import tasks

    entry_ids = list(entries.values_list("pk", flat=True))
    WaitlistEntry.objects.filter(pk__in=entry_ids).update(
        status=status, ended_at=now, updated_at=now
    )
    for entry_id in entry_ids:
        outbox_add(tasks.waitlist_ended_email_send, entry_id)
    return len(entry_ids)


def seats_hint_forget(*, session_id: int) -> None:
    """Drop the session's sold-out hint (``selectors.session_seats_left_hint``) now and
    again once the caller's transaction commits, so a freed seat is offered at once: a
    count made between the two would otherwise be remembered."""
    key = selectors.seats_hint_key(session_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def waitlist_seats_freed(*, session_id: int) -> None:
    """Seats may have freed up in this session (a hold lapsed, a registration was
    cancelled, the capacity was raised, an offer ended): offer them to the waiting list
    once the caller's transaction commits. The single entry point for other code."""
    from courses import tasks

    seats_hint_forget(session_id=session_id)
    seats_changed(session_id)
    if WaitlistEntry.objects.filter(session_id=session_id, status=WaitlistStatus.WAITING).exists():
        outbox_add(tasks.waitlist_offer_seats, session_id)


@transaction.atomic
def waitlist_close_for_session(*, session_id: int, now: datetime.datetime | None = None) -> int:
    """A cancelled session's list closes: nobody is offered anything any more, and each
    person still waiting or holding an offer is told (once)."""
    now = now or timezone.now()
    session_lock(session_id=session_id)
    active = WaitlistEntry.objects.filter(session_id=session_id, status__in=WAITLIST_ACTIVE)
    return _waitlist_entries_end_and_notify(active, WaitlistStatus.CLOSED, now)


def _waitlist_offer_usable(
    *, entry_id: int, session: Session, buyer, now: datetime.datetime
) -> WaitlistEntry:
    """The entry whose offer ``buyer`` may book now (call under the session lock)."""
    entry = WaitlistEntry.objects.filter(pk=entry_id, session=session).first()
    if entry is None:
        raise WaitlistOfferInvalid(gettext("This offer is not for this session."))
    if buyer is None or entry.user_id != buyer.pk:
        raise WaitlistOfferInvalid(
            gettext(
                "This offer was made to another account. Sign in with the account that joined "
                "the waiting list."
            )
        )
    if entry.status == WaitlistStatus.CLAIMED:
        raise WaitlistOfferInvalid(gettext("You have already booked the seats of this offer."))
    if not entry.offer_is_open(now):
        raise WaitlistOfferInvalid(
            gettext("This offer has expired, and its seats went to the next person on the list.")
        )
    return entry


def _waitlist_entry_claim(*, entry_id: int, session_id: int, now) -> None:
    """Paid seats bought with an offer: the entry is done. Offered seats they did not buy
    go on to the next in line."""
    claimed = WaitlistEntry.objects.filter(
        pk=entry_id, status__in=[WaitlistStatus.OFFERED, WaitlistStatus.EXPIRED]
    ).update(status=WaitlistStatus.CLAIMED, ended_at=now, updated_at=now)
    if claimed:
        waitlist_seats_freed(session_id=session_id)


def waitlist_offer_email_send(*, entry_id: int) -> bool:
    """E-mail an open offer once (``offer_sent_at`` is the send-once claim): a retried or
    duplicated task cannot send it twice; a failed send gives the claim back and raises
    (the task retries)."""
    open_offer = WaitlistEntry.objects.filter(
        pk=entry_id, status=WaitlistStatus.OFFERED, offer_expires_at__gt=timezone.now()
    )
    return mail_send_once(
        claim=open_offer,
        field="offer_sent_at",
        build=lambda: emails.waitlist_offer_message(
            entry=WaitlistEntry.objects.select_related(
                "session__workshop", "session__venue", "user", "ticket_type"
            ).get(pk=entry_id)
        ),
    )


def waitlist_ended_email_send(*, entry_id: int) -> bool:
    """Tell someone once why their place on the list ended without seats: the session
    was cancelled (``closed``), or their offer lapsed unclaimed (``expired``).
    ``ended_notice_sent_at`` is the send-once claim (retries and a second cancellation
    send nothing more); a failed send gives it back and raises (the task retries). An
    entry booked since (``claimed``) is not told."""

    def build():
        entry = WaitlistEntry.objects.select_related(
            "session__workshop", "session__venue", "user"
        ).get(pk=entry_id)
        # A lapsed offer in a session cancelled since: the cancellation is the news.
        if entry.status == WaitlistStatus.CLOSED or entry.session.is_cancelled:
            return emails.waitlist_session_cancelled_message(entry=entry)
        return emails.waitlist_offer_expired_message(entry=entry)

    return mail_send_once(
        claim=WaitlistEntry.objects.filter(
            pk=entry_id, status__in=[WaitlistStatus.CLOSED, WaitlistStatus.EXPIRED]
        ),
        field="ended_notice_sent_at",
        build=build,
    )
