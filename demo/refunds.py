"""Demo data for cancellations and refunds: the demo therapist holds a paid order far
enough ahead to be cancelled within the refund policy, so "Cancel" in My account shows a
full refund and sends it through the local Stripe stand-in. Safe to run again: the order
is found by its demo payment id before one is made."""

import datetime
import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone

from courses.models import Registration, RegistrationStatus, Session, SessionStatus
from courses.selectors import session_seats_available
from demo import content
from payments.models import Order, OrderLine, OrderStatus, Payment, PaymentStatus

DEMO_INTENT_PREFIX = "pi_demo_"
# Leave the nearly sold-out demo session alone: its "2 seats left" is a demo of its own.
MIN_SEATS_LEFT = 5


def _session_within_policy() -> Session | None:
    """The scheduled session furthest ahead that sells a paid ticket and is still more
    than its full-refund period away (so the demo works for months)."""
    now = timezone.now()
    for session in (
        Session.objects.filter(status=SessionStatus.SCHEDULED, starts_at__gt=now)
        .select_related("workshop")
        .order_by("-starts_at")
    ):
        deadline = session.starts_at - datetime.timedelta(days=session.workshop.refund_full_days)
        ticket = session.ticket_types.filter(price_amount__gt=0).order_by("-price_amount").first()
        roomy = session_seats_available(session=session) >= MIN_SEATS_LEFT
        if ticket and roomy and deadline > now + datetime.timedelta(days=1):
            return session
    return None


def seed_refunds() -> Order | None:
    therapist = get_user_model().objects.filter(email=content.THERAPIST_EMAIL).first()
    if therapist is None:
        return None
    existing = Order.objects.filter(
        buyer=therapist, stripe_payment_intent_id__startswith=DEMO_INTENT_PREFIX
    ).first()
    if existing is not None:
        return existing
    session = _session_within_policy()
    if session is None:
        return None
    ticket = session.ticket_types.filter(price_amount__gt=0).order_by("-price_amount").first()
    now = timezone.now()
    reservation = uuid.uuid4()
    registration = Registration.objects.create(
        session=session,
        ticket_type=ticket,
        buyer=therapist,
        attendee_user=therapist,
        reservation=reservation,
        attendee_name=therapist.full_name,
        attendee_email=therapist.email,
        licence_number=therapist.licence_number,
        status=RegistrationStatus.CONFIRMED,
        price_amount=ticket.price_amount,
        currency=ticket.currency,
        confirmed_at=now,
    )
    intent = f"{DEMO_INTENT_PREFIX}{uuid.uuid4().hex[:20]}"
    order = Order.objects.create(
        reservation=reservation,
        buyer=therapist,
        email=therapist.email,
        session=session,
        status=OrderStatus.PAID,
        total_amount=ticket.price_amount,
        currency=ticket.currency,
        hold_expires_at=now,
        stripe_payment_intent_id=intent,
        paid_at=now,
        # The receipt and ticket "went out" when the demo was made: nothing is e-mailed.
        receipt_sent_at=now,
    )
    OrderLine.objects.create(
        order=order,
        registration=registration,
        description=f"{ticket.name} — {registration.attendee_name}",
        unit_amount=ticket.price_amount,
        currency=ticket.currency,
        ticket_sent_at=now,
    )
    Payment.objects.create(
        order=order,
        stripe_payment_intent_id=intent,
        amount=ticket.price_amount,
        currency=ticket.currency,
        status=PaymentStatus.SUCCEEDED,
    )
    return order
