"""Orders: create, send to Stripe Checkout, mark paid, close unpaid. Every Stripe outcome
goes through one idempotent service, whichever path reports it first (webhook, success
page, retry), so duplicate and out-of-order reports converge on the same state.

Stripe calls never happen inside a transaction: ``order_checkout_start`` talks to Stripe
between two short transactions, and refunds are Celery tasks enqueued on commit.
"""

import datetime
import logging
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from typing import cast

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from courses import selectors as courses_selectors
from courses import services as courses_services
from courses.errors import HoldExpired
from courses.models import AccessSource, Masterclass, Session
from courses.services import DEFAULT_HOLD, SeatRequest
from courses.services.outbox import outbox_add

from .. import gateway, tasks
from ..errors import AlreadyHasAccess, CheckoutUnavailable, MasterclassNotForSale, OrderNotPayable
from ..models import Order, OrderLine, OrderStatus, Payment, PaymentStatus

logger = logging.getLogger(__name__)


def order_create(
    *,
    buyer,
    session_id: int,
    requests: Sequence[SeatRequest],
    now=None,
    waitlist_entry_id: int | None = None,
    email: str = "",
    hold_for: datetime.timedelta = DEFAULT_HOLD,
) -> Order:
    """Hold the seats and write the order in one transaction. Free orders are confirmed
    at once, without Stripe. ``waitlist_entry_id``: the buyer books the seats their
    waiting-list offer holds. ``email`` (default: the buyer's) gets the receipt;
    ``hold_for``: how long the seats wait for payment (a phone booking's e-mailed link
    waits longer than a buyer at the checkout). Raises the courses domain errors and
    writes nothing then."""
    now = now or timezone.now()
    with transaction.atomic():
        registrations = courses_services.seat_hold_create(
            session_id=session_id,
            requests=requests,
            buyer=buyer,
            hold_for=hold_for,
            now=now,
            waitlist_entry_id=waitlist_entry_id,
            # Its errors end this transaction: a savepoint of its own would only cost two
            # statements, one of them while the session is locked.
            savepoint=False,
        )
        currencies = {r.currency for r in registrations}
        if len(currencies) != 1:
            # Raising inside the atomic block rolls the holds back as well.
            raise OrderNotPayable(
                gettext("Tickets in different currencies must be booked separately.")
            )
        first = registrations[0]
        order = Order.objects.create(
            reservation=first.reservation,
            buyer=buyer,
            email=email or buyer.email,
            session_id=session_id,
            total_amount=sum(r.price_amount for r in registrations),
            currency=first.currency,
            # Held seats always carry an expiry (a database constraint says so).
            hold_expires_at=cast(datetime.datetime, first.hold_expires_at),
        )
        order.created_lines = OrderLine.objects.bulk_create(
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
        raise MasterclassNotForSale(gettext("This masterclass is not for sale on its own."))
    if courses_selectors.user_can_watch_masterclass(user=buyer, masterclass=masterclass, at=now):
        raise AlreadyHasAccess(
            gettext("You can already watch %(masterclass)s: no need to buy it.")
            % {"masterclass": masterclass.title}
        )
    pending = Order.objects.filter(buyer=buyer, masterclass=masterclass, status=OrderStatus.PENDING)
    if pending.filter(awaiting_async_payment=True).exists():
        raise OrderNotPayable(
            gettext(
                "Your payment for %(masterclass)s is still being processed by your bank. "
                "We e-mail you as soon as it clears."
            )
            % {"masterclass": masterclass.title}
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
    lines = order.created_lines or order.lines.select_related("registration__ticket_type")
    for line in lines:
        key = (line.registration.ticket_type.name, line.unit_amount)
        grouped[key] = grouped.get(key, 0) + 1
    # Not a masterclass order, so a session order (a database constraint says so).
    session = cast(Session, order.session)
    title = session.workshop.title
    when = f"{date_format(session.local_starts_at, 'D, M j, Y')}, {session.venue.city}"
    return [
        gateway.CheckoutLine(
            name=f"{title} — {name}", unit_amount=amount, quantity=qty, description=when
        )
        for (name, amount), qty in grouped.items()
    ]


def order_checkout_start(
    *, order_id: int, success_url: str, cancel_url: str, created: Order | None = None
) -> Order:
    """Create (or find again: same idempotency key) the order's Stripe Checkout Session,
    expiring with the hold. Raises ``OrderNotPayable`` or ``CheckoutUnavailable``.
    ``created``: the order as ``order_create`` just returned it (its session with workshop
    and venue set by the caller), so a winner of a rush is not read back again."""
    if created is not None and created.pk == order_id:
        order = created
    else:
        order = Order.objects.select_related(
            "session__workshop", "session__venue", "masterclass"
        ).get(pk=order_id)
    if order.stripe_checkout_url:
        return order
    if not order.hold_is_active:
        raise OrderNotPayable(gettext("This order is no longer awaiting payment."))
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
            gettext(
                "We could not reach our payment provider. Your seats are still held: please "
                "try again in a moment."
            )
        ) from error
    Order.objects.filter(pk=order.pk).update(
        stripe_checkout_session_id=checkout["id"], stripe_checkout_url=checkout["url"]
    )
    order.stripe_checkout_session_id = checkout["id"]
    order.stripe_checkout_url = checkout["url"]
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
        if order.status == OrderStatus.PAID and (
            order.receipt_sent_at is None or order.lines.filter(ticket_sent_at__isnull=True)
        ):
            # A redelivered event: whatever the first delivery left undone is due again
            # (the send-once claim keeps the receipt and tickets from going out twice).
            outbox_add(tasks.order_send_confirmation, order.pk)
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
            outbox_add(tasks.order_refund_late_payment, order.pk)
        return order
    order.status = OrderStatus.PAID
    if late:
        order.late_payment = True
        order.needs_attention = True
        order.attention_note = "Paid after the hold expired; seats were still free and confirmed."
    order.save()
    outbox_add(tasks.order_send_confirmation, order.pk)
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
    outbox_add(tasks.order_send_confirmation, order.pk)
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
