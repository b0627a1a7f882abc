"""Disputes (chargebacks): ``charge.dispute.created/updated/closed`` all end in
``dispute_sync``, which applies the dispute object Stripe sent.

Events may arrive late, twice or out of order. A dispute only moves forward (an inquiry
may become a dispute; an open dispute is reviewed, then closed), so an event whose status
ranks below what we hold is stale and changes nothing: every order of delivery ends in
the same state. While a dispute is open the order needs attention (reason and deadline
in its note) and staff are e-mailed once; a lost dispute revokes masterclass access bought
with the order; a won (or withdrawn) one clears the flag.
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from courses import services as courses_services
from courses.formatting import local_date, money_amount
from courses.models import AccessSource
from courses.services.outbox import outbox_add

from .. import tasks
from ..models import Dispute, DisputeStatus, Order
from .orders import _masterclass_grant_reference

logger = logging.getLogger(__name__)

# How far along each status is; a status never goes back to a lower rank.
STATUS_RANK: dict[str, int] = {
    DisputeStatus.WARNING_NEEDS_RESPONSE: 1,
    DisputeStatus.WARNING_UNDER_REVIEW: 2,
    DisputeStatus.NEEDS_RESPONSE: 3,
    DisputeStatus.UNDER_REVIEW: 4,
    DisputeStatus.WARNING_CLOSED: 5,
    DisputeStatus.WON: 5,
    DisputeStatus.LOST: 5,
    DisputeStatus.PREVENTED: 5,
}
# Our attention notes about disputes start with this, so clearing one leaves others alone.
NOTE_PREFIX = "Dispute"


def _moment(timestamp) -> datetime.datetime | None:
    if not timestamp:
        return None
    return datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.UTC)


def _dispute_row(dispute: dict, order: Order, status: str) -> tuple[Dispute, bool]:
    """Our row for Stripe's dispute, created on first sight. The order's row lock (held
    by the caller) serialises concurrent deliveries of the same dispute."""
    row = Dispute.objects.select_for_update().filter(stripe_dispute_id=dispute["id"]).first()
    if row is not None:
        return row, False
    row = Dispute.objects.create(
        order=order,
        stripe_dispute_id=dispute["id"],
        stripe_charge_id=str(dispute.get("charge") or ""),
        amount=int(dispute.get("amount") or 0),
        currency=str(dispute.get("currency") or order.currency),
        reason=str(dispute.get("reason") or "general")[:40],
        status=status,
        evidence_due_by=_moment((dispute.get("evidence_details") or {}).get("due_by")),
        opened_at=_moment(dispute.get("created")) or timezone.now(),
    )
    return row, True


def _attention_note(dispute: Dispute) -> str:
    amount = money_amount(dispute.amount, dispute.currency)
    if dispute.status == DisputeStatus.LOST:
        what = "masterclass access revoked" if dispute.order.is_masterclass else "seats kept"
        return f"{NOTE_PREFIX} lost ({dispute.reason_display}): {amount} taken back; {what}."
    due = ""
    if dispute.evidence_due_by is not None:
        due = f", respond in Stripe by {local_date(dispute.evidence_due_by)}"
    if dispute.status in (DisputeStatus.UNDER_REVIEW, DisputeStatus.WARNING_UNDER_REVIEW):
        due = ", evidence submitted, awaiting the bank"
    return f"{NOTE_PREFIX} opened ({dispute.reason_display}) over {amount}{due}."


def _order_apply_dispute(order: Order, dispute: Dispute) -> None:
    """Flag the order while the dispute is open or lost; clear our flag once it is won."""
    if dispute.status == DisputeStatus.LOST or not dispute.is_closed:
        order.needs_attention, order.attention_note = True, _attention_note(dispute)[:255]
    elif order.attention_note.startswith(NOTE_PREFIX):
        if order.disputes.exclude(pk=dispute.pk).filter(status=DisputeStatus.LOST).exists():
            return
        order.needs_attention, order.attention_note = False, ""
    else:
        return
    order.save(update_fields=["needs_attention", "attention_note"])


@transaction.atomic
def dispute_sync(*, dispute: dict, now: datetime.datetime | None = None) -> Dispute | None:
    """Apply a dispute object from a ``charge.dispute.*`` event. Idempotent and
    order-independent (see the module docstring). Returns our row, or None when the
    dispute is about a payment we do not know."""
    now = now or timezone.now()
    intent = dispute.get("payment_intent") or ""
    order = Order.objects.select_for_update().filter(stripe_payment_intent_id=intent).first()
    if not intent or order is None:
        logger.warning("Dispute %s matches no order", dispute.get("id"))
        return None
    status = dispute.get("status") or DisputeStatus.NEEDS_RESPONSE
    if status not in STATUS_RANK:
        logger.warning("Dispute %s has an unknown status %r", dispute.get("id"), status)
        return None
    row, created = _dispute_row(dispute, order, status)
    if created:
        outbox_add(tasks.dispute_notify_staff, row.pk)
    elif STATUS_RANK[status] < STATUS_RANK[row.status] or row.is_closed:
        return row  # stale, a duplicate, or after the final word: nothing changes
    else:
        row.status = status
        row.reason = str(dispute.get("reason") or row.reason)[:40]
        row.amount = int(dispute.get("amount") or row.amount)
        due_by = _moment((dispute.get("evidence_details") or {}).get("due_by"))
        row.evidence_due_by = due_by or row.evidence_due_by
    if row.is_closed and row.closed_at is None:
        row.closed_at = now
    row.save()
    row.order = order
    if row.status == DisputeStatus.LOST and order.masterclass_id is not None:
        courses_services.access_grant_end(
            source=AccessSource.PURCHASE,
            source_reference=_masterclass_grant_reference(order),
            revoke=True,
        )
    _order_apply_dispute(order, row)
    return row
