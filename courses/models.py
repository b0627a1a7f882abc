"""Courses: the approved course records and everything that is sold and attended.

Workshops, sessions and ticket types are live data edited in admin views that save at
once; registrations are the seats. Seats taken = confirmed registrations + held
registrations whose hold has not expired (see ``selectors.session_seats_taken``), so an
expired hold stops counting the moment it expires, without waiting for a job.
"""

import secrets
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wagtail.fields import RichTextField
from wagtail.search import index

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from .formatting import money_amount
from .money_fields import MoneyAmountField
from .storage import private_media_storage, video_upload_to

TIME_ZONE_CHOICES = [
    (name, name.replace("_", " "))
    for name in sorted(zoneinfo.available_timezones())
    if name.startswith(("America/", "Europe/", "Australia/", "Pacific/", "Asia/"))
]


def window_in_order(start: str, end: str) -> Q:
    """An optional window (either end may be open) that, when closed, ends after it starts."""
    return (
        Q(**{f"{start}__isnull": True})
        | Q(**{f"{end}__isnull": True})
        | Q(**{f"{end}__gt": F(start)})
    )


def new_ticket_code() -> str:
    """Unguessable ticket code (~100 bits); printed as a QR code and used for check-in."""
    return secrets.token_urlsafe(16)


class Instructor(index.Indexed, models.Model):
    name = models.CharField(max_length=120)
    credentials = models.CharField(
        max_length=120, blank=True, help_text=_("Letters after the name, e.g. PT, DPT, LMT.")
    )
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    bio = RichTextField(blank=True, features=["bold", "italic", "link"])

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class Venue(index.Indexed, models.Model):
    name = models.CharField(max_length=120)
    address = models.TextField(help_text=_("Street address, one line per line."))
    city = models.CharField(max_length=80)
    region = models.CharField(_("state or region"), max_length=80, blank=True)
    country = models.CharField(max_length=2, default="US", help_text=_("ISO country code."))
    postal_code = models.CharField(max_length=20, blank=True)
    time_zone = models.CharField(
        max_length=64, choices=TIME_ZONE_CHOICES, default="America/Los_Angeles"
    )
    directions = models.TextField(blank=True, help_text=_("Parking, entrance, public transport."))

    search_fields = [index.SearchField("name"), index.SearchField("city")]

    class Meta:
        ordering = ["city", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"

    @property
    def map_url(self) -> str:
        from urllib.parse import quote_plus

        query = ", ".join(p for p in [self.name, self.address.replace("\n", ", "), self.city] if p)
        return f"https://www.openstreetmap.org/search?query={quote_plus(query)}"


class CourseType(models.TextChoices):
    HANDS_ON = "hands_on", _("Live, hands-on")
    LIVE = "live", _("Live, lecture")
    ONLINE_LIVE = "online_live", _("Live online")


class Workshop(models.Model):
    """The approved course record: what a CE certificate names."""

    title = models.CharField(max_length=200, help_text=_("Internal and listing name."))
    ce_title = models.CharField(
        _("CE course title"),
        max_length=255,
        help_text=_("Exactly as approved by the CE provider board; printed on certificates."),
    )
    ce_hours = models.DecimalField(
        _("CE hours"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )
    course_type = models.CharField(
        max_length=20, choices=CourseType.choices, default=CourseType.HANDS_ON
    )
    provider_approval_number = models.CharField(max_length=60, blank=True)
    prerequisites = models.TextField(blank=True)
    refund_full_days = models.PositiveSmallIntegerField(
        _("full refund until (days before)"),
        default=14,
        help_text=_("Cancellations this many days or more before the start get a full refund."),
    )
    refund_partial_days = models.PositiveSmallIntegerField(
        _("partial refund until (days before)"),
        null=True,
        blank=True,
        help_text=_("Optional: a partial refund between this and the full-refund deadline."),
    )
    refund_partial_percent = models.PositiveSmallIntegerField(
        default=50, validators=[MaxValueValidator(100)]
    )
    included_masterclasses = models.ManyToManyField(
        "Masterclass",
        blank=True,
        related_name="including_workshops",
        help_text=_("Attendees get these online masterclasses with their ticket."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ce_hours__gte=0), name="workshop_ce_hours_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(refund_partial_percent__lte=100), name="workshop_partial_percent_max"
            ),
            models.CheckConstraint(
                condition=Q(refund_partial_days__isnull=True)
                | Q(refund_partial_days__lt=F("refund_full_days")),
                name="workshop_partial_refund_after_full",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def refund_policy_text(self) -> str:
        values = {
            "full_days": self.refund_full_days,
            "percent": self.refund_partial_percent,
            "partial_days": self.refund_partial_days,
        }
        if self.refund_partial_days is None:
            text = gettext(
                "Full refund until %(full_days)s days before the start; no refund after that. "
                "You can always transfer your seat to a colleague."
            )
        else:
            text = gettext(
                "Full refund until %(full_days)s days before the start; %(percent)s %% refund "
                "until %(partial_days)s days before; no refund after that. You can always "
                "transfer your seat to a colleague."
            )
        return text % values


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Canceled")


class Session(ClusterableModel):
    """One dated run of a workshop, possibly over several days.

    Clusterable only so its ticket types are edited inline in the same admin form; the
    form saves at once (no revisions), and no page ever owns a session.
    """

    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="sessions")
    label = models.CharField(
        max_length=120, blank=True, help_text=_("Optional, e.g. “Weekend cohort”.")
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="sessions")
    time_zone = models.CharField(
        max_length=64,
        choices=TIME_ZONE_CHOICES,
        blank=True,
        help_text=_("Leave blank to use the venue's time zone."),
    )
    capacity = models.PositiveIntegerField()
    instructors = models.ManyToManyField(Instructor, blank=True, related_name="sessions")
    registration_opens_at = models.DateTimeField(null=True, blank=True)
    registration_closes_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Defaults to the start of the session.")
    )
    status = models.CharField(
        max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=0), name="session_capacity_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=window_in_order("registration_opens_at", "registration_closes_at"),
                name="session_registration_window_order",
            ),
        ]

    def __str__(self) -> str:
        local = self.local_starts_at
        return f"{self.workshop.title} — {date_format(local, 'M j, Y')}, {self.venue.city}"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or self.venue.time_zone)

    @property
    def local_starts_at(self):
        return timezone.localtime(self.starts_at, self.tz)

    @property
    def local_ends_at(self):
        return timezone.localtime(self.ends_at, self.tz)

    @property
    def is_multi_day(self) -> bool:
        return self.local_starts_at.date() != self.local_ends_at.date()

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def effective_registration_closes_at(self):
        return self.registration_closes_at or self.starts_at

    def registration_is_open(self, at=None) -> bool:
        at = at or timezone.now()
        if self.is_cancelled:
            return False
        if self.registration_opens_at and at < self.registration_opens_at:
            return False
        return at < self.effective_registration_closes_at


