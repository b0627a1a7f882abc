"""Refunds: every refund we start is written ``pending`` first with its own idempotency
key (``refund_request``), then sent to Stripe from a task (``refund_submit``); retries
look for our key at Stripe first. Stripe's answers and ``refund.*``/``charge.refunded``
events (``refund_record``, ``charge_refunded_sync``) set the order's refunded total.
"""

import datetime
import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from courses import services as courses_services
from courses.formatting import money_amount
from courses.models import AccessSource, AuditAction
from courses.services.outbox import outbox_add

from .. import gateway, selectors, tasks
from ..errors import RefundNotPossible
from ..models import Order, OrderStatus, PaymentStatus, Refund, RefundReason, RefundStatus
from .orders import _masterclass_grant_reference

logger = logging.getLogger(__name__)


def _order_apply_refunded_total(order: Order, refunded: int, now) -> None:
    """Set the refunded total (never lower it) and the matching status; a full refund of a
    paid order gives its seats back."""
    paid = sum(p.amount for p in order.payments.filter(status=PaymentStatus.SUCCEEDED))
    refunded = min(max(order.amount_refunded, refunded), order.total_amount)
    if refunded == order.amount_refunded and order.status in (
        OrderStatus.REFUNDED,
        OrderStatus.PARTIALLY_REFUNDED,
    ):
        return
    order.amount_refunded = refunded
    if refunded and refunded >= paid:
        order.status = OrderStatus.REFUNDED
        order.closed_at = order.closed_at or now
        if order.masterclass_id is not None:
            courses_services.access_grant_end(
                source=AccessSource.PURCHASE,
                source_reference=_masterclass_grant_reference(order),
                revoke=True,
            )
        else:
            # Cancelling the seats offers them to the session's waiting list.
            courses_services.seat_hold_cancel(
                reservation=order.reservation, reason="Refunded", now=now
            )
    elif refunded and order.status == OrderStatus.PAID:
        order.status = OrderStatus.PARTIALLY_REFUNDED
    order.save(update_fields=["amount_refunded", "status", "closed_at"])


def _refund_row_for(refund: dict, order: Order) -> Refund | None:
    """Our row for a Stripe refund: by Stripe's id, or (the first answer, possibly a
    webhook racing our own task) by the idempotency key we put in its metadata."""
    rows = Refund.objects.select_for_update()
    record = rows.filter(stripe_refund_id=refund["id"]).first()
    key = (refund.get("metadata") or {}).get("refund_key")
    if record is None and key:
        record = rows.filter(order=order, idempotency_key=key).first()
    return record


@transaction.atomic
def refund_record(*, refund: dict, reason: str = RefundReason.STRIPE, now=None) -> Refund | None:
    """Upsert a Stripe refund (API response or ``refund.*`` event) and its order's totals.
    Refunds we started fill in their pending row; others (Stripe's dashboard) are added."""
    now = now or timezone.now()
    intent = refund.get("payment_intent") or ""
    order = Order.objects.select_for_update().filter(stripe_payment_intent_id=intent).first()
    if order is None:
        logger.warning("Refund %s matches no order", refund.get("id"))
        return None
    status = refund.get("status") or RefundStatus.PENDING
    if status not in RefundStatus.values:
        status = RefundStatus.PENDING
    record = _refund_row_for(refund, order)
    if record is None:
        try:
            with transaction.atomic():
                record = Refund.objects.create(
                    order=order,
                    stripe_refund_id=refund["id"],
                    amount=int(refund["amount"]),
                    currency=refund.get("currency", order.currency),
                    status=status,
                    reason=reason,
                    submitted_at=now,
                )
        except IntegrityError:  # a concurrent delivery created it first
            record = Refund.objects.select_for_update().get(stripe_refund_id=refund["id"])
    previous = record.status
    accepted = not record.stripe_refund_id and status in selectors.REFUND_COMMITTED
    record.stripe_refund_id = refund["id"]
    record.status = status
    record.submitted_at = record.submitted_at or now
    if status in selectors.REFUND_COMMITTED:
        record.last_error = ""
    record.save(update_fields=["stripe_refund_id", "status", "submitted_at", "last_error"])
    if status in (RefundStatus.FAILED, RefundStatus.CANCELED) and previous != status:
        _order_flag(
            order, f"Refund of {money_amount(record.amount, record.currency)} {status} at Stripe."
        )
    counted = sum(
        r.amount
        for r in order.refunds.filter(status__in=selectors.REFUND_COMMITTED).exclude(
            stripe_refund_id=""
        )
    )
    _order_apply_refunded_total(order, counted, now)
    if accepted and record.reason == RefundReason.LATE_PAYMENT:
        # Told once Stripe has the refund (whichever answer fills our row first), so the
        # e-mail can say how much went back.
        outbox_add(tasks.order_send_refund_notice, order.pk)
    return record


