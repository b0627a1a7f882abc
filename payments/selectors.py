"""Reads for orders, tickets and memberships. Orders and tickets are for their owners and
staff only: everyone else gets nothing (404)."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from courses import selectors as courses_selectors
from courses.models import AccessGrant, Registration, RegistrationStatus

from .models import (
    Membership,
    MembershipPlan,
    MembershipSettings,
    MembershipStatus,
    Order,
    OrderLine,
)


def _orders() -> QuerySet[Order]:
    return Order.objects.select_related(
        "session__workshop", "session__venue", "masterclass"
    ).prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.select_related("registration__ticket_type"),
        )
    )


def order_for_viewer(*, reference, user) -> Order:
    """The order if ``user`` bought it or is staff; ``Http404`` otherwise (not 403: an
    order's existence is nobody else's business)."""
    orders = _orders()
    if not user.is_authenticated:
        raise Http404
    if not user.is_staff:
        orders = orders.filter(buyer=user)
    try:
        return orders.get(reference=reference)
    except (Order.DoesNotExist, ValueError):
        raise Http404 from None


def orders_for_user(*, user) -> QuerySet[Order]:
    return _orders().filter(buyer=user)


def ticket_for_viewer(*, code: str, user) -> Registration:
    """A confirmed ticket for its buyer, its attendee (by account) or staff."""
    if not user.is_authenticated:
        raise Http404
    tickets = Registration.objects.select_related(
        "session__workshop", "session__venue", "ticket_type", "order_line__order"
    ).filter(code=code, status=RegistrationStatus.CONFIRMED)
    if not user.is_staff:
        tickets = (
            tickets.filter(buyer=user)
            | tickets.filter(attendee_user=user)
            | tickets.filter(attendee_email__iexact=user.email)
        )
    ticket = tickets.first()
    if ticket is None:
        raise Http404
    return ticket


def upcoming_tickets_for_user(*, user) -> QuerySet[Registration]:
    """Confirmed seats the user bought or attends, in sessions that have not ended."""
    mine = Registration.objects.filter(buyer=user) | Registration.objects.filter(
        attendee_email__iexact=user.email
    )
    return (
        mine.filter(status=RegistrationStatus.CONFIRMED, session__ends_at__gt=timezone.now())
        .select_related("session__workshop", "session__venue", "ticket_type")
        .order_by("session__starts_at", "pk")
        .distinct()
    )


# --- Memberships ----------------------------------------------------------------------


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