class TicketType(models.Model):
    session = ParentalKey(Session, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(max_length=80, help_text=_("E.g. Early bird, Standard, Student."))
    description = models.CharField(max_length=255, blank=True)
    price_amount = MoneyAmountField(
        _("price"), help_text=_("In dollars: 349 is $349.00. 0 makes the ticket free.")
    )
    currency = models.CharField(max_length=3, default="usd")
    members_price_amount = MoneyAmountField(
        _("members' price"),
        null=True,
        blank=True,
        help_text=_("In dollars."),
    )
    sales_start = models.DateTimeField(null=True, blank=True)
    sales_end = models.DateTimeField(
        null=True, blank=True, help_text=_("E.g. the early-bird deadline.")
    )
    quantity_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Optional cap for this ticket type within the session.")
    )
    min_per_order = models.PositiveSmallIntegerField(default=1)
    max_per_order = models.PositiveSmallIntegerField(default=6)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "price_amount", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_amount__gte=0), name="ticket_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(min_per_order__gte=1), name="ticket_min_at_least_one"
            ),
            models.CheckConstraint(
                condition=Q(max_per_order__gte=F("min_per_order")), name="ticket_max_not_below_min"
            ),
            models.CheckConstraint(
                condition=window_in_order("sales_start", "sales_end"),
                name="ticket_sales_window_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.session})"

    @property
    def is_free(self) -> bool:
        return self.price_amount == 0

    def on_sale(self, at=None) -> bool:
        at = at or timezone.now()
        if self.sales_start and at < self.sales_start:
            return False
        return not (self.sales_end and at >= self.sales_end)


class RegistrationStatus(models.TextChoices):
    HELD = "held", _("Held (awaiting payment)")
    CONFIRMED = "confirmed", _("Confirmed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Canceled")


class Registration(models.Model):
    """One seat for one attendee. Held seats count until ``hold_expires_at``."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="registrations")
    ticket_type = models.ForeignKey(
        TicketType, on_delete=models.PROTECT, related_name="registrations"
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="purchased_registrations",
    )
    attendee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
        help_text=_("The attendee's own account, when the attendee e-mail has one."),
    )
    reservation = models.UUIDField(
        db_index=True, help_text=_("Groups the seats reserved together (one order).")
    )
    attendee_name = models.CharField(max_length=150)
    attendee_email = models.EmailField()
    licence_number = models.CharField(_("license number"), max_length=50, blank=True)
    status = models.CharField(
        max_length=20, choices=RegistrationStatus.choices, default=RegistrationStatus.HELD
    )
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    price_amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    code = models.CharField(max_length=32, unique=True, default=new_ticket_code, editable=False)
    complimentary = models.BooleanField(default=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Server time of the last change at the door: the delta cursor of the offline list
    # (check-in times are device times and may lie in the past when a device syncs late).
    door_changed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    waitlist_entry = models.ForeignKey(
        "WaitlistEntry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
        help_text=_("The waiting-list offer these seats were bought with."),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["session", "status", "hold_expires_at"]),
            models.Index(fields=["ticket_type", "status", "hold_expires_at"]),
            # The registration funnel report counts by each step's date.
            models.Index(fields=["created_at"], name="registration_created_idx"),
            models.Index(fields=["confirmed_at"], name="registration_confirmed_idx"),
            models.Index(fields=["checked_in_at"], name="registration_checked_in_idx"),
            # The admin list's order, and "my tickets" by sign-in e-mail (``__iexact``).
            models.Index(fields=["created_at", "id"], name="registration_created_id"),
            models.Index(Upper("attendee_email"), name="registration_email_upper"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=RegistrationStatus.HELD) | Q(hold_expires_at__isnull=False),
                name="registration_hold_has_expiry",
            ),
        ]
        permissions = [
            ("check_in_attendees", "Can check in attendees, add walk-ins and e-mail attendees"),
        ]

    def __str__(self) -> str:
        return f"{self.attendee_name} — {self.session}"

    @property
    def is_active_hold(self) -> bool:
        return (
            self.status == RegistrationStatus.HELD
            and self.hold_expires_at is not None
            and self.hold_expires_at > timezone.now()
        )


# --- Waiting list -------------------------------------------------------------------
# A sold-out session keeps a queue. Waiting entries and outstanding offers count against
# what the public may buy (``selectors.Availability``), so a freed seat goes to the list
# first. Offers are seats held for one person until ``offer_expires_at``; like holds,
# they stop counting the moment they lapse, and a beat job moves the list on.


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Seats offered")
    CLAIMED = "claimed", _("Booked")
    EXPIRED = "expired", _("Offer expired")
    LEFT = "left", _("Left the list")
    REMOVED = "removed", _("Removed by staff")
    CLOSED = "closed", _("Closed (session canceled)")


WAITLIST_ACTIVE = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class WaitlistEntry(models.Model):
    """One person waiting for ``seats`` seats of a sold-out session, in ``sort_key`` order."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="waitlist_entries")
    ticket_type = models.ForeignKey(
        TicketType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="waitlist_entries",
        help_text=_("The ticket they would like (optional): preselected in their checkout."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    seats = models.PositiveSmallIntegerField(help_text=_("Seats asked for."))
    sort_key = models.PositiveIntegerField(
        help_text=_("Place in the queue: lower is served first. Staff move entries up and down.")
    )
    status = models.CharField(
        max_length=20, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    offered_seats = models.PositiveSmallIntegerField(default=0)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    offer_sent_at = models.DateTimeField(null=True, blank=True)
    ended_notice_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When the person was e-mailed that their offer lapsed or the session was "
            "canceled (claimed before sending, so it goes out once)."
        ),
    )
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When it stopped being active (booked, left, ...).")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Filled in by selectors for display, never stored: the open offer's seats not yet
    # held or booked, and a waiting entry's place in line.
    seats_open: int
    position: int

    class Meta:
        ordering = ["session", "sort_key", "pk"]
        verbose_name_plural = "waiting list entries"
        indexes = [models.Index(fields=["session", "status", "sort_key"])]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(status__in=WAITLIST_ACTIVE),
                name="waitlist_one_active_entry_per_user",
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="waitlist_seats_at_least_one"),
            models.CheckConstraint(
                condition=~Q(status=WaitlistStatus.OFFERED)
                | (Q(offer_expires_at__isnull=False) & Q(offered_seats__gte=1)),
                name="waitlist_offer_has_seats_and_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.seats} seat(s), {self.session}"

    @property
    def is_active(self) -> bool:
        return self.status in WAITLIST_ACTIVE

    def offer_is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return (
            self.status == WaitlistStatus.OFFERED
            and self.offer_expires_at is not None
            and self.offer_expires_at > at
        )


# --- Masterclasses ------------------------------------------------------------------
# The product records members' access is about. Pages (cms) present them; payments sell
# them by writing AccessGrants through ``courses.services``.

VIDEO_EXTENSIONS = ["mp4", "webm"]
VIDEO_CONTENT_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}


def ce_hours_text(hours: Decimal | None) -> str:
    """ "14 CE hours", "7.5 CE hours", "1 CE hour": boards want "CE", never "CEU"."""
    if hours is None:
        return ""
    number = hours.normalize() if hours % 1 else int(hours)
    return f"{number} CE hour{'' if number == 1 else 's'}"


class Masterclass(index.Indexed, models.Model):
    """An online series of lessons that can be bought on its own or come with a grant."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    summary = models.TextField(blank=True, help_text=_("One or two sentences for listings."))
    price_amount = MoneyAmountField(
        _("one-time price"),
        null=True,
        blank=True,
        help_text=_("In dollars: 149 is $149.00. Leave empty when it is for members only."),
    )
    currency = models.CharField(max_length=3, default="usd")
    # Home-study CE (NCBTMB): a recorded course earns CE only after a graded test.
    ce_approved = models.BooleanField(
        _("CE-approved home study"),
        default=False,
        help_text=_("Members who pass its test get a Home Study CE certificate."),
    )
    ce_title = models.CharField(
        _("approved CE title"),
        max_length=255,
        blank=True,
        help_text=_("Exactly as approved by the CE board; printed on certificates."),
    )
    ce_hours = models.DecimalField(
        _("CE hours"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5"))],
        help_text=_("One hour of video is 1 CE."),
    )
    ce_provider_approval_number = models.CharField(
        _("approved-provider number"),
        max_length=60,
        blank=True,
        help_text=_("Only if this course has its own; otherwise the provider's number is used."),
    )
    passing_grade_percent = models.PositiveSmallIntegerField(
        _("passing grade (%)"),
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    max_retakes = models.PositiveSmallIntegerField(
        _("retakes allowed"),
        null=True,
        blank=True,
        default=2,
        help_text=_("After a failed first attempt. Leave empty for no limit."),
    )
    retake_cooldown_hours = models.PositiveSmallIntegerField(
        _("hours between attempts"),
        default=24,
        validators=[MaxValueValidator(24 * 30)],
        help_text=_("How long a member waits after a failed attempt. 0: no wait."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ce_hours__isnull=True) | Q(ce_hours__gt=0),
                name="masterclass_ce_hours_positive",
            ),
            models.CheckConstraint(
                condition=Q(passing_grade_percent__gte=1) & Q(passing_grade_percent__lte=100),
                name="masterclass_passing_grade_range",
            ),
        ]
        permissions = [
            ("watch_every_masterclass", "Can watch every lesson without a membership or purchase")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ce_hours_display(self) -> str:
        return ce_hours_text(self.ce_hours)

    @property
    def is_purchasable(self) -> bool:
        return bool(self.price_amount)

    @property
    def price_display(self) -> str:
        return money_amount(self.price_amount, self.currency) if self.price_amount else ""


class StreamStatus(models.TextChoices):
    NONE = "", _("Not requested")
    PENDING = "pending", _("Waiting to be processed")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    UNAVAILABLE = "unavailable", _("Original file only")


class Video(index.Indexed, models.Model):
    """A lesson video on private storage: no URL, a random stored name."""

    title = models.CharField(max_length=200)
    file = models.FileField(
        storage=private_media_storage,
        upload_to=video_upload_to,
        max_length=255,
        validators=[FileExtensionValidator(VIDEO_EXTENSIONS)],
        help_text=_("MP4 (H.264/AAC) or WebM (VP9/Opus)."),
    )
    content_type = models.CharField(max_length=40, editable=False)
    size_bytes = models.PositiveBigIntegerField(default=0, editable=False)
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"),
        null=True,
        blank=True,
        help_text=_("Filled in from the file when the server can read it; otherwise enter it."),
    )
    poster = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown before the video starts."),
    )
    # Adaptive streaming (HLS), built by a worker after each upload
    # (courses/services/transcoding.py); until it is ready the original file plays.
    stream_status = models.CharField(
        _("streaming"),
        max_length=12,
        choices=StreamStatus.choices,
        default=StreamStatus.NONE,
        editable=False,
    )
    stream_progress = models.PositiveSmallIntegerField(default=0, editable=False)
    stream_error = models.TextField(blank=True, editable=False)
    stream_source = models.CharField(max_length=255, blank=True, editable=False)
    stream_folder = models.CharField(max_length=255, blank=True, editable=False)
    stream_renditions = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def size_display(self) -> str:
        return filesizeformat(self.size_bytes)

    @property
    def has_stream(self) -> bool:
        """Adaptive renditions are ready for the current file."""
        return self.stream_status == StreamStatus.READY and bool(self.stream_renditions)

    @property
    def duration_display(self) -> str:
        if not self.duration_seconds:
            return ""
        minutes, seconds = divmod(self.duration_seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class AccessSource(models.TextChoices):
    MEMBERSHIP = "membership", _("Membership")
    PURCHASE = "purchase", _("Purchase")
    WORKSHOP = "workshop", _("Included with a workshop")
    STAFF = "staff", _("Staff preview")


class AccessGrant(models.Model):
    """The one source of truth for who may watch what, and when.

    ``masterclass`` empty means every masterclass (a membership). A grant counts from
    ``starts_at`` until ``ends_at`` (empty: no end) unless it was revoked (a refund).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants"
    )
    source = models.CharField(max_length=20, choices=AccessSource.choices)
    masterclass = models.ForeignKey(
        Masterclass,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_grants",
        help_text=_("Leave empty for access to every masterclass."),
    )
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    source_reference = models.CharField(
        max_length=255,
        blank=True,
        db_index=True,
        help_text=_("What created the grant: a Stripe subscription or order id, a registration."),
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "pk"]
        indexes = [models.Index(fields=["user", "masterclass", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="access_grant_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        what = self.masterclass or "all masterclasses"
        return f"{self.user} — {what} ({self.get_source_display()})"


class LessonProgress(models.Model):
    """How far a viewer got in one lesson. ``lesson_key`` names the lesson (the cms page
    id), so courses needs no knowledge of pages."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson_key = models.CharField(max_length=64)
    masterclass = models.ForeignKey(
        Masterclass, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    video = models.ForeignKey(
        Video, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position_seconds = models.FloatField(default=0)
    duration_seconds = models.FloatField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "pk"]
        verbose_name_plural = "lesson progress"
        indexes = [models.Index(fields=["updated_at"], name="lesson_progress_updated_idx")]
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson_key"], name="lesson_progress_unique"),
            models.CheckConstraint(
                condition=Q(position_seconds__gte=0) & Q(duration_seconds__gte=0),
                name="lesson_progress_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — lesson {self.lesson_key}"

    @property
    def percent(self) -> int:
        if self.completed_at:
            return 100
        if not self.duration_seconds:
            return 0
        return min(100, int(100 * self.position_seconds / self.duration_seconds))


# --- After the sale: certificates, reminders, messages to attendees -----------------------


def new_certificate_code() -> str:
    """Unguessable public code (~100 bits) printed on the certificate and in its QR code."""
    return secrets.token_urlsafe(16)


class Certificate(models.Model):
    """A CE certificate: an immutable snapshot of what was printed, kept at least six years.

    Nothing here reads live data when shown again: the workshop may be renamed or the
    attendee may change their name, the certificate still says what was issued. Only
    ``revoked_at`` is ever written after creation (when staff re-issue). PROTECT everywhere,
    so no delete elsewhere can take a certificate with it.
    """

    registration = models.ForeignKey(
        Registration,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
        help_text=_("The attended seat (live workshops); empty for home study."),
    )
    # Home study: the member who passed the masterclass's test.
    masterclass = models.ForeignKey(
        Masterclass,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="home_study_certificates",
    )
    code = models.CharField(
        max_length=32, unique=True, default=new_certificate_code, editable=False
    )
    participant_name = models.CharField(max_length=150)
    licence_number = models.CharField(_("license number"), max_length=50, blank=True)
    course_title = models.CharField(max_length=255)
    ce_hours = models.DecimalField(_("CE hours"), max_digits=4, decimal_places=1)
    course_type = models.CharField(max_length=60)
    session_dates = models.CharField(max_length=120)
    session_ended_on = models.DateField()
    venue = models.CharField(max_length=255, blank=True)
    provider_name = models.CharField(max_length=150)
    provider_address = models.TextField()
    provider_approval_number = models.CharField(max_length=60, blank=True)
    instructors = models.CharField(max_length=255, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when issued automatically after the session."),
    )
    reissued_from = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissued_as",
    )
    revoked_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set when superseded by a re-issued certificate.")
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(revoked_at__isnull=True),
                name="certificate_one_current_per_registration",
            ),
            models.UniqueConstraint(
                fields=["masterclass", "user"],
                condition=Q(revoked_at__isnull=True, masterclass__isnull=False),
                name="certificate_one_current_per_member_masterclass",
            ),
            models.CheckConstraint(
                condition=Q(registration__isnull=False) | Q(masterclass__isnull=False),
                name="certificate_for_a_seat_or_a_masterclass",
            ),
            models.CheckConstraint(
                condition=Q(ce_hours__gte=0), name="certificate_ce_hours_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_name} — {self.course_title} ({self.session_dates})"

    @property
    def is_current(self) -> bool:
        return self.revoked_at is None

    @property
    def is_home_study(self) -> bool:
        return self.masterclass_id is not None

    @property
    def recipient_email(self) -> str:
        if self.registration_id:
            return self.registration.attendee_email
        return self.user.email if self.user else ""

    @property
    def ce_hours_display(self) -> str:
        return ce_hours_text(self.ce_hours)


class ReminderSent(models.Model):
    """One reminder of one kind to one attendee. The row is claimed (inserted) before the
    e-mail goes out; the unique constraint makes a second claim fail, so retries and a
    second beat process cannot send it twice."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=20, help_text=_("The offset, e.g. 168h or 24h."))
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["claimed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "kind"], name="reminder_once_per_registration_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder to {self.registration.attendee_email}"


class AttendeeMessage(models.Model):
    """A message staff sent to every confirmed attendee of a session: the log."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(max_length=150)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    recipients_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


class AuditAction(models.TextChoices):
    REFUND = "refund", _("Refund")
    CANCELLATION = "cancellation", _("Cancellation")
    SESSION_CANCELLATION = "session_cancellation", _("Session canceled")
    EXPORT = "export", _("Export")
    CHECK_IN = "check_in", _("Check-in")
    CHECK_OUT = "check_out", _("Check-out")
    ROLE_CHANGE = "role_change", _("Role change")
    DATA_EXPORT = "data_export", _("Personal data export")
    ERASURE = "erasure", _("Account erasure")
    PHONE_BOOKING = "phone_booking", _("Booking taken by phone")
    PAYMENT_LINK = "payment_link", _("Payment link e-mailed")
    OFFLINE_PAYMENT = "offline_payment", _("Offline payment recorded")


class AuditLogIsAppendOnly(Exception):
    """An audit row was about to be changed or deleted: the log only grows."""


class AuditEntry(models.Model):
    """Who did what to money or personal data, and when. Append-only: written once by
    ``courses.services.audit.audit_record`` in the transaction of the action itself.

    Here in ``courses`` (the bottom layer) so payments, courses and accounts can all write
    it. The actor and target are also kept as text, so the row still reads after the
    account or object behind them is anonymised or gone."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("by"), max_length=254)
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=255)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label}: {self.get_action_display()}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")


class DoorActionKind(models.TextChoices):
    CHECK_IN = "check_in", _("Check-in")
    CHECK_OUT = "check_out", _("Check-out")


class DoorActionOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ALREADY = "already", _("Already done (an earlier scan won)")
    REFUSED = "refused", _("Refused")
    FLAGGED = "flagged", _("Flagged for staff")


class DoorAction(models.Model):
    """One check-in or check-out a door device sent, kept once per client id.

    The device makes the id when staff act (often offline); the unique constraint makes a
    replayed batch change nothing, and the stored outcome is what the replay answers."""

    client_id = models.UUIDField()
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="door_actions")
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="door_actions"
    )
    kind = models.CharField(max_length=10, choices=DoorActionKind.choices)
    device_time = models.DateTimeField()
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=DoorActionOutcome.choices)
    message = models.CharField(max_length=300)

    class Meta:
        ordering = ["device_time", "client_id"]
        constraints = [
            models.UniqueConstraint(fields=["client_id"], name="door_action_once_per_client_id")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.registration_id} ({self.outcome})"


