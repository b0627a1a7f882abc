"""Membership plans as offered, and what a user's membership gives them."""

import datetime
import logging
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import IntegerField, QuerySet
from django.utils.translation import gettext

from config.kept import Kept
from config.prepared import Param, PreparedRead
from courses import selectors as courses_selectors
from courses.models import AccessGrant

from .. import gateway
from ..models import Membership, MembershipPlan, MembershipSettings, MembershipStatus

logger = logging.getLogger(__name__)
PRICE_CACHE_SECONDS = 60 * 60


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


def plan_price_ids() -> dict[str, str]:
    """The Stripe prices configured for the plans (``STRIPE_PRICE_*``; "" when unset)."""
    return {
        MembershipPlan.MONTHLY: settings.STRIPE_PRICE_MONTHLY,
        MembershipPlan.ANNUAL: settings.STRIPE_PRICE_ANNUAL,
    }


def price_cache_key(price_id: str) -> str:
    return f"stripe-price:{price_id}"


def _stripe_amount(price_id: str) -> tuple[int, str] | None:
    """(amount, currency) of a Stripe price, cached for an hour (and forgotten at once on
    ``price.updated``); None when Stripe cannot be asked, so the page still renders."""
    key = price_cache_key(price_id)
    try:
        cached = cache.get(key)
    except Exception:  # Redis away: ask Stripe
        cached = None
    if cached is not None:
        return int(cached[0]), str(cached[1])
    try:
        price = gateway.price_retrieve(price_id=price_id)
    except gateway.GatewayError as error:
        logger.warning("Could not read Stripe price %s: %s", price_id, error)
        return None
    found = (int(price.get("unit_amount") or 0), str(price.get("currency") or "").lower())
    try:
        cache.set(key, list(found), PRICE_CACHE_SECONDS)
    except Exception:
        logger.warning("Could not cache Stripe price %s", price_id)
    return found


def membership_plan_offers() -> dict[str, PlanOffer]:
    """Monthly and annual as Stripe will charge them: the ``STRIPE_PRICE_*`` price when
    one is set (one source of prices), else the "Membership prices" setting."""
    prices = MembershipSettings.load()
    currency = (prices.currency or settings.CURRENCY).lower()
    offers: dict[str, PlanOffer] = {
        MembershipPlan.MONTHLY: PlanOffer(
            MembershipPlan.MONTHLY, gettext("Monthly"), prices.monthly_amount, currency, "month"
        ),
        MembershipPlan.ANNUAL: PlanOffer(
            MembershipPlan.ANNUAL, gettext("Annual"), prices.annual_amount, currency, "year"
        ),
    }
    for plan, price_id in plan_price_ids().items():
        found = _stripe_amount(price_id) if price_id else None
        if found is not None:
            offers[plan] = replace(offers[plan], amount=found[0], currency=found[1])
    return offers


BILLING_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.TRIALING, MembershipStatus.PAST_DUE)


def membership_has_another_live(*, membership: Membership) -> bool:
    """The member has another subscription that Stripe still bills (a duplicate, or
    the one a duplicate of this is measured against)."""
    return (
        Membership.objects.filter(user_id=membership.user_id, status__in=BILLING_STATUSES)
        .exclude(pk=membership.pk)
        .exists()
    )


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
    """The membership whose last payment failed."""
    return memberships_for_user(user=user).filter(status=MembershipStatus.PAST_DUE).first()


# The banner is on every page a signed-in person opens: a query each time for a state that
# changes a few times a year. Remembered in the shared cache, forgotten by every save or
# delete of the user's memberships (payments.signals) and, whatever happens to the cache
# meanwhile (an outage that loses a forget), after PAST_DUE_SECONDS. Each process also
# keeps what it read for PAST_DUE_HERE_SECONDS (no cache round trip while a member moves
# from page to page): another process's forget reaches it that much later at most, as the
# page cache's 5 s; the process that forgets sees it at once.
PAST_DUE_SECONDS = 300
PAST_DUE_HERE_SECONDS = 10
_past_due_here = Kept(size=5000)


def past_due_key(user_id: int) -> str:
    return f"payments:past-due:{user_id}"


@dataclass(frozen=True)
class PastDue:
    """A membership of the viewer's whose last payment failed, and when its access ends."""

    access_ends_at: datetime.datetime | None


def membership_banner_past_due(*, user) -> PastDue | None:
    """What the site-wide "your last payment failed" banner needs, or None."""
    if not user.is_authenticated:
        return None
    now = time.monotonic()
    kept = _past_due_here.get(user.pk, now)
    if kept is None:
        key = past_due_key(user.pk)
        kept = cache.get(key)
        if kept is None:
            membership = membership_past_due(user=user)
            kept = PastDue(membership.current_period_end) if membership is not None else False
            cache.set(key, kept, PAST_DUE_SECONDS)
        _past_due_here.put(user.pk, kept, until=now + PAST_DUE_HERE_SECONDS)
    return kept or None


def membership_banner_forget(*, user_id: int) -> None:
    """The user's memberships changed: the banner asks the database again (now, and once
    the change commits, so a read in between cannot keep the old state)."""

    def forget() -> None:
        _past_due_here.forget(user_id)
        cache.delete(past_due_key(user_id))

    forget()
    transaction.on_commit(forget)


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


# The user's ten newest subscriptions (what the summary picks from): compiled once per process.
_NEWEST_MEMBERSHIPS = PreparedRead(
    lambda: Membership.objects.filter(user_id=Param("user", IntegerField()))[:10]
)


def membership_summary(*, user) -> MembershipSummary:
    if not user.is_authenticated:
        return MembershipSummary("none")
    grant = courses_selectors.user_membership_grant(user=user)
    memberships = _NEWEST_MEMBERSHIPS.all(user=user.pk)
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
