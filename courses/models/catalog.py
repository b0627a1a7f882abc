"""What is sold: instructors, venues, approved workshops, their dated sessions and
ticket types. Live data, edited in admin views that save at once."""

import secrets
import zoneinfo
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wagtail.fields import RichTextField
from wagtail.search import index

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from ..money_fields import MoneyAmountField

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
