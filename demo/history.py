"""Twelve months of business for the owner's reports: past sessions with paid seats,
check-ins and certificates (some refunded, some sold in euros at a Berlin venue), register
page opens, members joining, canceling and failing to pay (US dollars and euros), and
masterclass purchases and viewing, and home-study tests taken (most passed).

Fast (bulk inserts, a few hundred rows each) and run once: the whole history is skipped
when its memberships (subscription ids ``sub_hist_``) exist. Random but repeatable
(seeded). Nothing here calls Stripe or sends e-mail: the ids are made up and every
notice is marked sent.
"""

import datetime
import random
import uuid

from django.contrib.auth import get_user_model
from django.db.models import Model
from django.utils import timezone

from cms.models import LessonPage
from courses.models import (
    Certificate,
    HomeStudyAttempt,
    LessonProgress,
    Masterclass,
    Registration,
    RegistrationStatus,
    Session,
    TicketType,
    Venue,
    Workshop,
)
from payments.models import (
    FunnelCount,
    FunnelKind,
    Membership,
    MembershipPlan,
    MembershipStatus,
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
)

SUBSCRIPTION_PREFIX = "sub_hist_"
MEMBER_EMAIL = "member{:03d}@history.example.com"
BERLIN = {
    "name": "Praxisraum Mitte",
    "address": "Torstraße 140",
    "city": "Berlin",
    "country": "DE",
    "postal_code": "10119",
    "time_zone": "Europe/Berlin",
}
PRICES = {"usd": 34900, "eur": 32900}
MEMBERSHIP_PRICES = {
    ("usd", MembershipPlan.MONTHLY): 2900,
    ("usd", MembershipPlan.ANNUAL): 29000,
    ("eur", MembershipPlan.MONTHLY): 2700,
    ("eur", MembershipPlan.ANNUAL): 27000,
}


def _bulk_create_dated(objects: list[Model], field: str = "created_at") -> None:
    """Insert ``objects`` keeping their ``field`` date: ``auto_now_add`` overwrites it
    on insert, so the history's own dates are written back afterwards."""
    if not objects:
        return
    dates = [getattr(obj, field) for obj in objects]
    model = type(objects[0])
    model.objects.bulk_create(objects)
    for obj, date in zip(objects, dates, strict=True):
        setattr(obj, field, date)
    model.objects.bulk_update(objects, [field], batch_size=500)


def seed_history() -> None:
    if Membership.objects.filter(stripe_subscription_id__startswith=SUBSCRIPTION_PREFIX).exists():
        return
    rng = random.Random(17)  # noqa: S311 (demo data, not security)
    now = timezone.now()
    members = _members(rng, 90)
    _sessions_sold(rng, now, members)
    _funnel_opens(rng, now)
    _memberships(rng, now, members)
    _masterclasses(rng, now, members)


def _members(rng: random.Random, count: int) -> list:
    user_model = get_user_model()
    emails = [MEMBER_EMAIL.format(n) for n in range(1, count + 1)]
    existing = set(user_model.objects.filter(email__in=emails).values_list("email", flat=True))
    first = ["Alex", "Sam", "Maria", "Jonas", "Priya", "Lea", "Chris", "Noor", "Tom", "Ana"]
    last = ["Becker", "Nguyen", "Garcia", "Okafor", "Schmidt", "Silva", "Khan", "Lopez"]
    new = []
    for email in emails:
        if email in existing:
            continue
        user = user_model(email=email, full_name=f"{rng.choice(first)} {rng.choice(last)}")
        user.set_unusable_password()
        new.append(user)
    user_model.objects.bulk_create(new)
    return list(user_model.objects.filter(email__in=emails).order_by("email"))


