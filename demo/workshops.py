"""Demo workshops: course records, venues, instructors, dated sessions with tickets,
registrations (one session nearly full) and their pages. Safe to run again."""

import datetime
import uuid
import zoneinfo
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from allauth.account.models import EmailAddress

from courses.models import (
    CourseType,
    Instructor,
    Registration,
    RegistrationStatus,
    Session,
    TicketType,
    Venue,
    Workshop,
)
from demo import content
from demo.groups import (
    EDITOR_COURSES_PERMISSIONS,
    EVENT_STAFF,
    ensure_editors_group,
    ensure_event_staff_group,
)
from demo.images import demo_image

LA = zoneinfo.ZoneInfo("America/Los_Angeles")

VENUES = {
    "wilshire": {
        "name": "Wilshire Training Studio",
        "address": "1200 Wilshire Blvd, Suite 300",
        "city": "Los Angeles",
        "region": "CA",
        "postal_code": "90017",
        "time_zone": "America/Los_Angeles",
        "directions": "Validated parking in the building garage (entrance on 12th Street). "
        "Metro: 7th St/Metro Center, then a 10-minute walk.",
    },
    "pasadena": {
        "name": "Arroyo Movement Clinic",
        "address": "88 East Colorado Blvd, 2nd floor",
        "city": "Pasadena",
        "region": "CA",
        "postal_code": "91105",
        "time_zone": "America/Los_Angeles",
        "directions": "Street parking and the Schoolhouse garage on Green Street. Lift at the rear.",
    },
    "sandiego": {
        "name": "Harbor Therapy Collective",
        "address": "1550 India Street",
        "city": "San Diego",
        "region": "CA",
        "postal_code": "92101",
        "time_zone": "America/Los_Angeles",
        "directions": "Two blocks from the County Center/Little Italy trolley stop.",
    },
}

INSTRUCTORS = {
    "marsh": (
        "Dr. Elena Marsh",
        "PT, DPT, OCS",
        "<p>Elena is an orthopaedic clinical specialist who has treated persistent low back "
        "and neck pain in outpatient practice for fifteen years. She teaches how to combine "
        "skilled hands-on work with graded exercise, and how to explain pain to clients.</p>",
        "teal",
    ),
    "reyes": (
        "Marcus Reyes",
        "LMT, BCTMB",
        "<p>Marcus runs a busy clinical massage practice in Long Beach and has taught "
        "myofascial techniques to therapists since 2012. Expect careful, practical coaching of "
        "your hand positions and body mechanics.</p>",
        "sand",
    ),
    "okafor": (
        "Dr. Amara Okafor",
        "PT, DPT",
        "<p>Amara specialises in shoulder and upper-limb rehabilitation and works with "
        "overhead athletes. She brings current research to the table in plain language.</p>",
        "sage",
    ),
}

WORKSHOP_INDEX = {
    "title": "Workshops",
    "slug": "workshops",
    "intro": "<p>Small-group, hands-on continuing education in Southern California. Every "
    "workshop carries CE hours; seats are limited so instructors can correct your hands.</p>",
}


