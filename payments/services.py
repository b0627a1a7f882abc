"""Writes for orders and money. Every Stripe outcome goes through one idempotent service,
whichever path reports it first (webhook, success page, retry), so duplicate and
out-of-order reports converge on the same state.

Stripe calls never happen inside a transaction: ``order_checkout_start`` talks to Stripe
between two short transactions, and refunds are Celery tasks enqueued on commit.
"""

import datetime
import logging
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses import selectors as courses_selectors
from courses import services as courses_services
from courses.errors import HoldExpired, RegistrationClosed
from courses.models import AccessSource, Masterclass, Registration, RegistrationStatus, Session
from courses.services import DEFAULT_HOLD, SeatRequest

from . import gateway, memberships, selectors, tasks
from .errors import (
    AlreadyHasAccess,
    CancellationRefused,
    CheckoutUnavailable,
    MasterclassNotForSale,
    OrderNotPayable,
    QuoteChanged,
    RefundNotPossible,
)
from .models import (
    Notice,
    NoticeKind,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundReason,
    RefundStatus,
    StripeEvent,
)

logger = logging.getLogger(__name__)

PAID_STATES = (OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED)


def order_create(
    *,
    buyer,
    session_id: int,
    requests: Sequence[SeatRequest],
    now=None,
    waitlist_entry_id: int | None = None,
) -> Order:
    """Hold the seats and write the order in one transaction. Free orders are confirmed
    at once, without Stripe. ``waitlist_entry_id``: the buyer books the seats their
    waiting-list offer holds. Raises the courses domain errors and writes nothing then."""
    now = now or timezone.now()
    with transaction.atomic():
        registrations = courses_services.seat_hold_create(
            session_id=session_id,
            requests=requests,
            buyer=buyer,
            now=now,
            waitlist_entry_id=waitlist_entry_id,
        )
        currencies = {r.currency for r in registrations}
        if len(currencies) != 1:
            # Raising inside the atomic block rolls the holds back as well.
            raise OrderNotPayable("Tickets in different currencies must be booked separately.")
        first = registrations[0]
        order = Order.objects.create(
            reservation=first.reservation,
            buyer=buyer,
            email=buyer.email,
            session_id=session_id,
            total_amount=sum(r.price_amount for r in registrations),
            currency=first.currency,
            # Held seats always carry an expiry (a database constraint says so).
            hold_expires_at=cast(datetime.datetime, first.hold_expires_at),
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                registration=r,
                description=f"{r.ticket_type.name} — {r.attendee_name}",
                unit_amount=r.price_amount,
                currency=r.currency,
            )
            for r in registrations
        )
        if order.is_free:
            order = order_mark_paid(order_id=order.pk, payment_intent_id="", amount=0, now=now)
    return order


@transaction.atomic
def masterclass_order_create(*, buyer, masterclass_id: int, now=None) -> Order:
    """An order for lifetime access to one masterclass, open for as long as a checkout
    hold lasts. Nothing is held: there are no seats. Asking again while an order is still
    open returns that order (one checkout, never two charges). Raises
    ``MasterclassNotForSale`` or ``AlreadyHasAccess`` and writes nothing then."""
    now = now or timezone.now()
    # The buyer's row lock serialises two clicks on "Buy" (two tabs, a double submit).
    get_user_model().objects.select_for_update().filter(pk=buyer.pk).first()
    masterclass = Masterclass.objects.filter(pk=masterclass_id).first()
    if masterclass is None or not masterclass.is_purchasable:
        raise MasterclassNotForSale("This masterclass is not for sale on its own.")
    if courses_selectors.user_can_watch_masterclass(user=buyer, masterclass=masterclass, at=now):
        raise AlreadyHasAccess(f"You can already watch {masterclass.title}: no need to buy it.")
    pending = Order.objects.filter(buyer=buyer, masterclass=masterclass, status=OrderStatus.PENDING)
    if pending.filter(awaiting_async_payment=True).exists():
        raise OrderNotPayable(
            f"Your payment for {masterclass.title} is still being processed by your bank. "
            "We e-mail you as soon as it clears."
        )
    open_order = pending.filter(hold_expires_at__gt=now).first()
    if open_order is not None:
        return open_order
    return Order.objects.create(
        reservation=uuid.uuid4(),
        buyer=buyer,
        email=buyer.email,
        masterclass=masterclass,
        total_amount=cast(int, masterclass.price_amount),
        currency=masterclass.currency.lower(),
        # Stripe's checkout lives as long as a seat hold would (at least its 30 minutes).
        hold_expires_at=now + DEFAULT_HOLD,
    )


