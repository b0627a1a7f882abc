"""Orders and the Stripe records behind them. Money is integer minor units + currency.

An order buys either seats in one session or one masterclass (never both; a database
constraint says so). A session order is one reservation (``courses.Registration.
reservation``): its lines point at the held or confirmed seats. A masterclass order has no
lines and holds nothing: paying it writes a lifetime ``courses.AccessGrant``; its
``reservation`` is just a unique id and ``hold_expires_at`` is when its checkout closes.
Its status says what happened to the money:

pending   seats held, waiting for Stripe (or payment processing asynchronously)
paid      money landed, seats confirmed (free orders too)
expired   the hold lapsed or the checkout expired before payment
cancelled payment failed, or paid too late with no seat left (refund follows)
refunded / partially_refunded   after Stripe refunds
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.formatting import money_amount


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Canceled")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")


class PaymentMethod(models.TextChoices):
    """How an order was (or is to be) paid: online through Stripe, or, for a booking
    taken by phone, offline as staff recorded it."""

    ONLINE = "online", "Card online (Stripe)"
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    COMPLIMENTARY = "complimentary", "Complimentary"


class Order(models.Model):
    reference = models.UUIDField(
        unique=True, default=uuid.uuid4, editable=False, help_text=_("Public, unguessable id.")
    )
    reservation = models.UUIDField(
        unique=True, help_text=_("The reservation of the seats (courses.Registration).")
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="orders"
    )
    email = models.EmailField(help_text=_("Receipts go here."))
    session = models.ForeignKey(
        "courses.Session",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        help_text=_("The session whose seats were bought (empty for a masterclass order)."),
    )
    masterclass = models.ForeignKey(
        "courses.Masterclass",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        help_text=_("The masterclass bought outright (empty for a workshop order)."),
    )
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    total_amount = models.PositiveIntegerField(help_text=_("In minor units (cents)."))
    amount_refunded = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3)
    hold_expires_at = models.DateTimeField()
    stripe_checkout_session_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_checkout_url = models.URLField(max_length=2000, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    awaiting_async_payment = models.BooleanField(
        default=False, help_text=_("Checkout completed with a delayed method (e.g. bank debit).")
    )
    late_payment = models.BooleanField(default=False, help_text=_("Paid after the hold expired."))
    needs_attention = models.BooleanField(
        default=False, help_text=_("Staff should look: e.g. paid too late and refunded.")
    )
    attention_note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    refund_notice_sent_at = models.DateTimeField(null=True, blank=True)
    # Bookings taken by phone (payments.services.phone); online orders leave these empty.
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who took the booking by phone; empty for online orders.",
    )
    payment_method = models.CharField(
        max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.ONLINE
    )
    payment_reference = models.CharField(
        max_length=100, blank=True, help_text="Check number, transfer reference or receipt number."
    )
    buyer_phone = models.CharField(max_length=30, blank=True)
    payment_link_sends = models.PositiveSmallIntegerField(
        default=0, help_text="How many times the payment link was e-mailed."
    )
    payment_link_sent_at = models.DateTimeField(null=True, blank=True)
    # Not a field: the lines ``order_create`` just wrote (with their seats and ticket
    # types), kept on the order it returns so the checkout does not read them back.
    created_lines: "list[OrderLine] | None" = None

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "hold_expires_at"]),
            models.Index(fields=["paid_at"], name="order_paid_at_idx"),  # revenue report
            # The admin list's order (read backwards), and orders by e-mail (``__iexact``).
            models.Index(fields=["created_at", "id"], name="order_created_id"),
            models.Index(Upper("email"), name="order_email_upper"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_refunded__lte=models.F("total_amount")),
                name="order_refund_not_above_total",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(session__isnull=False, masterclass__isnull=True)
                    | models.Q(session__isnull=True, masterclass__isnull=False)
                ),
                name="order_for_a_session_or_a_masterclass",
            ),
        ]
        permissions = [
            ("refund_order", "Can cancel registrations, refund orders and cancel sessions"),
            ("take_phone_booking", "Can take bookings by phone and record offline payments"),
        ]

    def __str__(self) -> str:
        return f"Order {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("payments:order", kwargs={"reference": self.reference})

    @property
    def number(self) -> str:
        """Short reference printed on receipts and searched by staff."""
        return str(self.reference).split("-")[0].upper()

    def total_display(self) -> str:
        return money_amount(self.total_amount, self.currency)

    total_display.short_description = "Total"  # type: ignore[attr-defined]

    @property
    def is_masterclass(self) -> bool:
        return self.masterclass_id is not None

    @property
    def item_title(self) -> str:
        """What was bought, in a few words: the workshop or the masterclass title."""
        if self.masterclass_id is not None:
            return self.masterclass.title
        return self.session.workshop.title if self.session_id else ""

    def item_display(self) -> str:
        """What was bought, for staff lists and exports: the session or the masterclass."""
        if self.masterclass_id is not None:
            return f"Masterclass: {self.masterclass.title}"
        return str(self.session) if self.session_id else ""

    item_display.short_description = "Bought"  # type: ignore[attr-defined]

    @property
    def is_phone_booking(self) -> bool:
        return self.taken_by_id is not None

    @property
    def taken_by_label(self) -> str:
        """Who took a phone booking, for the buyer's order page and staff lists."""
        if self.taken_by is None:
            return ""
        return self.taken_by.get_full_name()

    @property
    def paid_offline(self) -> bool:
        return self.payment_method not in (PaymentMethod.ONLINE, PaymentMethod.COMPLIMENTARY)

    @property
    def payment_link_is_open(self) -> bool:
        return bool(self.stripe_checkout_url) and self.hold_is_active

    @property
    def is_free(self) -> bool:
        return self.total_amount == 0

    @property
    def hold_is_active(self) -> bool:
        return self.status == OrderStatus.PENDING and self.hold_expires_at > timezone.now()

    @property
    def display_status(self) -> str:
        """What the buyer sees: a pending order past its hold is expired already."""
        if self.status == OrderStatus.PENDING and not self.hold_is_active:
            return "expired" if not self.awaiting_async_payment else "processing"
        if self.status == OrderStatus.PENDING and self.awaiting_async_payment:
            return "processing"
        return self.status

    @property
    def released_before_hold_ended(self) -> bool:
        """Expired while its hold still had time left: the buyer left the payment page
        (Stripe expired the checkout), rather than running out of time."""
        return self.status == OrderStatus.EXPIRED and self.hold_expires_at > timezone.now()


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    registration = models.OneToOneField(
        "courses.Registration", on_delete=models.PROTECT, related_name="order_line"
    )
    description = models.CharField(max_length=255)
    unit_amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    ticket_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.description


