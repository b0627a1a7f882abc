"""Demo data for the waiting list: a sold-out shoulder clinic in San Diego whose list
holds an open offer for the demo therapist (so "Complete your purchase" can be tried in
My account) and two people still waiting, the first for two seats. Safe to run again:
everything is found before it is made, and nothing here sends e-mail."""

import datetime
import uuid
import zoneinfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from cms.demo import content
from courses.models import (
    Registration,
    RegistrationStatus,
    Session,
    TicketType,
    Venue,
    WaitlistEntry,
    WaitlistStatus,
    Workshop,
)

WORKSHOP_TITLE = "Myofascial Release for the Shoulder Girdle"
LABEL = "Spring clinic"
CAPACITY = 12
# (name, e-mail, seats): in line after the demo therapist's offer, in this order.
WAITING = [
    ("Noah Fischer", "noah.fischer@example.com", 2),
    ("Lena Novak", "lena.novak@example.com", 1),
]


def seed_waitlist() -> None:
    workshop = Workshop.objects.filter(title=WORKSHOP_TITLE).first()
    venue = Venue.objects.filter(city="San Diego").first()
    if workshop is None or venue is None:
        return
    session = _sold_out_session(workshop, venue)
    if session.waitlist_entries.exists():
        return
    users = get_user_model().objects
    therapist = users.filter(email=content.THERAPIST_EMAIL).first()
    now = timezone.now()
    if therapist is not None:
        WaitlistEntry.objects.create(
            session=session,
            user=therapist,
            seats=1,
            sort_key=1,
            status=WaitlistStatus.OFFERED,
            offered_seats=1,
            offered_at=now,
            offer_expires_at=now + datetime.timedelta(hours=48),
            offer_sent_at=now,  # seeding never e-mails
        )
    for number, (name, email, seats) in enumerate(WAITING, start=2):
        user, created = users.get_or_create(email=email, defaults={"full_name": name})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        WaitlistEntry.objects.create(session=session, user=user, seats=seats, sort_key=number)


def _sold_out_session(workshop: Workshop, venue: Venue) -> Session:
    session = Session.objects.filter(workshop=workshop, label=LABEL).first()
    if session is not None:
        return session
    la = zoneinfo.ZoneInfo(venue.time_zone)
    starts_at = datetime.datetime(2027, 5, 22, 9, 0, tzinfo=la)
    session = Session.objects.create(
        workshop=workshop,
        label=LABEL,
        venue=venue,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=8),
        capacity=CAPACITY,
    )
    earlier = workshop.sessions.exclude(pk=session.pk).first()
    if earlier is not None:
        session.instructors.set(earlier.instructors.all())
    ticket = TicketType.objects.create(
        session=session,
        name="Standard",
        price_amount=22900,
        description="Includes the illustrated manual.",
    )
    # Every seat but the one held for the demo therapist's offer is sold.
    for n in range(1, CAPACITY):
        Registration.objects.create(
            session=session,
            ticket_type=ticket,
            reservation=uuid.uuid4(),
            attendee_name=f"Demo Attendee {n}",
            attendee_email=f"attendee{session.pk}-{n}@example.com",
            status=RegistrationStatus.CONFIRMED,
            price_amount=ticket.price_amount,
            currency=ticket.currency,
            confirmed_at=timezone.now(),
        )
    return session
