"""Demo data for the waiting list: a sold-out shoulder clinic in San Diego whose list
holds an open offer for the demo therapist (so "Complete your purchase" can be tried in
My account) and two people still waiting, the first for two seats. Safe to run again:
everything is found before it is made, and nothing here sends e-mail."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from courses.models import (
    Session,
    Venue,
    WaitlistEntry,
    WaitlistStatus,
    Workshop,
)
from demo import content
from demo.workshops import VENUES, _seed_session

WORKSHOP_TITLE = "Myofascial Release for the Shoulder Girdle"
SESSION_DAY = "2027-05-22"
CAPACITY = 12
# (name, e-mail, seats): in line after the demo therapist's offer, in this order.
WAITING = [
    ("Noah Fischer", "noah.fischer@example.com", 2),
    ("Lena Novak", "lena.novak@example.com", 1),
]


def seed_waitlist() -> None:
    workshop = Workshop.objects.filter(title=WORKSHOP_TITLE).first()
    venue = Venue.objects.filter(name=VENUES["sandiego"]["name"]).first()
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
    """Every seat sold but the one held for the demo therapist's offer."""
    spec = {
        "days": [(SESSION_DAY, "09:00", "17:00")],
        "venue": "sandiego",
        "capacity": CAPACITY,
        "confirmed": CAPACITY - 1,
        "tickets": [("Standard", 22900, None, "Includes the illustrated manual.")],
    }
    earlier = workshop.sessions.order_by("pk").first()
    instructors = list(earlier.instructors.all()) if earlier else []
    return _seed_session(workshop, spec, {"sandiego": venue}, instructors)