def _masterclass_grant_reference(order: Order) -> str:
    return f"order-{order.reference}"


def _checkout_lines(order: Order) -> list[gateway.CheckoutLine]:
    if order.masterclass is not None:
        return [
            gateway.CheckoutLine(
                name=f"Masterclass — {order.masterclass.title}",
                unit_amount=order.total_amount,
                quantity=1,
                description="Lifetime access to every lesson of this online masterclass.",
            )
        ]
    grouped: OrderedDict[tuple[str, int], int] = OrderedDict()
    for line in order.lines.select_related("registration__ticket_type"):
        key = (line.registration.ticket_type.name, line.unit_amount)
        grouped[key] = grouped.get(key, 0) + 1
    # Not a masterclass order, so a session order (a database constraint says so).
    session = cast(Session, order.session)
    title = session.workshop.title
    when = f"{session.local_starts_at:%a %d %b %Y}, {session.venue.city}"
    return [
        gateway.CheckoutLine(
            name=f"{title} — {name}", unit_amount=amount, quantity=qty, description=when
        )
        for (name, amount), qty in grouped.items()
    ]


def order_checkout_start(*, order_id: int, success_url: str, cancel_url: str) -> Order:
    """Create (or find again: same idempotency key) the order's Stripe Checkout Session,
    expiring with the hold. Raises ``OrderNotPayable`` or ``CheckoutUnavailable``."""
    order = Order.objects.select_related("session__workshop", "session__venue", "masterclass").get(
        pk=order_id
    )
    if order.stripe_checkout_url:
        return order
    if not order.hold_is_active:
        raise OrderNotPayable("This order is no longer awaiting payment.")
    try:
        checkout = gateway.checkout_session_create(
            reference=str(order.reference),
            order_id=order.pk,
            email=order.email,
            currency=order.currency,
            lines=_checkout_lines(order),
            expires_at=order.hold_expires_at,
            success_url=success_url,
            cancel_url=cancel_url,
            description=f"Order {order.number}: {order.item_display()}",
        )
    except gateway.GatewayError as error:
        logger.warning("Checkout for order %s failed: %s", order.pk, error)
        raise CheckoutUnavailable(
            "We could not reach our payment provider. Your seats are still held: please "
            "try again in a moment."
        ) from error
    Order.objects.filter(pk=order.pk).update(
        stripe_checkout_session_id=checkout["id"], stripe_checkout_url=checkout["url"]
    )
    order.refresh_from_db()
    return order


@transaction.atomic
def order_mark_paid(
    *, order_id: int, payment_intent_id: str, amount: int, currency: str = "", now=None
) -> Order:
    """Money landed: confirm the seats; idempotent. A payment after the hold expired takes
    free seats if there are enough, otherwise the order is cancelled and refunded
    automatically (task) and flagged for staff."""
    now = now or timezone.now()
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.paid_at or order.late_payment:
        return order
    if currency and currency.lower() != order.currency:
        raise OrderNotPayable(f"Payment currency {currency} does not match the order.")
    if payment_intent_id:
        Payment.objects.update_or_create(
            stripe_payment_intent_id=payment_intent_id,
            defaults={
                "order": order,
                "amount": amount,
                "currency": order.currency,
                "status": PaymentStatus.SUCCEEDED,
            },
        )
        order.stripe_payment_intent_id = payment_intent_id
    order.paid_at = now
    order.awaiting_async_payment = False
    if order.masterclass_id is not None:
        return _masterclass_order_fulfil(order, now)
    late = order.status != OrderStatus.PENDING or now >= order.hold_expires_at
    try:
        with transaction.atomic():
            courses_services.seat_hold_confirm(reservation=order.reservation, now=now)
    except HoldExpired:
        order.status = OrderStatus.CANCELLED
        order.late_payment = True
        order.needs_attention = True
        order.attention_note = (
            "Paid after the hold expired and the session was full: refunded automatically."
        )
        order.closed_at = now
        order.save()
        if amount:
            tasks.order_refund_late_payment.delay_on_commit(order.pk)
        return order
    order.status = OrderStatus.PAID
    if late:
        order.late_payment = True
        order.needs_attention = True
        order.attention_note = "Paid after the hold expired; seats were still free and confirmed."
    order.save()
    tasks.order_send_confirmation.delay_on_commit(order.pk)
    return order


