"""Typed factory_boy factories shared by the whole suite."""

import datetime
import time
import uuid
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

import factory
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

from accounts.models import User
from courses.models import (
    AccessGrant,
    AccessSource,
    Instructor,
    LessonProgress,
    Masterclass,
    Registration,
    RegistrationStatus,
    Session,
    TicketType,
    Venue,
    Video,
    WaitlistEntry,
    Workshop,
)

DEFAULT_PASSWORD = "a-strong-test-password-42"
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TEST_TOTP_SECRET) -> str:
    """The code an authenticator app shows right now, by allauth's own TOTP algorithm."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"therapist{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs) -> None:
        """Mark the e-mail verified (as allauth would after sign-up) unless told not to."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)
        if create:
            obj.save()

    @factory.post_generation
    def second_factor(obj: User, create: bool, extracted: bool | None, **kwargs) -> None:
        """Staff get a TOTP authenticator (secret ``TEST_TOTP_SECRET``), as the staff-page
        rule (accounts.selectors.mfa.user_requires_mfa) demands; ``second_factor=False``
        makes a staff user who has not set one up, ``True`` gives anyone one."""
        wanted = extracted if extracted is not None else (obj.is_staff or obj.is_superuser)
        if create and wanted:
            TOTP.activate(obj, TEST_TOTP_SECRET)


class VenueFactory(factory.django.DjangoModelFactory[Venue]):
    class Meta:
        model = Venue

    name = "Wilshire Training Studio"
    address = "1200 Wilshire Blvd, Suite 300"
    city = "Los Angeles"
    region = "CA"
    postal_code = "90017"
    time_zone = "America/Los_Angeles"
    directions = "Parking in the building garage, entrance on 12th Street."


class InstructorFactory(factory.django.DjangoModelFactory[Instructor]):
    class Meta:
        model = Instructor

    name = factory.Faker("name")
    credentials = "PT, DPT"


class WorkshopFactory(factory.django.DjangoModelFactory[Workshop]):
    class Meta:
        model = Workshop

    title = factory.Sequence(lambda n: f"PhysioMassage Training {n}")
    ce_title = factory.LazyAttribute(lambda o: f"{o.title}: Manual Therapy and Exercise")
    ce_hours = Decimal("14.0")
    provider_approval_number = "CAMTC-1234"


class SessionFactory(factory.django.DjangoModelFactory[Session]):
    class Meta:
        model = Session

    workshop = factory.SubFactory(WorkshopFactory)
    venue = factory.SubFactory(VenueFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=60))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=32))
    capacity = 20


class TicketTypeFactory(factory.django.DjangoModelFactory[TicketType]):
    class Meta:
        model = TicketType

    session = factory.SubFactory(SessionFactory)
    name = "Standard"
    price_amount = 34900
    currency = "usd"


class RegistrationFactory(factory.django.DjangoModelFactory[Registration]):
    """A confirmed seat unless told otherwise (status=HELD needs hold_expires_at)."""

    class Meta:
        model = Registration

    ticket_type = factory.SubFactory(TicketTypeFactory)
    session = factory.LazyAttribute(lambda o: o.ticket_type.session)
    reservation = factory.LazyFunction(uuid.uuid4)
    attendee_name = factory.Faker("name")
    attendee_email = factory.Sequence(lambda n: f"attendee{n}@example.com")
    status = RegistrationStatus.CONFIRMED
    price_amount = factory.LazyAttribute(lambda o: o.ticket_type.price_amount)
    currency = factory.LazyAttribute(lambda o: o.ticket_type.currency)
    confirmed_at = factory.LazyFunction(timezone.now)


def _ebml(element_id: int, payload: bytes) -> bytes:
    """One WebM (EBML) element with an 8-byte size."""
    return (
        element_id.to_bytes(4 if element_id > 0xFFFFFF else 2, "big")
        + ((1 << 56) | len(payload)).to_bytes(8, "big")
        + payload
    )


def mp4_box(box_type: bytes, payload: bytes = b"") -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + box_type + payload


# The smallest WebM our upload check accepts (header naming webm; a segment with info,
# tracks and one cluster), the cluster holding a recognisable, position-dependent pattern
# so range tests can check exactly which bytes came back.
VIDEO_BYTES = _ebml(0x1A45DFA3, _ebml(0x4282, b"webm")) + _ebml(
    0x18538067,
    _ebml(0x1549A966, b"")
    + _ebml(0x1654AE6B, b"")
    + _ebml(0x1F43B675, bytes(i % 251 for i in range(10_000))),
)
# The same for MP4: file type, a movie box with its header and a track, media data.
MP4_BYTES = (
    mp4_box(b"ftyp", b"mp42" + bytes(4) + b"mp42isom")
    + mp4_box(b"moov", mp4_box(b"mvhd", bytes(100)) + mp4_box(b"trak", mp4_box(b"tkhd", bytes(84))))
    + mp4_box(b"mdat", bytes(2_000))
)


class MasterclassFactory(factory.django.DjangoModelFactory[Masterclass]):
    class Meta:
        model = Masterclass

    title = factory.Sequence(lambda n: f"Masterclass {n}")
    slug = factory.Sequence(lambda n: f"masterclass-{n}")
    price_amount = 14900


class VideoFactory(factory.django.DjangoModelFactory[Video]):
    class Meta:
        model = Video

    title = factory.Sequence(lambda n: f"Lesson video {n}")
    file = factory.LazyFunction(lambda: ContentFile(VIDEO_BYTES, name="lesson.webm"))
    content_type = "video/webm"
    size_bytes = len(VIDEO_BYTES)
    duration_seconds = 600


class AccessGrantFactory(factory.django.DjangoModelFactory[AccessGrant]):
    """An open-ended membership grant (all masterclasses) unless told otherwise."""

    class Meta:
        model = AccessGrant

    user = factory.SubFactory(UserFactory)
    source = AccessSource.MEMBERSHIP
    masterclass = None
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))


class LessonProgressFactory(factory.django.DjangoModelFactory[LessonProgress]):
    class Meta:
        model = LessonProgress

    user = factory.SubFactory(UserFactory)
    lesson_key = factory.Sequence(str)
    position_seconds = 120
    duration_seconds = 600


class WaitlistEntryFactory(factory.django.DjangoModelFactory[WaitlistEntry]):
    """Someone waiting for one seat, at the end of the line (staff can reorder)."""

    class Meta:
        model = WaitlistEntry

    session = factory.SubFactory(SessionFactory)
    user = factory.SubFactory(UserFactory)
    seats = 1
    sort_key = factory.Sequence(lambda n: n + 1)
