"""Bookings taken by phone: staff hold the caller's seats through the same seat services
as an online order (``order_create``: one lock, one capacity rule), then settle it one of
three ways:

- a payment link: a Stripe Checkout Session e-mailed to the buyer, open as long as Stripe
  allows (24 hours); the seats wait for it and are released as any online hold is when
  it lapses (``orders_expire``, Stripe's ``checkout.session.expired``);
- an offline payment (cash, check, bank transfer) recorded with its reference;
- complimentary: the seats cost nothing.

Paid bookings take the online order's paid path (``order_mark_paid``), so the buyer gets
the same receipt and each attendee the same ticket. The buyer's account is the one with
their e-mail, or a new one they are invited to by e-mail. Every staff action on the money
leaves an audit row.
"""

import datetime
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from allauth.account.models import EmailAddress

from courses.models import AuditAction, Registration
from courses.services import DEFAULT_HOLD, SeatRequest
from courses.services.audit import audit_record

from .. import gateway
from ..errors import PhoneBookingRefused
from ..models import NoticeKind, Order, OrderLine, OrderStatus, PaymentMethod
from .notices import notice_claim
from .orders import checkout_session_sync, order_checkout_start, order_create, order_mark_paid

PHONE_BOOKING_PERMISSION = "payments.take_phone_booking"
# Stripe keeps a Checkout Session open for at most 24 hours from its creation. The link is
# created right after the seats are held, so the hold stays a few minutes inside that.
PAYMENT_LINK_HOLD = datetime.timedelta(hours=23, minutes=50)
OFFLINE_METHODS = (PaymentMethod.CASH, PaymentMethod.CHECK, PaymentMethod.BANK_TRANSFER)
# A check or a bank transfer is found again by its number; cash may have a receipt number.
REFERENCE_REQUIRED = (PaymentMethod.CHECK, PaymentMethod.BANK_TRANSFER)
MAX_PAYMENT_LINK_SENDS = 10
CLOSE_REFUSED = gettext_lazy("Stripe would not close the payment link; try again in a moment.")


def _check_staff(user: Any) -> None:
    if not (user is not None and user.is_active and user.has_perm(PHONE_BOOKING_PERMISSION)):
        raise PhoneBookingRefused(gettext("You do not have permission to take bookings by phone."))


def _check_reference(method: str, reference: str) -> str:
    reference = reference.strip()
    if method in REFERENCE_REQUIRED and not reference:
        raise PhoneBookingRefused(
            gettext("Enter the check number, so the payment can be found again.")
            if method == PaymentMethod.CHECK
            else gettext("Enter the transfer reference, so the payment can be found again.")
        )
    if len(reference) > 100:
        raise PhoneBookingRefused(gettext("The payment reference is at most 100 characters."))
    return reference


def phone_buyer_account(*, email: str, full_name: str = "", phone: str = "") -> tuple[Any, bool]:
    """The account with this e-mail, or a new one without a password (its owner is invited
    to choose one). Returns the account and whether it is new."""
    User = get_user_model()
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(email=email, password=None)
    user.full_name = full_name.strip()[:150]
    user.phone = phone.strip()[:30]
    user.save(update_fields=["full_name", "phone"])
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user, True