def _order_flag(order: Order, note: str) -> None:
    Order.objects.filter(pk=order.pk).update(needs_attention=True, attention_note=note[:255])
    order.needs_attention, order.attention_note = True, note[:255]


@transaction.atomic
def charge_refunded_sync(*, charge: dict, now=None) -> Order | None:
    """``charge.refunded``: Stripe's refunded total for the payment is authoritative."""
    now = now or timezone.now()
    intent = charge.get("payment_intent") or ""
    order = Order.objects.select_for_update().filter(stripe_payment_intent_id=intent).first()
    if order is None:
        return None
    _order_apply_refunded_total(order, int(charge.get("amount_refunded") or 0), now)
    return order


# --- Refunds we start: pending first, then Stripe -----------------------------------------


def refund_request(
    *,
    order_id: int,
    amount: int,
    reason: str,
    note: str = "",
    requested_by=None,
    registration_id: int | None = None,
    key: str = "",
) -> Refund:
    """Decide a refund: write it ``pending`` and send it to Stripe from a task after commit.

    ``key`` (optional) names the decision: asking again with the same key returns the
    first refund (a double-clicked form, a retried request). Raises ``RefundNotPossible``
    with a reason fit to show, and writes nothing then."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if key:
            existing = Refund.objects.filter(idempotency_key=key).first()
            if existing is not None:
                return existing
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise RefundNotPossible(gettext("Enter an amount greater than zero."))
        if not order.stripe_payment_intent_id:
            raise RefundNotPossible(
                gettext("This order was not paid online, so there is nothing to refund.")
            )
        refundable = selectors.order_refundable_amount(order=order)
        if amount > refundable:
            raise RefundNotPossible(
                gettext(
                    "At most %(most)s can still be refunded on this order; %(amount)s is more "
                    "than that."
                )
                % {
                    "most": money_amount(refundable, order.currency),
                    "amount": money_amount(amount, order.currency),
                }
                if refundable
                else gettext("Everything paid for this order has already been refunded.")
            )
        refund = Refund.objects.create(
            order=order,
            amount=amount,
            currency=order.currency,
            status=RefundStatus.PENDING,
            reason=reason,
            note=note.strip(),
            requested_by=requested_by,
            registration_id=registration_id,
            idempotency_key=key or f"refund-{order.reference}-{uuid.uuid4().hex}",
        )
        outbox_add(tasks.refund_submit, refund.pk)
    return refund


def _refund_found_at_stripe(refund: Refund) -> dict | None:
    """After a failed attempt Stripe may have made the refund anyway (the answer was
    lost, or saved under the key as an error): look for it by the key in its metadata."""
    for candidate in gateway.refunds_for_payment(
        payment_intent_id=refund.order.stripe_payment_intent_id
    ):
        if (candidate.get("metadata") or {}).get("refund_key") == refund.idempotency_key:
            return candidate
    return None


def refund_submit(*, refund_id: int) -> Refund:
    """Send a pending refund to Stripe (task, beat retries). Never inside a transaction
    while Stripe is asked; the idempotency key makes every attempt the same request.

    A refusal (e.g. more than is left on the charge) fails the refund and flags the order
    for staff; anything else (network, Stripe down) leaves it pending with the error, to be
    tried again."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("order").get(pk=refund_id)
        if refund.stripe_refund_id or refund.status != RefundStatus.PENDING:
            return refund
        refund.attempts += 1
        refund.save(update_fields=["attempts", "updated_at"])
    order = refund.order
    try:
        answer = _refund_found_at_stripe(refund) if refund.attempts > 1 else None
        answer = answer or gateway.refund_create(
            payment_intent_id=order.stripe_payment_intent_id,
            amount=refund.amount,
            reason=refund.reason,
            key=refund.idempotency_key,
            metadata={
                "refund_key": refund.idempotency_key,
                "order_reference": str(order.reference),
            },
        )
    except gateway.GatewayRefused as error:
        logger.warning("Stripe refused refund %s: %s", refund.pk, error)
        with transaction.atomic():
            Refund.objects.filter(pk=refund.pk, stripe_refund_id="").update(
                status=RefundStatus.FAILED, last_error=str(error)[:2000]
            )
            _order_flag(
                order,
                f"Refund of {money_amount(refund.amount, refund.currency)} refused by Stripe: {error}",
            )
        refund.refresh_from_db()
        return refund
    except gateway.GatewayError as error:
        logger.warning("Refund %s not sent yet (attempt %s): %s", refund.pk, refund.attempts, error)
        Refund.objects.filter(pk=refund.pk).update(last_error=str(error)[:2000])
        refund.refresh_from_db()
        return refund
    return refund_record(refund=answer, reason=refund.reason) or refund