class PaymentStatus(models.TextChoices):
    PROCESSING = "processing", _("Processing")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.stripe_payment_intent_id


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    REQUIRES_ACTION = "requires_action", _("Requires action")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


class RefundReason(models.TextChoices):
    LATE_PAYMENT = "late_payment", _("Paid after the hold expired; no seat left")
    CUSTOMER = "requested_by_customer", _("Requested by the customer")
    STAFF = "staff", _("Issued by staff")
    STRIPE = "stripe", _("Issued in the Stripe dashboard")
    SESSION_CANCELLED = "session_cancelled", _("The session was canceled")


class Refund(models.Model):
    """Money going back, tracked from our decision until Stripe confirms it.

    Refunds we start are written first, ``pending`` with no ``stripe_refund_id``, and a
    task (``payments.tasks.refund_submit``) asks Stripe with ``idempotency_key``; retries
    reuse the key, so Stripe makes one refund however often we ask. Stripe's answer (and
    later ``refund.updated`` events) fill in the id and status. Refunds made in Stripe's
    dashboard arrive by webhook and are recorded with reason ``stripe``.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    stripe_refund_id = models.CharField(
        max_length=255, blank=True, help_text=_("Empty until Stripe has accepted the refund.")
    )
    idempotency_key = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("Sent with every attempt; empty for refunds we did not start."),
    )
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=RefundStatus.choices)
    reason = models.CharField(max_length=30, choices=RefundReason.choices)
    note = models.TextField(blank=True, help_text=_("Why, in staff's or the system's words."))
    registration = models.ForeignKey(
        "courses.Registration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        help_text=_("The canceled seat this refund is for, if it is for one seat."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    submitted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When Stripe accepted it.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_refund_id"],
                condition=~models.Q(stripe_refund_id=""),
                name="refund_stripe_id_unique",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="refund_idempotency_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.stripe_refund_id or f"Refund {self.pk} (not yet at Stripe)"

    @property
    def is_submitted(self) -> bool:
        return bool(self.stripe_refund_id)

    @property
    def display_status(self) -> str:
        """What people see: our own queue and Stripe's states in plain words."""
        if self.status == RefundStatus.PENDING and not self.is_submitted:
            return "Being sent to Stripe"
        return {
            RefundStatus.PENDING: "Pending at Stripe",
            RefundStatus.REQUIRES_ACTION: "Pending at Stripe",
            RefundStatus.SUCCEEDED: "Refunded",
            RefundStatus.FAILED: "Failed",
            RefundStatus.CANCELED: _("Canceled"),
        }[RefundStatus(self.status)]
