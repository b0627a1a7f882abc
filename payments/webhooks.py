"""Stripe webhook events: store each verified event once (``stripe_event_record``), then
process it exactly once in a task (``stripe_event_process``) through the handler the
event type maps to in ``EVENT_HANDLERS``. The view only verifies the signature and hands
the event here.
"""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from courses.services.outbox import outbox_add

from . import tasks
from .models import Order, RefundReason, StripeEvent
from .services import memberships
from .services.disputes import dispute_sync
from .services.orders import _order_for_checkout, checkout_payment_failed, checkout_session_sync
from .services.refunds import charge_refunded_sync, refund_record


def stripe_event_record(*, event: dict) -> tuple[StripeEvent, bool]:
    """Store a verified event once; enqueue its processing on commit. Returns (row,
    created). A known event that never finished processing is enqueued again."""
    with transaction.atomic():
        row, created = StripeEvent.objects.get_or_create(
            event_id=event["id"],
            defaults={"type": event.get("type", ""), "payload": event},
        )
        if created or row.processed_at is None:
            outbox_add(tasks.stripe_event_process, row.pk)
    return row, created


def _order_of_event_object(obj: dict) -> Order | None:
    if obj.get("object") == "checkout.session":
        return _order_for_checkout(obj)
    intent = obj.get("payment_intent")
    if intent:
        return Order.objects.filter(stripe_payment_intent_id=intent).first()
    return None


def _handle_checkout(obj: dict) -> None:
    if obj.get("mode") == "subscription":
        memberships.membership_event_received(obj=obj)
        return
    checkout_session_sync(checkout=obj)


def _handle_async_failed(obj: dict) -> None:
    checkout_payment_failed(checkout=obj)


def _handle_charge_refunded(obj: dict) -> None:
    charge_refunded_sync(charge=obj)


def _handle_membership(obj: dict) -> None:
    memberships.membership_event_received(obj=obj)


def _handle_refund(obj: dict) -> None:
    reason = RefundReason.STRIPE
    if (obj.get("metadata") or {}).get("reason") == "late_payment":
        reason = RefundReason.LATE_PAYMENT
    refund_record(refund=obj, reason=reason)


def _handle_dispute(obj: dict) -> None:
    dispute_sync(dispute=obj)


def _handle_price(obj: dict) -> None:
    memberships.membership_price_changed(price=obj)


EVENT_HANDLERS: dict[str, Callable[[dict], None]] = {
    "checkout.session.completed": _handle_checkout,
    "checkout.session.async_payment_succeeded": _handle_checkout,
    "checkout.session.async_payment_failed": _handle_async_failed,
    "checkout.session.expired": _handle_checkout,
    "charge.refunded": _handle_charge_refunded,
    "refund.created": _handle_refund,
    "refund.updated": _handle_refund,
    # Disputes: each applies the dispute as sent; a status never moves back, so
    # duplicates and reordering converge (payments.services.disputes).
    "charge.dispute.created": _handle_dispute,
    "charge.dispute.updated": _handle_dispute,
    "charge.dispute.closed": _handle_dispute,
    # Memberships (payments.services.memberships.MEMBERSHIP_EVENTS): each syncs the
    # subscription as Stripe has it now, so duplicates and reordering converge.
    "customer.subscription.created": _handle_membership,
    "customer.subscription.updated": _handle_membership,
    "customer.subscription.deleted": _handle_membership,
    "invoice.paid": _handle_membership,
    "invoice.payment_failed": _handle_membership,
    # The STRIPE_PRICE_* price was edited: the join page reads it again.
    "price.updated": _handle_price,
}


@transaction.atomic
def stripe_event_process(*, event_pk: int, now=None) -> StripeEvent:
    """Process one stored event exactly once: the row lock serialises concurrent
    deliveries and ``processed_at`` makes every later attempt a no-op."""
    event = StripeEvent.objects.select_for_update().get(pk=event_pk)
    if event.processed_at:
        return event
    obj = (event.payload.get("data") or {}).get("object") or {}
    handler = EVENT_HANDLERS.get(event.type)
    if handler is not None:
        handler(obj)
    event.order = _order_of_event_object(obj)
    event.processed_at = now or timezone.now()
    event.error = ""
    event.save(update_fields=["order", "processed_at", "error"])
    return event
