"""What Stripe and our own notices leave behind: disputes (chargebacks), Stripe
events processed once each, and the e-mails and staff notices sent once each."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .orders import Order


class DisputeStatus(models.TextChoices):
    """Stripe's dispute statuses (``warning_*`` are inquiries that may become disputes)."""

    WARNING_NEEDS_RESPONSE = "warning_needs_response", "Inquiry: needs a response"
    WARNING_UNDER_REVIEW = "warning_under_review", "Inquiry: under review"
    WARNING_CLOSED = "warning_closed", "Inquiry closed"
    NEEDS_RESPONSE = "needs_response", "Needs a response"
    UNDER_REVIEW = "under_review", "Under review"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    PREVENTED = "prevented", "Prevented"


class Dispute(models.Model):
    """A chargeback (or inquiry) on an order's payment, as Stripe last reported it
    (``payments.services.disputes.dispute_sync``). Evidence is submitted in Stripe."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True)
    amount = models.PositiveIntegerField(help_text="In minor units (cents).")
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=40, help_text="Stripe's reason, e.g. fraudulent.")
    status = models.CharField(max_length=30, choices=DisputeStatus.choices)
    evidence_due_by = models.DateTimeField(
        null=True, blank=True, help_text="Respond in Stripe before this, or the dispute is lost."
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    staff_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["opened_at", "pk"]

    def __str__(self) -> str:
        return f"Dispute {self.stripe_dispute_id}"

    @property
    def reason_display(self) -> str:
        return self.reason.replace("_", " ").capitalize()

    @property
    def is_closed(self) -> bool:
        return self.status in (
            DisputeStatus.WARNING_CLOSED,
            DisputeStatus.WON,
            DisputeStatus.LOST,
            DisputeStatus.PREVENTED,
        )


class StripeEvent(models.Model):
    """Every verified webhook event, once. Processing is a task keyed by this row."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class NoticeKind(models.TextChoices):
    REGISTRATION_CANCELLED = "registration_cancelled", _("Registration canceled")
    SESSION_CANCELLED = "session_cancelled", _("Session canceled")
    COMPLIMENTARY_TICKET = "complimentary_ticket", _("Complimentary ticket")
    PAYMENT_LINK = "payment_link", _("Payment link")
    ACCOUNT_INVITE = "account_invite", _("Account invitation")
    MEMBERSHIP_WELCOME = "membership_welcome", _("Membership: welcome")
    MEMBERSHIP_PAYMENT_FAILED = "membership_payment_failed", _("Membership: payment failed")
    MEMBERSHIP_RENEWAL_REMINDER = "membership_renewal_reminder", _("Membership: renewal reminder")
    MEMBERSHIP_CANCELLED = "membership_cancelled", _("Membership: cancellation confirmed")
    MEMBERSHIP_DUPLICATE = "membership_duplicate", _("Membership: duplicate canceled (to staff)")


class Notice(models.Model):
    """One e-mail about one event to one person. The row is claimed (inserted, ``key`` is
    unique) before sending and ``sent_at`` is set after, so retries, double clicks and two
    workers send it once."""

    key = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=40, choices=NoticeKind.choices)
    to = models.EmailField()
    session = models.ForeignKey(
        "courses.Session", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    registration = models.ForeignKey(
        "courses.Registration",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    membership = models.ForeignKey(
        "Membership", null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    note = models.TextField(blank=True, help_text=_("Staff's reason, quoted in the e-mail."))
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        # The members report counts failed membership payments per month.
        indexes = [models.Index(fields=["kind", "created_at"], name="notice_kind_created_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to}"