def _at(date: str, time: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{date}T{time}").replace(tzinfo=LA)


WORKSHOPS = [
    {
        "key": "physiomassage",
        "title": "PhysioMassage Training: Low Back and Neck Pain",
        "slug": "physiomassage-training",
        "ce_title": "PhysioMassage: Manual Therapy and Graded Exercise for Persistent Spinal Pain",
        "ce_hours": Decimal("14.0"),
        "approval": "CAMTC CEP #1428",
        "prerequisites": "A current massage therapy license or enrollment in a licensed program.",
        "summary": "Two hands-on days combining soft-tissue and joint techniques with graded "
        "exercise for clients with persistent low back and neck pain.",
        "palette": "teal",
        "instructors": ["marsh", "reyes"],
        "bring": "<ul><li>Two sheets and a face cradle cover</li><li>Comfortable clothes you can "
        "move in (you will practise exercises too)</li><li>A water bottle; lunch is provided</li>"
        "</ul>",
        "body": [
            ("heading", {"text": "What you will learn", "level": "h2"}),
            (
                "paragraph",
                "<p>Most clients who book for back or neck pain have had it for months. This "
                "workshop teaches a structured approach: a short assessment, skilled "
                "hands-on treatment to calm symptoms, and one or two exercises the client "
                "will actually do at home.</p><ul><li>Screening questions and when to refer"
                "</li><li>Lumbar and cervical soft-tissue and mobilisation techniques</li>"
                "<li>Choosing and progressing home exercise</li><li>Explaining pain in plain "
                "language</li></ul>",
            ),
            (
                "quote",
                {
                    "quote": "The most practical CE I have taken. I used the neck sequence the "
                    "following Monday.",
                    "attribution": "LMT, Santa Monica",
                },
            ),
        ],
        "sessions": [
            {
                "days": [("2027-02-21", "09:00", "17:00"), ("2027-02-22", "09:00", "17:00")],
                "venue": "wilshire",
                "capacity": 24,
                "confirmed": 9,
                "tickets": [
                    ("Early bird", 34900, "2027-01-10", "Book by January 10 and save $100."),
                    ("Standard", 44900, None, ""),
                ],
            },
            {
                "days": [("2027-04-17", "09:00", "17:00"), ("2027-04-18", "09:00", "17:00")],
                "venue": "sandiego",
                "capacity": 20,
                "confirmed": 3,
                "tickets": [
                    ("Early bird", 34900, "2027-03-07", "Book by March 7 and save $100."),
                    ("Standard", 44900, None, ""),
                ],
            },
        ],
    },
    {
        "key": "shoulder",
        "title": "Myofascial Release for the Shoulder Girdle",
        "slug": "myofascial-release-shoulder",
        "ce_title": "Myofascial Techniques for Shoulder Pain and Stiffness",
        "ce_hours": Decimal("7.0"),
        "approval": "CAMTC CEP #1428",
        "prerequisites": "",
        "summary": "A one-day clinic on assessing and treating the painful, stiff shoulder "
        "with myofascial and positional techniques.",
        "palette": "sand",
        "instructors": ["okafor", "reyes"],
        "bring": "<ul><li>Sheets and a bolster</li><li>A tank top or sports top for "
        "shoulder assessment practice</li></ul>",
        "body": [
            ("heading", {"text": "A full day on one joint", "level": "h2"}),
            (
                "paragraph",
                "<p>Shoulder pain is the second most common reason clients book after back "
                "pain. You will practise a short movement screen, myofascial work for the "
                "pectoral, scapular and rotator cuff regions, and simple self-care to "
                "teach.</p>",
            ),
        ],
        "sessions": [
            {
                "days": [("2027-03-13", "09:00", "17:00")],
                "venue": "pasadena",
                "capacity": 16,
                "confirmed": 14,
                "tickets": [("Standard", 22900, None, "Includes the illustrated manual.")],
            },
            {
                "days": [("2026-10-17", "09:00", "17:00")],
                "venue": "sandiego",
                "capacity": 16,
                "confirmed": 16,
                "tickets": [("Standard", 21900, None, "")],
            },
        ],
    },
    {
        "key": "intro",
        "title": "Free Introductory Evening: Clinical Reasoning for Massage Therapists",
        "slug": "free-intro-evening-clinical-reasoning",
        "ce_title": "Introduction to Clinical Reasoning in Massage Therapy",
        "ce_hours": Decimal("2.0"),
        "approval": "CAMTC CEP #1428",
        "prerequisites": "",
        "summary": "Two hours, free: how to turn a first conversation into a treatment plan. "
        "Meet our instructors and see how our workshops run.",
        "palette": "sage",
        "instructors": ["marsh"],
        "bring": "<p>Just yourself and your questions. Light refreshments provided.</p>",
        "body": [
            (
                "paragraph",
                "<p>An evening talk with live demonstrations. We walk through three real "
                "(anonymised) cases and show how a few questions change the treatment you "
                "choose.</p>",
            ),
        ],
        "sessions": [
            {
                "days": [("2027-01-28", "18:30", "20:30")],
                "venue": "wilshire",
                "capacity": 40,
                "confirmed": 11,
                "tickets": [("Free seat", 0, None, "Registration required; seats are limited.")],
            },
        ],
    },
]


def seed_workshops(home) -> None:
    from cms.models import WorkshopIndexPage, WorkshopPage

    ensure_editors_group(home, extra=EDITOR_COURSES_PERMISSIONS)
    ensure_event_staff_group()
    _seed_staff_account()
    venues = {
        key: Venue.objects.get_or_create(name=v["name"], defaults=v)[0] for key, v in VENUES.items()
    }
    instructors = {}
    for number, (key, (name, credentials, bio, palette)) in enumerate(INSTRUCTORS.items()):
        instructors[key], _ = Instructor.objects.get_or_create(
            name=name,
            defaults={
                "credentials": credentials,
                "bio": bio,
                "photo": demo_image(f"Portrait {name}", palette, seed=20 + number),
            },
        )

    index = WorkshopIndexPage.objects.first()
    if index is None:
        index = WorkshopIndexPage(**WORKSHOP_INDEX, show_in_menus=True)
        home.add_child(instance=index)
        index.save_revision().publish()
    if home.hero_cta_page_id is None:
        home.hero_cta_page = index
        home.save_revision().publish()

    for number, data in enumerate(WORKSHOPS, start=1):
        workshop, _ = Workshop.objects.get_or_create(
            title=data["title"],
            defaults={
                "ce_title": data["ce_title"],
                "ce_hours": data["ce_hours"],
                "course_type": CourseType.HANDS_ON,
                "provider_approval_number": data["approval"],
                "prerequisites": data["prerequisites"],
            },
        )
        for spec in data["sessions"]:
            _seed_session(workshop, spec, venues, [instructors[k] for k in data["instructors"]])
        if not WorkshopPage.objects.filter(workshop=workshop).exists():
            page = WorkshopPage(
                title=data["title"],
                slug=data["slug"],
                workshop=workshop,
                summary=data["summary"],
                body=[{"type": kind, "value": value} for kind, value in data["body"]],
                what_to_bring=data["bring"],
                hero_image=demo_image(data["title"][:60], data["palette"], seed=10 + number),
            )
            index.add_child(instance=page)
            page.instructors.set([instructors[k] for k in data["instructors"]])
            page.save_revision().publish()


def _seed_session(workshop, spec, venues, instructors) -> Session:
    first, last = spec["days"][0], spec["days"][-1]
    starts, ends = _at(first[0], first[1]), _at(last[0], last[2])
    session, created = Session.objects.get_or_create(
        workshop=workshop,
        starts_at=starts,
        defaults={"ends_at": ends, "venue": venues[spec["venue"]], "capacity": spec["capacity"]},
    )
    if created:
        session.instructors.set(instructors)
    tickets = []
    for order, (name, price, sales_end, description) in enumerate(spec["tickets"]):
        ticket, _ = TicketType.objects.get_or_create(
            session=session,
            name=name,
            defaults={
                "price_amount": price,
                "description": description,
                "sales_end": _at(sales_end, "23:59") if sales_end else None,
                "sort_order": order,
            },
        )
        tickets.append(ticket)
    missing = spec["confirmed"] - Registration.objects.filter(session=session).count()
    for n in range(max(0, missing)):
        ticket = tickets[-1]
        Registration.objects.create(
            session=session,
            ticket_type=ticket,
            reservation=uuid.uuid4(),
            attendee_name=f"Demo Attendee {n + 1}",
            attendee_email=f"attendee{session.pk}-{n + 1}@example.com",
            status=RegistrationStatus.CONFIRMED,
            price_amount=ticket.price_amount,
            currency=ticket.currency,
            confirmed_at=timezone.now(),
        )
    return session


def _seed_staff_account() -> None:
    user, created = get_user_model().objects.get_or_create(
        email=content.STAFF_EMAIL, defaults={"full_name": "Sam Staff", "is_staff": True}
    )
    if created:
        user.set_password(content.STAFF_PASSWORD)
        user.save()
    user.groups.add(*Group.objects.filter(name=EVENT_STAFF))
    EmailAddress.objects.update_or_create(
        user=user, email=content.STAFF_EMAIL, defaults={"verified": True, "primary": True}
    )
