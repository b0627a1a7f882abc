"""What attendance leaves behind: CE certificates, reminders sent and staff messages."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalog import Session
from .learning import Masterclass, ce_hours_text
from .registrations import Registration


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
