"""The operator's records: the append-only audit log, door-app actions, and the
outbox that carries side effects to the worker."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalog import Session
from .registrations import Registration


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