def phone_order_create(
    *,
    taken_by: Any,
    session_id: int,
    buyer_email: str,
    buyer_name: str = "",
    buyer_phone: str = "",
    requests: Sequence[SeatRequest],
    payment_method: str,
    payment_reference: str = "",
    now: datetime.datetime | None = None,
) -> Order:
    """Hold the caller's seats and write the order; ``payment_method`` decides the rest:
    ``online`` leaves it waiting for the payment link (``phone_order_link_send``), an
    offline method confirms it as paid with ``payment_reference``, ``complimentary``
    confirms it free. Raises the courses domain errors or ``PhoneBookingRefused`` and
    then writes nothing."""
    _check_staff(taken_by)
    now = now or timezone.now()
    if payment_method not in PaymentMethod.values:
        raise PhoneBookingRefused(gettext("Choose how the booking is paid."))
    reference = _check_reference(payment_method, payment_reference)
    if payment_method == PaymentMethod.ONLINE and reference:
        raise PhoneBookingRefused(gettext("A payment link has no reference: leave it empty."))
    if not buyer_email.strip():
        raise PhoneBookingRefused(gettext("Enter the buyer's e-mail: the receipt goes there."))
    with transaction.atomic():
        buyer, invited = phone_buyer_account(
            email=buyer_email, full_name=buyer_name, phone=buyer_phone
        )
        order = order_create(
            buyer=buyer,
            session_id=session_id,
            requests=requests,
            now=now,
            hold_for=PAYMENT_LINK_HOLD if payment_method == PaymentMethod.ONLINE else DEFAULT_HOLD,
        )
        order.taken_by = taken_by
        order.payment_method = payment_method
        order.payment_reference = reference
        order.buyer_phone = buyer_phone.strip()[:30]
        order.save(update_fields=["taken_by", "payment_method", "payment_reference", "buyer_phone"])
        if payment_method == PaymentMethod.COMPLIMENTARY and order.status == OrderStatus.PENDING:
            Registration.objects.filter(reservation=order.reservation).update(
                price_amount=0, complimentary=True
            )
            OrderLine.objects.filter(order=order).update(unit_amount=0)
            Order.objects.filter(pk=order.pk).update(total_amount=0)
            order = order_mark_paid(order_id=order.pk, payment_intent_id="", amount=0, now=now)
        elif payment_method in OFFLINE_METHODS and order.status == OrderStatus.PENDING:
            order = order_mark_paid(
                order_id=order.pk, payment_intent_id="", amount=order.total_amount, now=now
            )
        if invited:
            notice_claim(
                key=f"account-invite:{buyer.pk}",
                kind=NoticeKind.ACCOUNT_INVITE,
                to=buyer.email,
                session=order.session,
                order=order,
            )
        audit_record(
            actor=taken_by,
            action=AuditAction.PHONE_BOOKING,
            target=order,
            details={
                "payment_method": payment_method,
                "payment_reference": reference,
                "seats": len(requests),
                "total_amount": order.total_amount,
                "currency": order.currency,
                "buyer_invited": invited,
            },
        )
    return order


def phone_order_link_send(
    *,
    order_id: int,
    sent_by: Any,
    success_url: str,
    cancel_url: str,
    now: datetime.datetime | None = None,
) -> Order:
    """E-mail (or e-mail again) the buyer the order's payment link: its Stripe Checkout
    Session, created on the first send and open until the hold ends. Raises
    ``PhoneBookingRefused`` (nothing sent) or ``CheckoutUnavailable`` (Stripe down: the
    seats stay held, try again)."""
    _check_staff(sent_by)
    now = now or timezone.now()
    order = Order.objects.filter(pk=order_id, taken_by__isnull=False).first()
    if order is None:
        raise PhoneBookingRefused(gettext("Only bookings taken by phone have a payment link."))
    _check_link_sendable(order, now)
    order = order_checkout_start(order_id=order.pk, success_url=success_url, cancel_url=cancel_url)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        _check_link_sendable(order, now)
        order.payment_link_sends += 1
        order.payment_link_sent_at = now
        order.save(update_fields=["payment_link_sends", "payment_link_sent_at"])
        notice_claim(
            key=f"payment-link:{order.pk}:{order.payment_link_sends}",
            kind=NoticeKind.PAYMENT_LINK,
            to=order.email,
            session=order.session,
            order=order,
        )
        audit_record(
            actor=sent_by,
            action=AuditAction.PAYMENT_LINK,
            target=order,
            details={
                "to": order.email,
                "send": order.payment_link_sends,
                "expires_at": order.hold_expires_at.isoformat(),
            },
        )
    return order


