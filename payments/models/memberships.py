"""Memberships (Stripe Billing): each member's subscription as Stripe last told us,
the checkouts that start one, and the plans' prices editors set."""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from courses.formatting import money_amount


class MembershipPlan(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    ANNUAL = "annual", _("Annual")


class MembershipStatus(models.TextChoices):
    """Stripe's subscription statuses, mirrored as Stripe reports them."""

    INCOMPLETE = "incomplete", _("Awaiting first payment")
    INCOMPLETE_EXPIRED = "incomplete_expired", _("First payment never completed")
    TRIALING = "trialing", _("Trial")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Payment failed (retrying)")
    CANCELED = "canceled", _("Canceled")
    UNPAID = "unpaid", _("Unpaid")
    PAUSED = "paused", _("Paused")


class Membership(models.Model):
    """A member's Stripe subscription, as last synced from Stripe
    (``payments.services.memberships``).

    Access to masterclasses is not decided here but by the ``courses.AccessGrant`` the
    sync keeps in step (source "membership", reference = the subscription id).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    stripe_customer_id = models.CharField(max_length=255, db_index=True)
    stripe_subscription_id = models.CharField(max_length=255, unique=True)
    plan = models.CharField(max_length=10, choices=MembershipPlan.choices)
    status = models.CharField(max_length=20, choices=MembershipStatus.choices)
    amount = models.PositiveIntegerField(default=0, help_text=_("Per period, in minor units."))
    currency = models.CharField(max_length=3, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(
        help_text=_(
            "When the subscription was last read from Stripe; an older read never "
            "overwrites a newer one."
        )
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "status"]),
            models.Index(fields=["created_at", "id"], name="membership_created_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_plan_display()} membership of {self.user}"

    @property
    def is_live(self) -> bool:
        """Stripe still bills it (the member may or may not have access right now)."""
        return self.status not in (MembershipStatus.CANCELED, MembershipStatus.INCOMPLETE_EXPIRED)

    @property
    def is_past_due(self) -> bool:
        return self.status == MembershipStatus.PAST_DUE

    @property
    def access_ends_at(self):
        """When a cancelled membership stops giving access: the end of the paid period,
        or when Stripe ended it if that came first."""
        if self.ended_at and (
            self.current_period_end is None or self.ended_at < self.current_period_end
        ):
            return self.ended_at
        return self.current_period_end

    def price_display(self) -> str:
        per = "year" if self.plan == MembershipPlan.ANNUAL else "month"
        return f"{money_amount(self.amount, self.currency)} / {per}" if self.amount else ""

    price_display.short_description = "Price"  # type: ignore[attr-defined]


class MembershipCheckout(models.Model):
    """A membership Checkout Session we opened. At most one is open per person (a partial
    unique constraint), so two tabs cannot start two subscriptions
    (``payments.services.memberships.membership_checkout_start``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership_checkouts"
    )
    attempt = models.UUIDField(help_text="The join form's attempt id (a double click reuses it).")
    plan = models.CharField(max_length=10, choices=MembershipPlan.choices)
    stripe_checkout_session_id = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_membership_checkout_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"Membership checkout {self.stripe_checkout_session_id or self.attempt}"


@register_setting(icon="group")
class MembershipSettings(BaseGenericSetting):
    """The membership prices shown on the join page and charged when Stripe has no price
    of its own for the plan (``STRIPE_PRICE_MONTHLY`` / ``STRIPE_PRICE_ANNUAL``); with
    one, Stripe's price is the only source (``selectors.membership_plan_offers``)."""

    monthly_amount = models.PositiveIntegerField(
        default=2900,
        validators=[MinValueValidator(50)],
        help_text=_(
            "In cents: 2900 is $29.00 a month. Used only while STRIPE_PRICE_MONTHLY is "
            "unset; when it is set, the join page shows and Stripe charges that Stripe price."
        ),
    )
    annual_amount = models.PositiveIntegerField(
        default=29000,
        validators=[MinValueValidator(50)],
        help_text=_(
            "In cents: 29000 is $290.00 a year. Used only while STRIPE_PRICE_ANNUAL is "
            "unset; when it is set, the join page shows and Stripe charges that Stripe price."
        ),
    )
    currency = models.CharField(
        max_length=3,
        default="usd",
        validators=[RegexValidator(r"^[A-Za-z]{3}$", "Use a three-letter ISO code such as usd.")],
        help_text=_("Three-letter ISO code, e.g. usd."),
    )

    panels = [FieldPanel("monthly_amount"), FieldPanel("annual_amount"), FieldPanel("currency")]

    class Meta:
        verbose_name = "membership prices"