class MailInFlight(models.Model):
    """An e-mail claimed and not yet known to be sent (courses/mail.py). The row lives only
    while a send is under way; one left behind longer than ``MAIL_SEND_LEASE_SECONDS``
    belonged to a worker that died mid-send, and lets the task's next run send it."""

    key = models.CharField(max_length=64, unique=True)
    claimed_at = models.DateTimeField()

    class Meta:
        verbose_name = "e-mail being sent"
        verbose_name_plural = "e-mails being sent"

    def __str__(self) -> str:
        return f"{self.key[:12]}… claimed {self.claimed_at:%Y-%m-%d %H:%M:%S}"


class OutboxEntry(models.Model):
    """A side effect of a committed state change (an e-mail, a refund to submit, a sync),
    written in the same transaction as the change, so it cannot be lost when the broker is
    down: it is dispatched on commit and again by the ``outbox_dispatch_due`` beat job
    until the task behind it has succeeded once (courses/services/outbox.py)."""

    task = models.CharField(max_length=200, help_text=_("The Celery task's registered name."))
    args = models.JSONField(default=list, blank=True)
    due_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = "outbox entry"
        verbose_name_plural = "outbox entries"
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(done_at__isnull=True), name="outbox_pending_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


# Captions live in their own module (this one is long enough); imported here so Django
# registers them with the app.
from .caption_models import VideoCaption  # noqa: E402, F401

# Home-study tests live in their own module; imported here so Django registers them.
from .home_study_models import (  # noqa: E402, F401
    HomeStudyAttempt,
    HomeStudyOption,
    HomeStudyQuestion,
    QuestionKind,
)