REFUND_RETRY_AFTER = datetime.timedelta(minutes=2)
REFUND_MAX_ATTEMPTS = 50
REFUND_CHECK_STRIPE_AFTER = datetime.timedelta(hours=1)


def refunds_retry(*, now=None) -> int:
    """Beat: send again every refund Stripe has not accepted yet (left by an outage), and
    ask Stripe about refunds it has kept pending for a while (a lost ``refund.updated``).
    Returns how many were handed to tasks."""
    now = now or timezone.now()
    unsent = Refund.objects.filter(
        status=RefundStatus.PENDING,
        stripe_refund_id="",
        updated_at__lte=now - REFUND_RETRY_AFTER,
        attempts__lt=REFUND_MAX_ATTEMPTS,
    ).values_list("pk", flat=True)
    for refund_id in unsent:  # already durable: the pending Refund row is the record
        tasks.refund_submit.delay_on_commit(refund_id)
    waiting = (
        Refund.objects.filter(
            status__in=[RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION],
            updated_at__lte=now - REFUND_CHECK_STRIPE_AFTER,
        )
        .exclude(stripe_refund_id="")
        .values_list("pk", flat=True)
    )
    for refund_id in waiting:
        tasks.refund_refresh.delay_on_commit(refund_id)
    return len(unsent) + len(waiting)


def refund_refresh(*, refund_id: int) -> Refund | None:
    """Ask Stripe for a refund's current state (it stayed pending without news)."""
    refund = Refund.objects.get(pk=refund_id)
    try:
        answer = gateway.refund_retrieve(refund_id=refund.stripe_refund_id)
    except gateway.GatewayError as error:
        logger.warning("Could not refresh refund %s: %s", refund.pk, error)
        Refund.objects.filter(pk=refund.pk).update(updated_at=timezone.now())
        return refund
    return refund_record(refund=answer, reason=refund.reason)


def order_refund_by_staff(
    *, order_id: int, amount: int, note: str, requested_by, key: str = ""
) -> Refund:
    """Staff refund part or all of an order, with a reason. A refund of everything paid
    cancels the order's seats once Stripe accepts it."""
    if not note.strip():
        raise RefundNotPossible(
            gettext("Give a reason for the refund: the buyer and the books see it.")
        )
    with transaction.atomic():
        repeated = bool(key) and Refund.objects.filter(idempotency_key=key).exists()
        refund = refund_request(
            order_id=order_id,
            amount=amount,
            reason=RefundReason.STAFF,
            note=note,
            requested_by=requested_by,
            key=key,
        )
        if not repeated:
            courses_services.audit_record(
                actor=requested_by,
                action=AuditAction.REFUND,
                target=refund.order,
                details={
                    "refund_id": refund.pk,
                    "amount": amount,
                    "currency": refund.currency,
                    "note": note.strip(),
                },
            )
    return refund


def order_refund_late_payment(*, order_id: int) -> Refund | None:
    """Refund a payment that arrived after its seats were gone (called by a task), through
    the one refund pipeline: ``refund_request`` writes it pending under the decision's key
    and ``refund_submit`` sends it. A retried task finds that refund, never makes a second;
    ``refund_record`` tells the buyer once Stripe has accepted it."""
    order = Order.objects.get(pk=order_id)
    amount = selectors.order_refundable_amount(order=order)
    if not amount:
        return None
    return refund_request(
        order_id=order.pk,
        amount=amount,
        reason=RefundReason.LATE_PAYMENT,
        key=f"order-{order.reference}-late-payment-refund",
    )
