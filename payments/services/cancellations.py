"""Cancellations with money: one seat (with its share of the refund) or a whole session
(every paid order refunded, every attendee told once).
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from courses import services as courses_services
from courses.errors import RegistrationClosed
from courses.formatting import money_amount
from courses.models import AuditAction, Registration, RegistrationStatus, Session

from .. import selectors
from ..errors import CancellationRefused, QuoteChanged, RefundNotPossible
from ..models import NoticeKind, Order, OrderLine, OrderStatus, Refund, RefundReason
from .notices import notice_claim
from .orders import order_close_unpaid
from .refunds import refund_request


@dataclass(frozen=True)
class Cancellation:
    registration: Registration
    refund: Refund | None
    quote: selectors.RefundQuote


def registration_cancel_with_refund(
    *,
    registration_id: int,
    requested_by,
    by_staff: bool = False,
    refund_amount: int | None = None,
    expected_amount: int | None = None,
    note: str = "",
    now=None,
) -> Cancellation:
    """Cancel one seat and refund its share: the seat is freed at once (courses'
    ``registration_cancel``, which offers it to the waiting list), the refund the
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
                gettext(
                    "The refund has changed since you opened this page (a deadline passed). "
                    "Please check the new amount and confirm again."
                ),
                quote=quote,
            )
        amount = quote.amount
        if by_staff:
            if not note.strip():
                raise RefundNotPossible(
                    gettext("Give a reason for canceling: the attendee is told.")
                )
            amount = quote.amount if refund_amount is None else refund_amount
            if amount < 0:
                raise RefundNotPossible(gettext("The refund cannot be negative."))
            if amount > quote.max_amount:
                raise RefundNotPossible(
                    gettext(
                        "At most %(most)s can be refunded for this seat; %(amount)s is more "
                        "than that."
                    )
                    % {
                        "most": money_amount(quote.max_amount, quote.currency),
                        "amount": money_amount(amount, quote.currency),
                    }
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
        if by_staff:
            courses_services.audit_record(
                actor=requested_by,
                action=AuditAction.CANCELLATION,
                target=registration,
                details={"refund_amount": amount, "currency": quote.currency, "note": note.strip()},
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
        raise RefundNotPossible(gettext("Give a reason: it is quoted in the e-mail to everyone."))
    with transaction.atomic():
        try:
            session = courses_services.session_lock(session_id=session_id)
        except RegistrationClosed:
            raise CancellationRefused(gettext("This session does not exist.")) from None
        if session.is_cancelled:
            raise CancellationRefused(gettext("This session is already canceled."))
        if session.ends_at <= now:
            raise CancellationRefused(
                gettext("This session has already ended, so it cannot be canceled.")
            )
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
        paid = orders.filter(status__in=selectors.PAID_ORDER_STATES).exclude(
            stripe_payment_intent_id=""
        )
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
        courses_services.audit_record(
            actor=requested_by,
            action=AuditAction.SESSION_CANCELLATION,
            target=session,
            details={
                "registrations": len(cancelled),
                "refunds": [[r.order_id, r.amount, r.currency] for r in refunds],
                "note": note.strip(),
            },
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
