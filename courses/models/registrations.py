"""The seats: registrations (held, confirmed, cancelled) and the waiting list.
Seats taken = confirmed registrations + held ones whose hold has not expired
(``selectors.seats``), so an expired hold stops counting the moment it expires."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalog import Session, TicketType, new_ticket_code


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
