"""One open membership checkout per person: two tabs (or two devices) cannot open two
Checkout Sessions, so they cannot start two subscriptions.

The claim comes first, in the database (a partial unique constraint: one row per user
without ``closed_at``), and the Stripe call after it, outside any transaction. A second
attempt finds the row: the same attempt (a double click) replays the same Checkout Session
(same idempotency key, same expiry); another one is refused, with a link to continue the
open checkout, unless Stripe says that checkout is over (paid or expired), which closes it.
Coming back from Checkout without paying expires it at once, so the member can choose again.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from courses.formatting import local_time_zoned

from .. import gateway
from ..errors import CheckoutAlreadyOpen
from ..models import MembershipCheckout

logger = logging.getLogger(__name__)

# Stripe's shortest Checkout Session (30 minutes), plus the time the request takes.
CHECKOUT_OPEN_FOR = datetime.timedelta(minutes=31)


def _claim(*, user, plan: str, attempt: str) -> MembershipCheckout:
    """The user's open checkout row: a new one for this attempt, or the one already open."""
    now = timezone.now()
    with transaction.atomic():
        MembershipCheckout.objects.filter(
            user=user, closed_at__isnull=True, expires_at__lte=now
        ).update(closed_at=now)
        try:
            with transaction.atomic():
                return MembershipCheckout.objects.create(
                    user=user, attempt=attempt, plan=plan, expires_at=now + CHECKOUT_OPEN_FOR
                )
        except IntegrityError:
            return MembershipCheckout.objects.get(user=user, closed_at__isnull=True)


def _still_open(row: MembershipCheckout) -> bool:
    if not row.stripe_checkout_session_id:
        return True  # being opened by the other tab right now
    try:
        checkout = gateway.checkout_session_retrieve(
            checkout_session_id=row.stripe_checkout_session_id
        )
    except gateway.GatewayError:
        return True  # cannot tell: refusing is the safe answer
    return checkout.get("status") == "open"


def membership_checkout_claim(*, user, plan: str, attempt: str) -> MembershipCheckout:
    """Claim the user's one open membership checkout for this attempt. Raises
    ``CheckoutAlreadyOpen`` when another attempt's checkout is still open."""
    row = _claim(user=user, plan=plan, attempt=attempt)
    if str(row.attempt) == attempt:
        return row
    if not _still_open(row):
        MembershipCheckout.objects.filter(pk=row.pk).update(closed_at=timezone.now())
        row = _claim(user=user, plan=plan, attempt=attempt)
        if str(row.attempt) == attempt:
            return row
    until = local_time_zoned(row.expires_at)
    raise CheckoutAlreadyOpen(
        gettext(
            "You already started joining in another tab or window. Finish that payment, or "
            "choose again after %(time)s."
        )
        % {"time": until},
        url=row.url,
    )


def membership_checkout_opened(*, row: MembershipCheckout, checkout: dict | None) -> None:
    """Stripe's answer to the claimed attempt: keep its id and URL; no answer (Stripe
    away) gives the claim back, so the member can try again at once."""
    if checkout is None:
        MembershipCheckout.objects.filter(pk=row.pk, stripe_checkout_session_id="").delete()
        return
    MembershipCheckout.objects.filter(pk=row.pk).update(
        stripe_checkout_session_id=checkout["id"], url=checkout.get("url") or ""
    )


def membership_checkout_close(*, user, checkout_session_id: str = "", expire: bool = False) -> int:
    """Close the user's open checkout (``checkout_session_id``: only that one). ``expire``
    (the member came back without paying) also asks Stripe to expire it, so it can no
    longer be paid; a checkout Stripe has ended already is simply closed."""
    rows = MembershipCheckout.objects.filter(user=user, closed_at__isnull=True)
    if checkout_session_id:
        rows = rows.filter(stripe_checkout_session_id=checkout_session_id)
    for row in rows.exclude(stripe_checkout_session_id="") if expire else []:
        try:
            gateway.checkout_session_expire(checkout_session_id=row.stripe_checkout_session_id)
        except gateway.GatewayRefused:
            pass  # paid or expired already
        except gateway.GatewayError as error:
            logger.warning("Could not expire %s: %s", row.stripe_checkout_session_id, error)
            return 0  # still open at Stripe: keep refusing a second one
    return rows.update(closed_at=timezone.now())
