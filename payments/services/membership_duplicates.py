"""One subscription per person, after the fact. The join page refuses a second checkout
(``membership_checkouts``), but two can still complete (two tabs paying within seconds,
a checkout opened before the rule). Then the newer subscription is refunded and canceled
automatically and staff are told.

Which is newer is Stripe's ``created``, read from Stripe when deciding, so the answer
does not depend on which webhook arrived first; events for the duplicate that arrive
again or late only re-run a check that finds nothing left to do. The refund goes first
and is keyed per subscription and payment (a retry finds it at Stripe by its metadata),
the cancellation second: a crash between them leaves a live duplicate that the next run
finishes, never a canceled one whose money was kept.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.formatting import money_amount
from courses.services.outbox import outbox_add

from .. import gateway, tasks
from ..models import Membership, NoticeKind
from ..selectors.memberships import BILLING_STATUSES as BILLING
from ..selectors.memberships import membership_has_another_live
from . import memberships
from .notices import notice_claim

logger = logging.getLogger(__name__)

REFUND_MARK = "duplicate_subscription"


def membership_duplicates_check(*, membership: Membership) -> None:
    """Inside a membership's sync: a second billing subscription of one person queues
    the resolution (after commit, outside any lock; Stripe is called there)."""
    if membership.status in BILLING and membership_has_another_live(membership=membership):
        outbox_add(tasks.membership_duplicates_resolve, membership.user_id)


def membership_duplicates_resolve(*, user_id: int) -> list[str]:
    """Refund and cancel every billing subscription of ``user_id`` but the oldest; returns
    the ids canceled. Raises ``GatewayError`` when Stripe cannot be reached (retried)."""
    ids = list(
        Membership.objects.filter(user_id=user_id, status__in=BILLING).values_list(
            "stripe_subscription_id", flat=True
        )
    )
    if len(ids) < 2:
        return []
    subscriptions = [gateway.subscription_retrieve(subscription_id=i) for i in ids]
    billing = sorted(
        (s for s in subscriptions if s.get("status") in BILLING),
        key=lambda s: (int(s.get("created") or 0), s["id"]),
    )
    cancelled = []
    for newer in billing[1:]:
        refunded = _refund_payments(newer)
        ended = gateway.subscription_cancel(subscription_id=newer["id"])
        with transaction.atomic():
            membership = memberships.membership_apply(subscription=ended, read_at=timezone.now())
            if membership is not None:
                _tell_staff(membership, kept=billing[0]["id"], refunded=refunded)
        cancelled.append(newer["id"])
    for stale in (s for s in subscriptions if s.get("status") not in BILLING):
        with transaction.atomic():  # our row still says billing: bring it in step
            memberships.membership_apply(subscription=stale, read_at=timezone.now())
    return cancelled


def _refund_payments(subscription: dict) -> list[tuple[int, str]]:
    """Refund each paid invoice of the subscription once: (amount, currency) refunded."""
    refunded = []
    for payment in gateway.subscription_payments(subscription_id=subscription["id"]):
        earlier = gateway.refunds_for_payment(payment_intent_id=payment.payment_intent_id)
        done = [
            r
            for r in earlier
            if (r.get("metadata") or {}).get(REFUND_MARK) == subscription["id"]
            and r.get("status") not in ("failed", "canceled")
        ]
        if not done:
            gateway.refund_create(
                payment_intent_id=payment.payment_intent_id,
                amount=payment.amount,
                reason="duplicate",
                key=f"{REFUND_MARK}-{subscription['id']}-{payment.payment_intent_id}",
                metadata={REFUND_MARK: subscription["id"]},
            )
        refunded.append((payment.amount, payment.currency))
    return refunded


def _tell_staff(membership: Membership, *, kept: str, refunded: list[tuple[int, str]]) -> None:
    from ..selectors import staff_alert_recipients

    amounts = ", ".join(money_amount(amount, currency) for amount, currency in refunded)
    note = _("Kept %(kept)s, canceled %(newer)s.") % {
        "kept": kept,
        "newer": membership.stripe_subscription_id,
    }
    note += " " + (
        _("Refunded %(amounts)s to the member's card.") % {"amounts": amounts}
        if refunded
        else _("It had no payment to refund.")
    )
    for to in staff_alert_recipients():
        notice_claim(
            key=f"{NoticeKind.MEMBERSHIP_DUPLICATE}-{membership.stripe_subscription_id}-{to}",
            kind=NoticeKind.MEMBERSHIP_DUPLICATE,
            to=to,
            membership=membership,
            note=note,
        )
    logger.warning(
        "Duplicate subscription %s of user %s canceled (kept %s); %s",
        membership.stripe_subscription_id,
        membership.user_id,
        kept,
        note,
    )