def _sessions_sold(rng: random.Random, now: datetime.datetime, members: list) -> None:
    """Two past sessions a month, with their seats sold, attended and certified."""
    workshops = list(
        Workshop.objects.filter(sessions__ticket_types__price_amount__gt=0)
        .distinct()
        .order_by("pk")
    )
    if not workshops:
        return
    venues = list(Venue.objects.exclude(city="Berlin").order_by("pk"))
    berlin, _ = Venue.objects.get_or_create(name=BERLIN["name"], defaults=BERLIN)
    registrations, orders, lines, payments, refunds, certificates = [], [], [], [], [], []
    for months_ago in range(12, 0, -1):
        for slot in range(2):
            workshop = workshops[(months_ago + slot) % len(workshops)]
            euro = slot == 1 and months_ago % 3 == 0
            currency = "eur" if euro else "usd"
            starts = now - datetime.timedelta(days=30 * months_ago - 10 * slot + 3)
            starts = starts.replace(hour=16, minute=0, second=0, microsecond=0)
            session = Session.objects.create(
                workshop=workshop,
                label="",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=32),
                venue=berlin if euro else rng.choice(venues or [berlin]),
                capacity=rng.choice([16, 20, 24]),
            )
            ticket = TicketType.objects.create(
                session=session, name="Standard", price_amount=PRICES[currency], currency=currency
            )
            seats = rng.randint(session.capacity // 2, session.capacity)
            for buyer in rng.sample(members, k=min(seats, len(members))):
                sold = starts - datetime.timedelta(days=rng.randint(3, 70), hours=rng.randint(0, 9))
                reservation = uuid.uuid4()
                refunded = rng.random() < 0.08
                registration = Registration(
                    session=session,
                    ticket_type=ticket,
                    buyer=buyer,
                    attendee_user=buyer,
                    reservation=reservation,
                    attendee_name=buyer.full_name,
                    attendee_email=buyer.email,
                    status=RegistrationStatus.CANCELLED
                    if refunded
                    else RegistrationStatus.CONFIRMED,
                    price_amount=ticket.price_amount,
                    currency=currency,
                    created_at=sold,
                    confirmed_at=sold + datetime.timedelta(minutes=4),
                    cancelled_at=sold + datetime.timedelta(days=2) if refunded else None,
                    checked_in_at=None
                    if refunded or rng.random() < 0.12
                    else starts + datetime.timedelta(minutes=rng.randint(-20, 15)),
                )
                registrations.append(registration)
                intent = f"pi_hist_{uuid.uuid4().hex[:20]}"
                order = Order(
                    reservation=reservation,
                    buyer=buyer,
                    email=buyer.email,
                    session=session,
                    status=OrderStatus.REFUNDED if refunded else OrderStatus.PAID,
                    total_amount=ticket.price_amount,
                    amount_refunded=ticket.price_amount if refunded else 0,
                    currency=currency,
                    hold_expires_at=sold + datetime.timedelta(minutes=30),
                    stripe_payment_intent_id=intent,
                    created_at=sold,
                    paid_at=sold + datetime.timedelta(minutes=4),
                    receipt_sent_at=sold + datetime.timedelta(minutes=5),
                )
                orders.append(order)
                lines.append((order, registration))
                payments.append(
                    Payment(
                        order=order,
                        stripe_payment_intent_id=intent,
                        amount=ticket.price_amount,
                        currency=currency,
                        status=PaymentStatus.SUCCEEDED,
                    )
                )
                if refunded:
                    refunds.append(
                        Refund(
                            order=order,
                            registration=registration,
                            stripe_refund_id=f"re_hist_{uuid.uuid4().hex[:20]}",
                            idempotency_key=f"hist-{uuid.uuid4().hex}",
                            amount=ticket.price_amount,
                            currency=currency,
                            status=RefundStatus.SUCCEEDED,
                            reason=RefundReason.CUSTOMER,
                            created_at=sold + datetime.timedelta(days=2),
                        )
                    )
                if registration.checked_in_at and starts + datetime.timedelta(days=2) < now:
                    certificates.append(
                        Certificate(
                            registration=registration,
                            participant_name=buyer.full_name,
                            course_title=workshop.ce_title or workshop.title,
                            ce_hours=workshop.ce_hours,
                            course_type=workshop.get_course_type_display(),
                            session_dates=starts.strftime("%B %-d, %Y"),
                            session_ended_on=(starts + datetime.timedelta(hours=32)).date(),
                            venue=session.venue.name,
                            provider_name="PhysioMassage Academy",
                            provider_address="Los Angeles, CA",
                            provider_approval_number=workshop.provider_approval_number,
                            issued_at=starts + datetime.timedelta(days=2),
                        )
                    )
    _bulk_create_dated(registrations)
    _bulk_create_dated(orders)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            registration=registration,
            description=f"Standard — {registration.attendee_name}",
            unit_amount=registration.price_amount,
            currency=registration.currency,
            ticket_sent_at=order.paid_at,
        )
        for order, registration in lines
    )
    Payment.objects.bulk_create(payments)
    _bulk_create_dated(refunds)
    Certificate.objects.bulk_create(certificates)


def _funnel_opens(rng: random.Random, now: datetime.datetime) -> None:
    """Register page opens every day of the year, a few per workshop."""
    today = timezone.localdate(now)
    rows = [
        FunnelCount(
            day=today - datetime.timedelta(days=back),
            workshop=workshop,
            kind=FunnelKind.REGISTER_OPENED,
            count=rng.randint(0, 6),
        )
        for workshop in Workshop.objects.order_by("pk")
        for back in range(1, 366)
    ]
    FunnelCount.objects.bulk_create(rows, ignore_conflicts=True)


