"""Membership plans as offered, and what a user's membership gives them."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from courses import selectors as courses_selectors
from courses.models import AccessGrant

from ..models import Membership, MembershipPlan, MembershipSettings, MembershipStatus


@dataclass(frozen=True)
class PlanOffer:
    """A membership plan as the join page offers it."""

    plan: str
    label: str
    amount: int
    currency: str
    interval: str  # "month" or "year", as Stripe names recurring intervals

    @property
    def monthly_amount(self) -> int:
        return self.amount if self.interval == "month" else round(self.amount / 12)


def membership_plan_offers() -> dict[str, PlanOffer]:
    """Monthly and annual, priced from the "Membership prices" setting."""
    prices = MembershipSettings.load()
    currency = (prices.currency or settings.CURRENCY).lower()
    return {
        MembershipPlan.MONTHLY: PlanOffer(
            MembershipPlan.MONTHLY, "Monthly", prices.monthly_amount, currency, "month"
        ),
        MembershipPlan.ANNUAL: PlanOffer(
            MembershipPlan.ANNUAL, "Annual", prices.annual_amount, currency, "year"
        ),
    }


def memberships_for_user(*, user) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user)


def membership_customer_id(*, user) -> str:
    """The Stripe customer of the user's latest membership ("" if none), so a member who
    comes back keeps one customer, one card and one invoice history."""
    membership = memberships_for_user(user=user).exclude(stripe_customer_id="").first()
    return membership.stripe_customer_id if membership else ""


def membership_past_due(*, user) -> Membership | None:
    """The membership whose last payment failed, for the site-wide banner."""
    return memberships_for_user(user=user).filter(status=MembershipStatus.PAST_DUE).first()


@dataclass(frozen=True)
class MembershipSummary:
    """What My account and the join page say about a user's membership.

    ``kind``: "stripe" (a subscription, live or ended), "complimentary" (an access grant
    given without a subscription, e.g. staff or the demo member) or "none".
    """

    kind: str
    membership: Membership | None = None
    grant: AccessGrant | None = None

    @property
    def has_access(self) -> bool:
        return self.grant is not None

    @property
    def access_ends_at(self):
        return self.grant.ends_at if self.grant else None


def membership_summary(*, user) -> MembershipSummary:
    if not user.is_authenticated:
        return MembershipSummary("none")
    grant = courses_selectors.user_membership_grant(user=user)
    memberships = list(memberships_for_user(user=user)[:10])
    if grant is not None:
        paid = next(
            (m for m in memberships if m.stripe_subscription_id == grant.source_reference), None
        )
        if paid is None:
            return MembershipSummary("complimentary", grant=grant)
        return MembershipSummary("stripe", membership=paid, grant=grant)
    if memberships:
        live = next((m for m in memberships if m.is_live), memberships[0])
        return MembershipSummary("stripe", membership=live)
    return MembershipSummary("none")