def _masterclass_order_fulfil(order: Order, now) -> Order:
    """Paid (even after its checkout closed: nothing was held, so nothing ran out):
    lifetime access, one grant per order whichever path reports the payment."""
    order.status = OrderStatus.PAID
    order.closed_at = None
    if order.buyer is None:
        order.needs_attention = True
        order.attention_note = "Paid, but the buyer's account is gone: no access was granted."
        order.save()
        return order
    order.save()
    courses_services.access_grant_create(
        user=order.buyer,
        source=AccessSource.PURCHASE,
        masterclass=order.masterclass,
        starts_at=now,
        source_reference=_masterclass_grant_reference(order),
    )
    tasks.order_send_confirmation.delay_on_commit(order.pk)
    return order


@transaction.atomic
def order_mark_processing(*, order_id: int, payment_intent_id: str, amount: int) -> Order:
    """Checkout completed with a delayed method: keep waiting, seats stay held."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != OrderStatus.PENDING or order.paid_at:
        return order
    order.awaiting_async_payment = True
    order.stripe_payment_intent_id = payment_intent_id or order.stripe_payment_intent_id
    order.save(update_fields=["awaiting_async_payment", "stripe_payment_intent_id"])
    if payment_intent_id:
        Payment.objects.get_or_create(
            stripe_payment_intent_id=payment_intent_id,
            defaults={
                "order": order,
                "amount": amount,
                "currency": order.currency,
                "status": PaymentStatus.PROCESSING,
            },
        )
    return order


@transaction.atomic
def order_close_unpaid(*, order_id: int, status: str, reason: str, now=None) -> Order:
    """Checkout expired or payment failed: release the seats. Never touches paid orders."""
    now = now or timezone.now()
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != OrderStatus.PENDING or order.paid_at:
        return order
    courses_services.seat_hold_release(reservation=order.reservation, reason=reason, now=now)
    order.status = status
    order.awaiting_async_payment = False
    order.closed_at = now
    order.save(update_fields=["status", "awaiting_async_payment", "closed_at"])
    if status == OrderStatus.CANCELLED:
        Payment.objects.filter(order=order, status=PaymentStatus.PROCESSING).update(
            status=PaymentStatus.FAILED
        )
    return order


def orders_expire(*, now=None) -> int:
    """Periodic: close pending orders whose hold lapsed (Stripe's expiry event may lag)."""
    now = now or timezone.now()
    closed = 0
    stale = Order.objects.filter(
        status=OrderStatus.PENDING, awaiting_async_payment=False, hold_expires_at__lte=now
    ).values_list("pk", flat=True)
    for order_id in stale:
        order = order_close_unpaid(
            order_id=order_id, status=OrderStatus.EXPIRED, reason="Hold expired", now=now
        )
        closed += order.status == OrderStatus.EXPIRED
    return closed


def _order_for_checkout(checkout: dict) -> Order | None:
    metadata = checkout.get("metadata") or {}
    reference = checkout.get("client_reference_id") or metadata.get("order_reference")
    order = None
    if reference:
        order = Order.objects.filter(reference=reference).first()
    if order is None and checkout.get("id"):
        order = Order.objects.filter(stripe_checkout_session_id=checkout["id"]).first()
    return order


def checkout_session_sync(*, checkout: dict, now=None) -> Order | None:
    """Apply a Checkout Session's state (from a webhook or retrieved on the success page)
    to its order. Idempotent and safe in any order."""
    order = _order_for_checkout(checkout)
    if order is None:
        logger.warning("Checkout Session %s matches no order", checkout.get("id"))
        return None
    status, payment_status = checkout.get("status"), checkout.get("payment_status")
    intent = checkout.get("payment_intent") or ""
    if isinstance(intent, dict):
        intent = intent.get("id", "")
    amount = int(checkout.get("amount_total") or 0)
    if status == "complete" and payment_status in ("paid", "no_payment_required"):
        return order_mark_paid(
            order_id=order.pk,
            payment_intent_id=intent,
            amount=amount,
            currency=checkout.get("currency") or "",
            now=now,
        )
    if status == "complete":
        return order_mark_processing(order_id=order.pk, payment_intent_id=intent, amount=amount)
    if status == "expired":
        return order_close_unpaid(
            order_id=order.pk, status=OrderStatus.EXPIRED, reason="Checkout expired", now=now
        )
    return order


def checkout_payment_failed(*, checkout: dict, now=None) -> Order | None:
    order = _order_for_checkout(checkout)
    if order is None:
        return None
    return order_close_unpaid(
        order_id=order.pk, status=OrderStatus.CANCELLED, reason="Payment failed", now=now
    )


def checkout_fulfil_on_return(*, order: Order) -> Order:
    """Success page: ask Stripe for the session now, so a late webhook never leaves the
    buyer looking at "pending". Stripe being unreachable is not fatal: the webhook will do."""
    if order.status != OrderStatus.PENDING or not order.stripe_checkout_session_id:
        return order
    try:
        checkout = gateway.checkout_session_retrieve(
            checkout_session_id=order.stripe_checkout_session_id
        )
    except gateway.GatewayError as error:
        logger.warning("Could not retrieve checkout for order %s: %s", order.pk, error)
        return order
    return checkout_session_sync(checkout=checkout) or order


# --- Refunds ------------------------------------------------------------------------------


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


REFUND_COUNTED = (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION, RefundStatus.SUCCEEDED)


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
    record.stripe_refund_id = refund["id"]
    record.status = status
    record.submitted_at = record.submitted_at or now
    if status in REFUND_COUNTED:
        record.last_error = ""
    record.save(update_fields=["stripe_refund_id", "status", "submitted_at", "last_error"])
    if status in (RefundStatus.FAILED, RefundStatus.CANCELED) and previous != status:
        _order_flag(
            order, f"Refund of {_money(record.amount, record.currency)} {status} at Stripe."
        )
    counted = sum(
        r.amount
        for r in order.refunds.filter(status__in=REFUND_COUNTED).exclude(stripe_refund_id="")
    )
    _order_apply_refunded_total(order, counted, now)
    return record


def _money(amount: int, currency: str) -> str:
    from .templatetags.money import money_amount

    return money_amount(amount, currency)


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


def order_refund_late_payment(*, order_id: int) -> Refund | None:
    """Refund a payment that arrived after its seats were gone. Called by a task; the
    idempotency key makes a retried task return Stripe's first refund, not a second."""
    order = Order.objects.get(pk=order_id)
    payment = order.payments.filter(status=PaymentStatus.SUCCEEDED).first()
    if payment is None or order.amount_refunded >= payment.amount:
        return None
    refund = gateway.refund_create(
        payment_intent_id=payment.stripe_payment_intent_id,
        amount=payment.amount - order.amount_refunded,
        reason="late_payment",
        key=f"order-{order.reference}-late-payment-refund",
    )
    record = refund_record(refund=refund, reason=RefundReason.LATE_PAYMENT)
    tasks.order_send_refund_notice.delay_on_commit(order.pk)
    return record


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
            raise RefundNotPossible("Enter an amount greater than zero.")
        if not order.stripe_payment_intent_id:
            raise RefundNotPossible(
                "This order was not paid online, so there is nothing to refund."
            )
        refundable = selectors.order_refundable_amount(order=order)
        if amount > refundable:
            raise RefundNotPossible(
                f"At most {_money(refundable, order.currency)} can still be refunded on this "
                f"order; {_money(amount, order.currency)} is more than that."
                if refundable
                else "Everything paid for this order has already been refunded."
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
        tasks.refund_submit.delay_on_commit(refund.pk)
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
                f"Refund of {_money(refund.amount, refund.currency)} refused by Stripe: {error}",
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
    for refund_id in unsent:
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
        raise RefundNotPossible("Give a reason for the refund: the buyer and the books see it.")
    return refund_request(
        order_id=order_id,
        amount=amount,
        reason=RefundReason.STAFF,
        note=note,
        requested_by=requested_by,
        key=key,
    )


# --- Cancellations --------------------------------------------------------------------------


@dataclass(frozen=True)
class Cancellation:
    registration: Registration
    refund: Refund | None
    quote: selectors.RefundQuote


def registration_cancel(
    *,
    registration_id: int,
    requested_by,
    by_staff: bool = False,
    refund_amount: int | None = None,
    expected_amount: int | None = None,
    note: str = "",
    now=None,
) -> Cancellation:
    """Cancel one seat: the seat is freed at once (waiting list offered), the refund the
    policy gives (attendee) or staff chose (``refund_amount``, up to the seat's share) is
    decided and sent to Stripe, and the attendee (and buyer) are e-mailed.

    ``expected_amount`` is the refund the person saw before confirming; if a deadline
    passed since, ``QuoteChanged`` carries the new quote and nothing changes. Raises
    ``CancellationRefused`` / ``RefundNotPossible`` with reasons fit to show."""
    now = now or timezone.now()
    with transaction.atomic():
        line = OrderLine.objects.filter(registration_id=registration_id).first()
        if line is not None:  # the order first: the lock order refund_record uses too
            Order.objects.select_for_update().filter(pk=line.order_id).first()
        registration = (
            Registration.objects.select_for_update()
            .select_related("session__workshop", "session__venue")
            .get(pk=registration_id)
        )
        quote = selectors.registration_refund_quote(
            registration=registration, now=now, by_staff=by_staff
        )
        if not quote.can_cancel:
            raise CancellationRefused(quote.refusal)
        if expected_amount is not None and expected_amount != quote.amount:
            raise QuoteChanged(
                "The refund has changed since you opened this page (a deadline passed). "
                "Please check the new amount and confirm again.",
                quote=quote,
            )
        amount = quote.amount
        if by_staff:
            if not note.strip():
                raise RefundNotPossible("Give a reason for cancelling: the attendee is told.")
            amount = quote.amount if refund_amount is None else refund_amount
            if amount < 0:
                raise RefundNotPossible("The refund cannot be negative.")
            if amount > quote.max_amount:
                raise RefundNotPossible(
                    f"At most {_money(quote.max_amount, quote.currency)} can be refunded for "
                    f"this seat; {_money(amount, quote.currency)} is more than that."
                )
        reason = RefundReason.STAFF if by_staff else RefundReason.CUSTOMER
        cancel_reason = (
            f"Cancelled by staff: {note.strip()}" if by_staff else "At the attendee's request"
        )
        courses_services.registration_cancel(
            registration_id=registration.pk, reason=cancel_reason, now=now
        )
        refund = None
        if amount and quote.order is not None:
            refund = refund_request(
                order_id=quote.order.pk,
                amount=amount,
                reason=reason,
                note=note or "Cancelled by the attendee under the refund policy.",
                requested_by=requested_by,
                registration_id=registration.pk,
                key=f"registration-{registration.pk}-cancellation",
            )
        recipients = [registration.attendee_email]
        if quote.order is not None:
            recipients.append(quote.order.email)
        for email in dict.fromkeys(e.lower() for e in recipients if e):
            notice_claim(
                key=f"registration-cancelled:{registration.pk}:{email}",
                kind=NoticeKind.REGISTRATION_CANCELLED,
                to=email,
                registration=registration,
                session=registration.session,
                note=note if by_staff else "",
            )
        registration.refresh_from_db()
    return Cancellation(registration=registration, refund=refund, quote=quote)


@dataclass(frozen=True)
class SessionCancellation:
    session: Session
    registrations: int
    refunds: list[Refund]
    notices: int


def session_cancel_with_refunds(
    *, session_id: int, requested_by, note: str, now=None
) -> SessionCancellation:
    """Cancel a whole session: every seat is cancelled, every paid order refunded in
    full (what is left of it), unpaid orders closed, and everyone e-mailed once.
    Raises ``CancellationRefused`` / ``RefundNotPossible`` and changes nothing then."""
    now = now or timezone.now()
    if not note.strip():
        raise RefundNotPossible("Give a reason: it is quoted in the e-mail to everyone.")
    with transaction.atomic():
        try:
            session = courses_services.session_lock(session_id=session_id)
        except RegistrationClosed:
            raise CancellationRefused("This session does not exist.") from None
        if session.is_cancelled:
            raise CancellationRefused("This session is already cancelled.")
        if session.ends_at <= now:
            raise CancellationRefused("This session has already ended, so it cannot be cancelled.")
        attendees = list(
            Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
        )
        courses_services.session_cancel(session=session)
        cancelled = courses_services.session_registrations_cancel(
            session=session, reason=f"Session cancelled: {note.strip()}", now=now
        )
        orders = Order.objects.filter(session=session)
        for order_id in orders.filter(status=OrderStatus.PENDING).values_list("pk", flat=True):
            order_close_unpaid(
                order_id=order_id, status=OrderStatus.CANCELLED, reason="Session cancelled", now=now
            )
        refunds = []
        paid = orders.filter(status__in=PAID_STATES).exclude(stripe_payment_intent_id="")
        for order in paid:
            amount = selectors.order_refundable_amount(order=order)
            if amount:
                refunds.append(
                    refund_request(
                        order_id=order.pk,
                        amount=amount,
                        reason=RefundReason.SESSION_CANCELLED,
                        note=note,
                        requested_by=requested_by,
                        key=f"session-{session.pk}-cancelled-order-{order.pk}",
                    )
                )
        people = [r.attendee_email for r in attendees]
        people += [o.email for o in paid]
        notices = 0
        for email in dict.fromkeys(e.lower() for e in people if e):
            notices += bool(
                notice_claim(
                    key=f"session-cancelled:{session.pk}:{email}",
                    kind=NoticeKind.SESSION_CANCELLED,
                    to=email,
                    session=session,
                    note=note,
                )
            )
    return SessionCancellation(
        session=session, registrations=len(cancelled), refunds=refunds, notices=notices
    )


# --- Complimentary registrations and notices ----------------------------------------------


def registration_create_complimentary(
    *,
    session: Session,
    ticket_type_id: int,
    attendee_name: str,
    attendee_email: str,
    licence_number: str = "",
    override_capacity: bool = False,
) -> Registration:
    """Staff give a free seat: the walk-in service (same lock, same capacity rule), not
    checked in, and the attendee is e-mailed their ticket."""
    ticket_type = session.ticket_types.filter(pk=ticket_type_id).first()
    if ticket_type is None:
        raise CancellationRefused("Choose one of this session's ticket types.")
    if session.is_cancelled or session.ends_at <= timezone.now():
        raise CancellationRefused("This session is cancelled or over: no seats can be added.")
    with transaction.atomic():
        registration = courses_services.registration_create_walk_in(
            session=session,
            ticket_type=ticket_type,
            attendee_name=attendee_name,
            attendee_email=attendee_email,
            licence_number=licence_number,
            complimentary=True,
            override_capacity=override_capacity,
            check_in=False,
        )
        notice_claim(
            key=f"complimentary-ticket:{registration.pk}",
            kind=NoticeKind.COMPLIMENTARY_TICKET,
            to=registration.attendee_email,
            registration=registration,
            session=session,
        )
    return registration


def notice_claim(
    *, key: str, kind: str, to: str, session=None, registration=None, note: str = ""
) -> Notice | None:
    """Insert-or-skip: the first claim of ``key`` wins and its e-mail is sent after commit."""
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                key=key[:255],
                kind=kind,
                to=to,
                session=session,
                registration=registration,
                note=note.strip(),
            )
    except IntegrityError:
        return None
    tasks.notice_send.delay_on_commit(notice.pk)
    return notice


# --- Webhook events -----------------------------------------------------------------------


def stripe_event_record(*, event: dict) -> tuple[StripeEvent, bool]:
    """Store a verified event once; enqueue its processing on commit. Returns (row,
    created). A known event that never finished processing is enqueued again."""
    with transaction.atomic():
        row, created = StripeEvent.objects.get_or_create(
            event_id=event["id"],
            defaults={"type": event.get("type", ""), "payload": event},
        )
        if created or row.processed_at is None:
            tasks.stripe_event_process.delay_on_commit(row.pk)
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


EVENT_HANDLERS = {
    "checkout.session.completed": _handle_checkout,
    "checkout.session.async_payment_succeeded": _handle_checkout,
    "checkout.session.async_payment_failed": _handle_async_failed,
    "checkout.session.expired": _handle_checkout,
    "charge.refunded": _handle_charge_refunded,
    "refund.created": _handle_refund,
    "refund.updated": _handle_refund,
    # Memberships (payments.memberships.MEMBERSHIP_EVENTS): each syncs the subscription as
    # Stripe has it now, so duplicates and reordering converge.
    "customer.subscription.created": _handle_membership,
    "customer.subscription.updated": _handle_membership,
    "customer.subscription.deleted": _handle_membership,
    "invoice.paid": _handle_membership,
    "invoice.payment_failed": _handle_membership,
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