def _memberships(rng: random.Random, now: datetime.datetime, members: list) -> None:
    memberships, failed = [], []
    for number, user in enumerate(members[:80], start=1):
        joined = now - datetime.timedelta(days=rng.randint(5, 360), hours=rng.randint(0, 20))
        plan = MembershipPlan.ANNUAL if rng.random() < 0.25 else MembershipPlan.MONTHLY
        currency = "eur" if number % 5 == 0 else "usd"
        cancelled = rng.random() < 0.25
        ended = joined + datetime.timedelta(days=rng.randint(30, 200)) if cancelled else None
        if ended and ended >= now:
            ended = None
        past_due = not ended and rng.random() < 0.08
        status = (
            MembershipStatus.CANCELED
            if ended
            else MembershipStatus.PAST_DUE
            if past_due
            else MembershipStatus.ACTIVE
        )
        membership = Membership(
            user=user,
            stripe_customer_id=f"cus_hist_{number:03d}",
            stripe_subscription_id=f"{SUBSCRIPTION_PREFIX}{number:03d}",
            plan=plan,
            status=status,
            amount=MEMBERSHIP_PRICES[(currency, plan)],
            currency=currency,
            current_period_end=ended or now + datetime.timedelta(days=rng.randint(3, 28)),
            ended_at=ended,
            synced_at=now,
            created_at=joined,
        )
        memberships.append(membership)
        if past_due or (ended and rng.random() < 0.5):
            when = (ended or now) - datetime.timedelta(days=rng.randint(1, 12))
            failed.append(
                Notice(
                    key=f"hist-payment-failed-{number:03d}",
                    kind=NoticeKind.MEMBERSHIP_PAYMENT_FAILED,
                    to=user.email,
                    membership=membership,
                    created_at=max(when, joined),
                    sent_at=max(when, joined),
                )
            )
    _bulk_create_dated(memberships)
    _bulk_create_dated(failed)


def _masterclasses(rng: random.Random, now: datetime.datetime, members: list) -> None:
    masterclasses = list(Masterclass.objects.order_by("pk"))
    lessons: dict[int, list[str]] = {}
    for lesson in LessonPage.objects.all():
        series = lesson.get_parent().specific
        masterclass_id = getattr(series, "masterclass_id", None)
        if masterclass_id:
            lessons.setdefault(masterclass_id, []).append(str(lesson.pk))
    orders, progress = [], []
    for masterclass in masterclasses:
        for buyer in rng.sample(members, k=min(len(members), rng.randint(6, 14))):
            if masterclass.price_amount:
                paid = now - datetime.timedelta(days=rng.randint(2, 360))
                orders.append(
                    Order(
                        reservation=uuid.uuid4(),
                        buyer=buyer,
                        email=buyer.email,
                        masterclass=masterclass,
                        status=OrderStatus.PAID,
                        total_amount=masterclass.price_amount,
                        currency=masterclass.currency,
                        hold_expires_at=paid,
                        stripe_payment_intent_id=f"pi_hist_{uuid.uuid4().hex[:20]}",
                        created_at=paid,
                        paid_at=paid,
                        receipt_sent_at=paid,
                    )
                )
            for key in lessons.get(masterclass.pk, [])[: rng.randint(1, 6)]:
                watched = now - datetime.timedelta(days=rng.randint(1, 340))
                done = rng.random() < 0.6
                progress.append(
                    LessonProgress(
                        user=buyer,
                        lesson_key=key,
                        masterclass=masterclass,
                        position_seconds=600 if done else rng.randint(30, 500),
                        duration_seconds=600,
                        completed_at=watched if done else None,
                        updated_at=watched,
                    )
                )
    _bulk_create_dated(orders)
    LessonProgress.objects.bulk_create(progress, ignore_conflicts=True)
    _home_study_tests(rng, now, members)


def _home_study_tests(rng: random.Random, now: datetime.datetime, members: list) -> None:
    """Submitted tests for the masterclasses that have one: most pass, some retake.
    Graded figures only (the answers screen of these made-up members is never shown);
    no certificates, which would be e-mailed."""
    attempts = []
    for masterclass in Masterclass.objects.filter(test_questions__isnull=False).distinct():
        grade = masterclass.passing_grade_percent
        for taker in rng.sample(members, k=min(len(members), rng.randint(10, 20))):
            when = now - datetime.timedelta(days=rng.randint(4, 330))
            scores = [rng.choice([100, 80, 80, 60, 40])]
            if scores[0] < grade and rng.random() < 0.6:
                scores.append(rng.choice([80, 100]))  # passed on a retake
            for retake, score in enumerate(scores):
                submitted = when + datetime.timedelta(days=2 * retake)
                attempts.append(
                    HomeStudyAttempt(
                        user=taker,
                        masterclass=masterclass,
                        seed=rng.randrange(2**31),
                        started_at=submitted - datetime.timedelta(minutes=rng.randint(8, 40)),
                        submitted_at=submitted,
                        score_percent=score,
                        passing_grade_percent=grade,
                        passed=score >= grade,
                    )
                )
    HomeStudyAttempt.objects.bulk_create(attempts)