def _check_link_sendable(order: Order, now: datetime.datetime) -> None:
    if order.status != OrderStatus.PENDING or order.paid_at:
        raise PhoneBookingRefused(gettext("This booking is no longer awaiting payment."))
    if order.payment_method != PaymentMethod.ONLINE:
        raise PhoneBookingRefused(
            gettext("This booking is not paid online: there is no link to send.")
        )
    if order.hold_expires_at <= now:
        raise PhoneBookingRefused(
            gettext("The payment link has expired and the seats were released: take a new booking.")
        )
    if order.payment_link_sends >= MAX_PAYMENT_LINK_SENDS:
        raise PhoneBookingRefused(
            gettext("The link was e-mailed %(count)s times already: call the buyer.")
            % {"count": MAX_PAYMENT_LINK_SENDS}
        )


def phone_order_record_payment(
    *,
    order_id: int,
    recorded_by: Any,
    payment_method: str,
    payment_reference: str = "",
    now: datetime.datetime | None = None,
) -> Order:
    """The caller paid another way after all (cash, check, bank transfer) or staff make
    the booking complimentary: close its payment link at Stripe first, so it can never
    be paid twice, then confirm it. Raises ``PhoneBookingRefused`` and changes nothing."""
    _check_staff(recorded_by)
    now = now or timezone.now()
    if payment_method not in OFFLINE_METHODS:
        raise PhoneBookingRefused(gettext("Choose cash, check or bank transfer."))
    reference = _check_reference(payment_method, payment_reference)
    order = Order.objects.filter(pk=order_id, taken_by__isnull=False).first()
    if order is None:
        raise PhoneBookingRefused(gettext("Only bookings taken by phone can be paid offline here."))
    if order.status != OrderStatus.PENDING or order.paid_at:
        raise PhoneBookingRefused(gettext("This booking is no longer awaiting payment."))
    if not order.hold_is_active:
        raise PhoneBookingRefused(
            gettext(
                "The seats of this booking were released when its link expired: take a new booking."
            )
        )
    if order.stripe_checkout_session_id:
        _payment_link_close(order)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.PENDING or locked.paid_at:
            raise PhoneBookingRefused(gettext("This booking is no longer awaiting payment."))
        locked.payment_method = payment_method
        locked.payment_reference = reference
        locked.save(update_fields=["payment_method", "payment_reference"])
        order = order_mark_paid(
            order_id=locked.pk, payment_intent_id="", amount=locked.total_amount, now=now
        )
        audit_record(
            actor=recorded_by,
            action=AuditAction.OFFLINE_PAYMENT,
            target=order,
            details={
                "payment_method": payment_method,
                "payment_reference": reference,
                "amount": order.total_amount,
                "currency": order.currency,
            },
        )
    return order


def _payment_link_close(order: Order) -> None:
    """Expire the link at Stripe. If the buyer paid it meanwhile, apply that payment and
    refuse: the booking is paid online, not offline."""
    try:
        gateway.checkout_session_expire(checkout_session_id=order.stripe_checkout_session_id)
    except gateway.GatewayRefused as refused:
        try:
            checkout = gateway.checkout_session_retrieve(
                checkout_session_id=order.stripe_checkout_session_id
            )
        except gateway.GatewayError:
            raise PhoneBookingRefused(CLOSE_REFUSED) from refused
        if checkout.get("status") == "complete":
            checkout_session_sync(checkout=checkout)
            raise PhoneBookingRefused(
                gettext("The buyer has just paid with the payment link: nothing else to record.")
            ) from refused
        if checkout.get("status") != "expired":
            raise PhoneBookingRefused(CLOSE_REFUSED) from refused
    except gateway.GatewayError as error:
        raise PhoneBookingRefused(
            gettext(
                "We could not reach Stripe to close the payment link: nothing was recorded. "
                "Try again in a moment."
            )
        ) from error
