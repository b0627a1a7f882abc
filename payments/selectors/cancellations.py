"""What cancelling a seat or a whole session would do (refund quotes under the workshop's
policy, who may cancel), shown before anyone confirms.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from courses.formatting import local_datetime, money_amount
from courses.models import Registration, RegistrationStatus, Session

from ..models import Order, OrderLine, OrderStatus, Refund
from .refunds import PAID_ORDER_STATES, REFUND_COMMITTED, order_paid_amount, order_refundable_amount


class QuoteKind(StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"  # after the refund deadline
    FREE = "free"  # nothing was paid for this seat
    OFFLINE = "offline"  # paid at the door, or the order is not paid


@dataclass(frozen=True)
class RefundQuote:
    """What cancelling one registration gives back now, and why (shown before confirming)."""

    kind: QuoteKind
    amount: int
    currency: str
    percent: int
    seat_share: int
    already_refunded: int
    order_refundable: int
    explanation: str
    can_cancel: bool
    refusal: str = ""
    full_until: datetime.datetime | None = None
    partial_until: datetime.datetime | None = None
    order: Order | None = None

    @property
    def max_amount(self) -> int:
        """The most staff may refund for this seat: its share, less what it already got."""
        return max(0, min(self.seat_share - self.already_refunded, self.order_refundable))


def _seat_share(registration: Registration, order: Order, paid: int) -> int:
    """This seat's part of what the order paid: its list price's share of the total, so a
    promotion code is shared out fairly. The last seat standing takes the rounding cents."""
    lines = list(order.lines.select_related("registration"))
    if order.total_amount == 0:
        return 0

    def share(line: OrderLine) -> int:
        return line.unit_amount * paid // order.total_amount

    others = [line for line in lines if line.registration_id != registration.pk]
    if all(line.registration.status == RegistrationStatus.CANCELLED for line in others):
        return paid - sum(share(line) for line in others)
    line = next(line for line in lines if line.registration_id == registration.pk)
    return share(line)


def _cancel_refusal(registration: Registration, now, *, by_staff: bool) -> str:
    session = registration.session
    if registration.status == RegistrationStatus.CANCELLED:
        return gettext("This registration is already canceled.")
    if registration.status != RegistrationStatus.CONFIRMED:
        return gettext(
            "This seat is still awaiting payment: if it is not paid, it is released "
            "automatically when the hold ends."
        )
    if session.is_cancelled:
        return gettext("This session was canceled; every registration is being refunded.")
    if by_staff and session.ends_at <= now:
        return gettext("This session has ended: refund the order instead if money should go back.")
    if not by_staff and session.starts_at <= now:
        return gettext(
            "This workshop has already started, so the registration can no longer be canceled."
        )
    return ""


@dataclass(frozen=True)
class _Money:
    """The money part of a quote, before the words."""

    kind: QuoteKind
    percent: int = 0
    seat_share: int = 0
    already_refunded: int = 0
    order_refundable: int = 0
    amount: int = 0


def _quote_money(registration: Registration, order: Order | None, now, full_until, partial_until):
    if registration.price_amount == 0 or (order is not None and order.total_amount == 0):
        return _Money(QuoteKind.FREE)
    paid = order_paid_amount(order=order) if order is not None else 0
    if order is None or order.status not in PAID_ORDER_STATES or paid == 0:
        return _Money(QuoteKind.OFFLINE)
    seat_share = _seat_share(registration, order, paid)
    already = (
        Refund.objects.filter(registration=registration, status__in=REFUND_COMMITTED).aggregate(
            total=Sum("amount")
        )["total"]
        or 0
    )
    refundable = order_refundable_amount(order=order)
    if now <= full_until:
        kind, percent = QuoteKind.FULL, 100
    elif partial_until is not None and now <= partial_until:
        kind, percent = QuoteKind.PARTIAL, registration.session.workshop.refund_partial_percent
    else:
        kind, percent = QuoteKind.NONE, 0
    return _Money(
        kind=kind,
        percent=percent,
        seat_share=seat_share,
        already_refunded=already,
        order_refundable=refundable,
        amount=max(0, min(seat_share * percent // 100 - already, refundable)),
    )


def _quote_explanation(registration: Registration, money: _Money, full_until, partial_until) -> str:
    session = registration.session
    workshop = session.workshop
    amount = money_amount(money.amount, registration.currency)
    if money.kind == QuoteKind.FREE:
        return gettext("This was a free ticket, so there is nothing to refund.")
    if money.kind == QuoteKind.OFFLINE:
        return gettext(
            "This seat was not paid online, so no refund can be sent from here. "
            "Contact us and we will sort it out."
        )
    if money.kind == QuoteKind.NONE:
        return gettext(
            "The refund deadline passed on %(deadline)s, so "
            "there is no refund. You can still cancel: your seat goes to the next person on "
            "the waiting list."
        ) % {"deadline": local_datetime(partial_until or full_until, session.tz)}
    if money.kind == QuoteKind.FULL:
        text = gettext(
            "You are canceling at least %(days)s days before the start, "
            "so the policy gives a full refund: %(amount)s back to your original payment method."
        ) % {"days": workshop.refund_full_days, "amount": amount}
    else:
        text = gettext(
            "The full-refund deadline passed on %(full_until)s. Until "
            "%(partial_until)s the policy refunds %(percent)s %% of the "
            "ticket: %(amount)s back to your original payment method."
        ) % {
            "full_until": local_datetime(full_until, session.tz),
            "partial_until": local_datetime(partial_until, session.tz),
            "percent": money.percent,
            "amount": amount,
        }
    if money.already_refunded:
        already = money_amount(money.already_refunded, registration.currency)
        text += " " + gettext("%(amount)s was already refunded for this seat.") % {
            "amount": already
        }
    return text


def registration_refund_quote(
    *, registration: Registration, now: datetime.datetime | None = None, by_staff: bool = False
) -> RefundQuote:
    """How much cancelling ``registration`` refunds now under its workshop's policy.

    Full refund until ``refund_full_days`` before the start, then (when the workshop has
    one) ``refund_partial_percent`` until ``refund_partial_days`` before, then nothing.
    The amount is the policy's share of what this seat paid, less refunds already made
    for the seat, and never more than is left to refund on the order. Cancelling after
    the deadline is allowed (it frees the seat for the waiting list) but refunds nothing.
    """
    now = now or timezone.now()
    session = registration.session
    workshop = session.workshop
    refusal = _cancel_refusal(registration, now, by_staff=by_staff)
    full_until = session.starts_at - datetime.timedelta(days=workshop.refund_full_days)
    partial_until = None
    if workshop.refund_partial_days is not None:
        partial_until = session.starts_at - datetime.timedelta(days=workshop.refund_partial_days)
    line = OrderLine.objects.filter(registration=registration).select_related("order").first()
    order = line.order if line else None
    money = _quote_money(registration, order, now, full_until, partial_until)
    return RefundQuote(
        kind=money.kind,
        amount=money.amount,
        currency=registration.currency,
        percent=money.percent,
        seat_share=money.seat_share,
        already_refunded=money.already_refunded,
        order_refundable=money.order_refundable,
        explanation=_quote_explanation(registration, money, full_until, partial_until),
        can_cancel=not refusal,
        refusal=refusal,
        full_until=full_until,
        partial_until=partial_until,
        order=order,
    )


def registration_for_canceller(*, registration_id: int, user) -> Registration:
    """A registration its buyer may cancel (or its attendee, when nobody bought it online,
    e.g. a walk-in); ``Http404`` for anyone else."""
    if not user.is_authenticated:
        raise Http404
    registration = (
        Registration.objects.select_related("session__workshop", "session__venue", "ticket_type")
        .filter(pk=registration_id)
        .filter(Q(buyer=user) | Q(buyer__isnull=True, attendee_user=user))
        .first()
    )
    if registration is None:
        raise Http404
    return registration


@dataclass(frozen=True)
class SessionCancelPlan:
    """What cancelling a session will do, for the confirmation page."""

    registrations: int
    paid_orders: list[tuple[Order, int]]
    refund_total: int
    currency: str
    unpaid_orders: int


def session_cancel_plan(*, session: Session) -> SessionCancelPlan:
    registrations = Registration.objects.filter(
        session=session, status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.HELD]
    ).count()
    orders = Order.objects.filter(session=session).select_related("buyer")
    paid = [
        (order, order_refundable_amount(order=order))
        for order in orders.filter(status__in=PAID_ORDER_STATES)
    ]
    paid = [(order, amount) for order, amount in paid if amount]
    currencies = {order.currency for order, _ in paid}
    return SessionCancelPlan(
        registrations=registrations,
        paid_orders=paid,
        refund_total=sum(amount for _, amount in paid),
        currency=currencies.pop() if len(currencies) == 1 else session_currency(session),
        unpaid_orders=orders.filter(status=OrderStatus.PENDING).count(),
    )


def session_currency(session: Session) -> str:
    ticket = session.ticket_types.first()
    return ticket.currency if ticket else "usd"
