"""A grown business in seconds: many workshops, sessions, registrations, orders, members
and masterclass lessons, bulk-inserted on top of an existing site (``seed_demo`` or the
tests' page tree). ``bench/scale.py`` seeds issue 13's data set with it; the scale tests
seed a tenth-size copy to prove that page and admin query counts do not grow with data.
"""

import datetime
import itertools
import random
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from wagtail.models import Page

from courses.models import (
    AccessGrant,
    AccessSource,
    Masterclass,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
    TicketType,
    Venue,
    WaitlistEntry,
    WaitlistStatus,
    Workshop,
)

CITIES = [
    ("Los Angeles", "CA", "America/Los_Angeles"),
    ("San Diego", "CA", "America/Los_Angeles"),
    ("Denver", "CO", "America/Denver"),
    ("Chicago", "IL", "America/Chicago"),
    ("Austin", "TX", "America/Chicago"),
    ("New York", "NY", "America/New_York"),
    ("Boston", "MA", "America/New_York"),
    ("Seattle", "WA", "America/Los_Angeles"),
    ("Portland", "OR", "America/Los_Angeles"),
    ("Miami", "FL", "America/New_York"),
]


@dataclass(frozen=True)
class Scale:
    workshops: int = 200
    sessions: int = 1_000
    registrations: int = 50_000
    orders: int = 20_000
    members: int = 5_000
    waitlist_entries: int = 2_000
    masterclasses: int = 100
    lessons_per_masterclass: int = 10

    def divided(self, by: int) -> "Scale":
        return Scale(**{name: max(1, value // by) for name, value in self.__dict__.items()})


ISSUE_13 = Scale()
BATCH = 2_000


def seed_scale(scale: Scale = ISSUE_13, *, seed: int = 13) -> dict[str, int]:
    """Add ``scale``'s rows under the site's workshop index and masterclass library
    (both must exist). Returns what was added, per kind."""
    from cms.models import (
        LessonPage,
        MasterclassIndexPage,
        MasterclassPage,
        WorkshopIndexPage,
        WorkshopPage,
    )

    rng = random.Random(seed)  # noqa: S311 - made-up data, reproducible
    now = timezone.now()
    tag = uuid.uuid4().hex[:6]
    index = WorkshopIndexPage.objects.get()
    library = MasterclassIndexPage.objects.get()

    venues = Venue.objects.bulk_create(
        Venue(
            name=f"Scale Studio {city} {tag}",
            address="1 Main Street",
            city=city,
            region=region,
            postal_code="00000",
            time_zone=tz,
        )
        for city, region, tz in CITIES
    )
    workshops = Workshop.objects.bulk_create(
        Workshop(
            title=f"Scale Workshop {tag} {n:04d}",
            ce_title=f"Scale Workshop {n}: manual therapy",
            ce_hours=14,
        )
        for n in range(scale.workshops)
    )
    for n, workshop in enumerate(workshops):
        _add_page(
            index,
            WorkshopPage(
                title=workshop.title,
                slug=f"scale-{tag}-{n:04d}",
                workshop=workshop,
                summary="Two hands-on days of soft-tissue and joint work with graded exercise.",
            ),
        )

    sessions = []
    for n in range(scale.sessions):
        # Three in five sessions are upcoming (over the next year), the rest past.
        days = rng.randint(2, 365) if n % 5 < 3 else -rng.randint(2, 720)
        starts = (now + datetime.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
        sessions.append(
            Session(
                workshop=workshops[n % len(workshops)],
                venue=venues[n % len(venues)],
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=32),
                capacity=rng.choice([30, 40, 60, 80]),
                status=SessionStatus.CANCELLED if n % 50 == 49 else SessionStatus.SCHEDULED,
            )
        )
    Session.objects.bulk_create(sessions, batch_size=BATCH)
    tickets = TicketType.objects.bulk_create(
        (
            TicketType(session=s, name=name, price_amount=price, sort_order=order)
            for s in sessions
            for order, (name, price) in enumerate([("Early bird", 34900), ("Standard", 44900)])
        ),
        batch_size=BATCH,
    )
    ticket_by_session = {t.session_id: t for t in tickets}  # the last one: "Standard"

    password = make_password(None)
    User = get_user_model()
    members = User.objects.bulk_create(
        (
            User(
                email=f"member-{tag}-{n}@example.com",
                full_name=f"Scale Member {n}",
                password=password,
            )
            for n in range(scale.members)
        ),
        batch_size=BATCH,
    )

    registrations = []
    for n in range(scale.registrations):
        session = sessions[n % len(sessions)]
        ticket = ticket_by_session[session.pk]
        status = rng.choices(
            [RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED, RegistrationStatus.HELD],
            weights=[90, 7, 3],
        )[0]
        registrations.append(
            Registration(
                session=session,
                ticket_type=ticket,
                reservation=uuid.uuid4(),
                attendee_name=f"Scale Attendee {n}",
                attendee_email=f"attendee-{tag}-{n}@example.com",
                attendee_user=members[n % len(members)] if n % 4 == 0 else None,
                status=status,
                hold_expires_at=now - datetime.timedelta(hours=1)
                if status == RegistrationStatus.HELD
                else None,
                price_amount=ticket.price_amount,
                currency=ticket.currency,
                confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
            )
        )
    Registration.objects.bulk_create(registrations, batch_size=BATCH)

    orders = _seed_orders(registrations[: scale.orders], members, now)
    waiting = _seed_waitlist(sessions, members, scale.waitlist_entries, now)
    _seed_memberships(members, now)

    masterclasses = Masterclass.objects.bulk_create(
        Masterclass(title=f"Scale Masterclass {tag} {n}", slug=f"scale-{tag}-{n}")
        for n in range(scale.masterclasses)
    )
    for n, masterclass in enumerate(masterclasses):
        series = _add_page(
            library,
            MasterclassPage(
                title=masterclass.title,
                slug=f"scale-{tag}-{n}",
                masterclass=masterclass,
                intro="Assessment and treatment, lesson by lesson.",
            ),
        )
        for lesson in range(scale.lessons_per_masterclass):
            _add_page(
                series,
                LessonPage(
                    title=f"Lesson {lesson + 1}",
                    slug=f"lesson-{lesson + 1}",
                    summary="One technique, step by step.",
                    is_preview=lesson == 0,
                ),
            )
    _analyze()
    return {
        "workshops": len(workshops),
        "sessions": len(sessions),
        "registrations": len(registrations),
        "orders": orders,
        "members": len(members),
        "waitlist_entries": waiting,
        "masterclasses": len(masterclasses),
        "lessons": len(masterclasses) * scale.lessons_per_masterclass,
    }


def _analyze() -> None:
    """What autovacuum does shortly after a bulk load, done now: fresh statistics (planned
    on stale counts, a filtered admin list sorts every paid order) and, outside a
    transaction, the search indexes' pending rows merged (until then PostgreSQL reads
    every order rather than the trigram indexes)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    tables = (
        "courses_registration, courses_session, courses_waitlistentry, payments_order, "
        "payments_orderline, payments_membership, accounts_user"
    )
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(f"ANALYZE {tables}")
        else:
            cursor.execute(f"VACUUM ANALYZE {tables}")


def _add_page(parent: Page, page: Page) -> Page:
    """A live page without revisions: what the public sees is all the bench needs."""
    parent.add_child(instance=page)
    return page


def _seed_orders(registrations: list[Registration], members: list, now) -> int:
    from payments.models import Order, OrderLine, OrderStatus

    orders = [
        Order(
            reservation=r.reservation,
            buyer=members[n % len(members)] if n % 3 == 0 else None,
            email=r.attendee_email,
            session_id=r.session_id,
            status=OrderStatus.PAID
            if r.status == RegistrationStatus.CONFIRMED
            else OrderStatus.EXPIRED,
            total_amount=r.price_amount,
            currency=r.currency,
            hold_expires_at=now - datetime.timedelta(hours=1),
            paid_at=now if r.status == RegistrationStatus.CONFIRMED else None,
            stripe_checkout_session_id=f"cs_scale_{r.reservation.hex}",
        )
        for n, r in enumerate(registrations)
    ]
    Order.objects.bulk_create(orders, batch_size=BATCH)
    OrderLine.objects.bulk_create(
        (
            OrderLine(
                order=order,
                registration=r,
                description=f"Seat for {r.attendee_name}",
                unit_amount=r.price_amount,
                currency=r.currency,
            )
            for order, r in zip(orders, registrations, strict=True)
        ),
        batch_size=BATCH,
    )
    return len(orders)


def _seed_waitlist(sessions: list[Session], members: list, count: int, now) -> int:
    upcoming = [s for s in sessions if s.starts_at > now and s.status == SessionStatus.SCHEDULED]
    pairs = itertools.islice(itertools.product(upcoming, members[:50]), count)
    entries = [
        WaitlistEntry(session=s, user=u, seats=1 + n % 2, sort_key=n, status=WaitlistStatus.WAITING)
        for n, (s, u) in enumerate(pairs)
    ]
    WaitlistEntry.objects.bulk_create(entries, batch_size=BATCH)
    return len(entries)


def _seed_memberships(members: list, now) -> None:
    from payments.models import Membership, MembershipPlan, MembershipStatus

    period_end = now + datetime.timedelta(days=20)
    Membership.objects.bulk_create(
        (
            Membership(
                user=u,
                stripe_customer_id=f"cus_scale_{u.pk}",
                stripe_subscription_id=f"sub_scale_{u.pk}",
                plan=MembershipPlan.MONTHLY if n % 3 else MembershipPlan.ANNUAL,
                status=MembershipStatus.ACTIVE,
                amount=2900,
                currency="usd",
                current_period_end=period_end,
                synced_at=now,
            )
            for n, u in enumerate(members)
        ),
        batch_size=BATCH,
    )
    AccessGrant.objects.bulk_create(
        (
            AccessGrant(
                user=u,
                source=AccessSource.MEMBERSHIP,
                ends_at=period_end,
                source_reference=f"sub_scale_{u.pk}",
            )
            for u in members
        ),
        batch_size=BATCH,
    )
