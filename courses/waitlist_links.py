"""Waiting-list offer links: a signed promise that *this* person may book the seats
*this* offer holds for them, straight from the e-mail into checkout.

The token is only half of the check: ``seat_hold_create`` reads the entry again under
the session lock and refuses an offer that expired, was booked or belongs to someone
else, whatever the token says. A token names the offer's deadline too, so a link from an
earlier offer never opens a later one.
"""

from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from . import selectors
from .errors import WaitlistOfferInvalid
from .links import absolute_url
from .models import WaitlistEntry, WaitlistStatus

SALT = "courses.waitlist-offer"


def _deadline_stamp(entry: WaitlistEntry) -> int:
    return int(entry.offer_expires_at.timestamp()) if entry.offer_expires_at else 0


def waitlist_offer_token_make(*, entry: WaitlistEntry) -> str:
    payload = {"e": entry.pk, "u": entry.user_id, "x": _deadline_stamp(entry)}
    return signing.dumps(payload, salt=SALT, compress=True)


def waitlist_offer_read(*, token: str, user, session_id: int, now=None) -> WaitlistEntry:
    """The open offer a token stands for, for ``user`` in this session, with
    ``seats_open`` (seats not yet held or booked) set. ``WaitlistOfferInvalid`` with a
    reason fit to show otherwise."""
    now = now or timezone.now()
    try:
        payload = signing.loads(token, salt=SALT)
        entry_id, user_id, stamp = int(payload["e"]), int(payload["u"]), int(payload["x"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise WaitlistOfferInvalid("This offer link is not valid.") from exc
    if user is None or not user.is_authenticated or user.pk != user_id:
        raise WaitlistOfferInvalid(
            "This offer was made to another account. Sign in with the account that joined "
            "the waiting list."
        )
    entry = (
        WaitlistEntry.objects.select_related("ticket_type")
        .filter(pk=entry_id, session_id=session_id)
        .first()
    )
    if entry is None or _deadline_stamp(entry) != stamp:
        raise WaitlistOfferInvalid("This offer link is not valid.")
    if entry.status == WaitlistStatus.CLAIMED:
        raise WaitlistOfferInvalid("You have already booked the seats of this offer.")
    if not entry.offer_is_open(now):
        raise WaitlistOfferInvalid(
            "This offer has expired, and its seats went to the next person on the list."
        )
    entry.seats_open = selectors.waitlist_offer_outstanding(entry_id=entry.pk, now=now)
    return entry


def waitlist_offer_checkout_url(*, entry: WaitlistEntry, absolute: bool = True) -> str:
    """Checkout with the offer; the ticket is chosen already when we know which one."""
    session = entry.session
    query = {"offer": waitlist_offer_token_make(entry=entry)}
    ticket = entry.ticket_type
    if ticket is None:
        on_sale = [t for t in session.ticket_types.all() if t.on_sale()]
        ticket = on_sale[0] if len(on_sale) == 1 else None
    if (
        ticket is not None
        and ticket.on_sale()
        and ticket.min_per_order <= entry.offered_seats <= ticket.max_per_order
    ):
        query[f"ticket_{ticket.pk}"] = str(entry.offered_seats)
    path = reverse("payments:register", kwargs={"session_id": session.pk}) + "?" + urlencode(query)
    return absolute_url(path) if absolute else path
