"""Memberships through Stripe Billing: join with Checkout (``mode=subscription``), keep
our ``Membership`` and the member's access grant in step with Stripe, open the Customer
Portal.

One rule makes the webhooks safe in any order and any number of times: whatever reports
a change (``customer.subscription.created/updated/deleted``, ``invoice.paid``,
``invoice.payment_failed``, a subscription-mode ``checkout.session.completed``, or the
member landing back from Checkout), we read the subscription from Stripe *now* and apply
that (``membership_sync``). An older read never overwrites a newer one (``synced_at``).

Access is an ``AccessGrant`` for every masterclass (source "membership", reference = the
subscription id) that runs to the end of the period being billed:

- active, trialing, past_due: until the current period ends (past_due: Stripe is
  retrying the card; the member keeps access meanwhile and sees a banner);
- canceled, incomplete_expired: ended when Stripe ended the subscription;
- unpaid, paused: ended when the unpaid period began;
- incomplete: no access until the first payment lands.
"""

import datetime
import logging
import uuid

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from courses import selectors as courses_selectors
from courses import services as courses_services
from courses.formatting import local_date
from courses.models import AccessSource
from courses.services.outbox import outbox_add

from .. import gateway, selectors, tasks
from ..errors import (
    AlreadyMember,
    CheckoutUnavailable,
    ConfirmationDelayed,
    MembershipError,
    NoMembership,
)
from ..models import Membership, MembershipPlan, MembershipStatus
from .membership_checkouts import (
    membership_checkout_claim,
    membership_checkout_close,
    membership_checkout_opened,
)
from .membership_notices import membership_notices_claim

logger = logging.getLogger(__name__)

ACCESS_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.TRIALING, MembershipStatus.PAST_DUE)
ENDED_STATUSES = (MembershipStatus.CANCELED, MembershipStatus.INCOMPLETE_EXPIRED)
LAPSED_STATUSES = (MembershipStatus.UNPAID, MembershipStatus.PAUSED)
PLAN_OF_INTERVAL: dict[str, str] = {"month": MembershipPlan.MONTHLY, "year": MembershipPlan.ANNUAL}
# The webhook events that report a change to a membership (enable them in Stripe).
MEMBERSHIP_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
)
UNREACHABLE = gettext_lazy(
    "We could not reach our payment provider. Nothing was charged: please try again."
)


def _when(timestamp) -> datetime.datetime | None:
    if timestamp in (None, ""):
        return None
    return datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.UTC)


def _id(value) -> str:
    """Stripe references are ids, or whole objects when expanded."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def plan_price(*, plan: str) -> gateway.SubscriptionPrice:
    """The plan's Stripe price: ``STRIPE_PRICE_*`` when set, else the admin's amounts."""
    offer = selectors.membership_plan_offers()[plan]
    return gateway.SubscriptionPrice(
        name=f"PhysioMassage Academy membership ({offer.label.lower()})",
        interval=offer.interval,
        unit_amount=offer.amount,
        currency=offer.currency,
        price_id=selectors.plan_price_ids()[plan] or "",
    )


def membership_price_changed(*, price: dict) -> bool:
    """``price.updated``: forget the cached amount of a plan's Stripe price, so the join
    page reads it again. Returns whether it was one of ours."""
    price_id = _id(price.get("id"))
    if not price_id or price_id not in selectors.plan_price_ids().values():
        return False
    try:
        cache.delete(selectors.price_cache_key(price_id))
    except Exception:
        logger.warning("Could not forget the cached price %s", price_id, exc_info=True)
    return True


# --- Join --------------------------------------------------------------------------------


def membership_checkout_start(
    *, user, plan: str, attempt: str, success_url: str, cancel_url: str
) -> str:
    """Open Stripe Checkout for ``plan``; returns its URL. The membership exists once
    Stripe reports the subscription; until then the checkout is claimed, one open per
    person (``membership_checkouts``). Raises ``MembershipError`` (unknown plan, malformed
    attempt), ``AlreadyMember``, ``CheckoutAlreadyOpen`` or ``CheckoutUnavailable``."""
    if plan not in MembershipPlan.values:
        raise MembershipError(gettext("Choose the monthly or the annual membership."))
    try:
        attempt = str(uuid.UUID(str(attempt)))
    except ValueError:
        raise MembershipError(
            gettext("This form is out of date: please choose your plan again.")
        ) from None
    membership_refresh_for_user(user=user)
    grant = courses_selectors.user_membership_grant(user=user)
    if grant is not None:
        if grant.ends_at:
            raise AlreadyMember(
                gettext("You're already a member: you can watch every masterclass until %(date)s.")
                % {"date": local_date(grant.ends_at, timezone.get_current_timezone())}
            )
        raise AlreadyMember(gettext("You're already a member: you can watch every masterclass."))
    row = membership_checkout_claim(user=user, plan=plan, attempt=attempt)
    try:
        checkout = gateway.membership_checkout_create(
            user_id=user.pk,
            email=user.email,
            customer_id=selectors.membership_customer_id(user=user),
            plan=plan,
            price=plan_price(plan=plan),
            attempt=attempt,
            success_url=success_url,
            cancel_url=cancel_url,
            expires_at=row.expires_at,
        )
    except gateway.GatewayError as error:
        logger.warning("Membership checkout for user %s failed: %s", user.pk, error)
        membership_checkout_opened(row=row, checkout=None)
        raise CheckoutUnavailable(UNREACHABLE) from error
    membership_checkout_opened(row=row, checkout=checkout)
    return checkout["url"]


def membership_checkout_abandoned(*, user) -> int:
    """The member came back from Checkout without paying: expire their open checkout so
    they may choose again at once."""
    return membership_checkout_close(user=user, expire=True)


def membership_refresh_for_user(*, user) -> None:
    """Ask Stripe for the live subscriptions of a returning member's customer, so one
    paid a moment ago (webhook still on its way) counts before we sell another."""
    customer_id = selectors.membership_customer_id(user=user)
    if not customer_id:
        return
    try:
        subscriptions = gateway.subscriptions_list(customer_id=customer_id)
    except gateway.GatewayError as error:
        logger.warning("Could not list subscriptions of %s: %s", customer_id, error)
        return
    read_at = timezone.now()
    for subscription in subscriptions:
        membership_apply(subscription=subscription, read_at=read_at)


CONFIRMATION_DELAYED = gettext_lazy(
    "We could not confirm your payment with Stripe just now. If you paid, your membership "
    "starts as soon as Stripe confirms it, usually within minutes, and you will not be "
    "charged twice."
)


def membership_checkout_return(*, user, checkout_session_id: str) -> Membership | None:
    """Stripe's success URL: sync now so the member has access before any webhook. A
    session that is not this user's membership checkout is ignored. Stripe being
    unreachable is not fatal (the webhooks will do) but is said: ``ConfirmationDelayed``."""
    try:
        checkout = gateway.checkout_session_retrieve(checkout_session_id=checkout_session_id)
    except gateway.GatewayError as error:
        logger.warning("Could not retrieve membership checkout %s: %s", checkout_session_id, error)
        raise ConfirmationDelayed(CONFIRMATION_DELAYED) from error
    metadata = checkout.get("metadata") or {}
    if checkout.get("mode") != "subscription" or metadata.get("user_id") != str(user.pk):
        return None
    subscription_id = _id(checkout.get("subscription"))
    if checkout.get("status") != "complete" or not subscription_id:
        return None
    membership_checkout_close(user=user, checkout_session_id=checkout_session_id)
    try:
        return membership_sync(subscription_id=subscription_id)
    except gateway.GatewayError as error:
        logger.warning("Could not sync subscription %s: %s", subscription_id, error)
        raise ConfirmationDelayed(CONFIRMATION_DELAYED) from error


# --- Sync --------------------------------------------------------------------------------


def subscription_id_of(obj: dict) -> str:
    """The subscription a webhook object is about: a subscription, an invoice (current
    API: ``parent.subscription_details.subscription``) or a Checkout Session."""
    kind = obj.get("object")
    if kind == "subscription":
        return _id(obj.get("id"))
    if kind == "invoice":
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        return _id(details.get("subscription"))
    if kind == "checkout.session":
        return _id(obj.get("subscription"))
    return ""


def membership_event_received(*, obj: dict) -> str:
    """A webhook about a subscription: sync it in a task after commit (retried if Stripe
    is unreachable). Returns the subscription id ("" for objects of no subscription, such
    as a one-off invoice)."""
    subscription_id = subscription_id_of(obj)
    if subscription_id:
        outbox_add(tasks.membership_sync, subscription_id)
    return subscription_id


def membership_sync(*, subscription_id: str) -> Membership | None:
    """Read the subscription from Stripe now and apply it. Raises ``GatewayError``."""
    subscription = gateway.subscription_retrieve(subscription_id=subscription_id)
    return membership_apply(subscription=subscription, read_at=timezone.now())


def _user_of(subscription: dict):
    metadata = subscription.get("metadata") or {}
    user_id = str(metadata.get("user_id") or "")
    users = get_user_model().objects
    if user_id.isdigit():
        user = users.filter(pk=int(user_id)).first()
        if user is not None:
            return user
    customer_id = _id(subscription.get("customer"))
    known = (
        Membership.objects.filter(stripe_customer_id=customer_id).first() if customer_id else None
    )
    return known.user if known else None


def _fields(subscription: dict, read_at: datetime.datetime) -> dict:
    item = subscription["items"]["data"][0]
    price = item.get("price") or {}
    interval = str((price.get("recurring") or {}).get("interval") or "")
    metadata = subscription.get("metadata") or {}
    status = subscription.get("status")
    if status not in MembershipStatus.values:
        logger.warning("Subscription %s has unknown status %r", subscription["id"], status)
        status = MembershipStatus.INCOMPLETE
    return {
        "stripe_customer_id": _id(subscription.get("customer")),
        "plan": PLAN_OF_INTERVAL.get(interval) or metadata.get("plan") or MembershipPlan.MONTHLY,
        "status": status,
        "amount": int(price.get("unit_amount") or 0) * int(item.get("quantity") or 1),
        "currency": str(price.get("currency") or subscription.get("currency") or ""),
        "current_period_end": _when(item.get("current_period_end")),
        "cancel_at_period_end": bool(
            subscription.get("cancel_at_period_end") or subscription.get("cancel_at")
        ),
        "ended_at": _when(subscription.get("ended_at")),
        "synced_at": read_at,
    }


@transaction.atomic
def membership_apply(*, subscription: dict, read_at: datetime.datetime) -> Membership | None:
    """Write what Stripe said about a subscription at ``read_at`` and move the access
    grant with it. Idempotent; a read older than the last one applied changes nothing.
    Subscriptions of no user of ours (no ``user_id`` metadata, unknown customer) are
    logged and skipped."""
    subscription_id = subscription["id"]
    fields = _fields(subscription, read_at)
    membership = (
        Membership.objects.select_for_update()
        .filter(stripe_subscription_id=subscription_id)
        .first()
    )
    if membership is None:
        user = _user_of(subscription)
        if user is None:
            logger.warning("Subscription %s belongs to no user of ours", subscription_id)
            return None
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    user=user, stripe_subscription_id=subscription_id, **fields
                )
        except IntegrityError:  # a concurrent sync created it first
            membership = Membership.objects.select_for_update().get(
                stripe_subscription_id=subscription_id
            )
    if membership.synced_at > read_at:
        return membership
    for name, value in fields.items():
        setattr(membership, name, value)
    membership.save()
    _grant_follow(membership, subscription, read_at)
    membership_notices_claim(membership=membership)
    return membership


def _grant_follow(membership: Membership, subscription: dict, read_at: datetime.datetime) -> None:
    reference = membership.stripe_subscription_id
    item = subscription["items"]["data"][0]
    if membership.status in ACCESS_STATUSES and membership.current_period_end:
        ends_at = membership.current_period_end
        cancel_at = _when(subscription.get("cancel_at"))
        if cancel_at is not None:
            ends_at = min(ends_at, cancel_at)
        courses_services.access_grant_create(
            user=membership.user,
            source=AccessSource.MEMBERSHIP,
            starts_at=min(_when(subscription.get("start_date")) or read_at, ends_at),
            ends_at=ends_at,
            source_reference=reference,
        )
    elif membership.status in ENDED_STATUSES:
        courses_services.access_grant_end(
            source=AccessSource.MEMBERSHIP,
            source_reference=reference,
            at=membership.ended_at or read_at,
        )
    elif membership.status in LAPSED_STATUSES:
        # The current period was never paid for: access stopped when it began.
        unpaid_from = _when(item.get("current_period_start")) or read_at
        courses_services.access_grant_end(
            source=AccessSource.MEMBERSHIP, source_reference=reference, at=min(unpaid_from, read_at)
        )


RESYNC_BATCH = 200


def memberships_resync_overdue(*, now: datetime.datetime | None = None) -> int:
    """Periodic safety net: read again from Stripe every membership still giving access
    whose paid period has ended (its renewal or cancellation webhook never got through),
    so access follows what Stripe did. Returns how many were read."""
    now = now or timezone.now()
    overdue = Membership.objects.filter(
        status__in=ACCESS_STATUSES, current_period_end__lte=now
    ).values_list("stripe_subscription_id", flat=True)[:RESYNC_BATCH]
    read = 0
    for subscription_id in overdue:
        try:
            membership_sync(subscription_id=subscription_id)
        except gateway.GatewayError as error:
            logger.warning("Could not resync subscription %s: %s", subscription_id, error)
            continue
        read += 1
    return read


# --- Manage ------------------------------------------------------------------------------


def membership_portal_url(*, user, return_url: str) -> str:
    """A Customer Portal session for the member's Stripe customer. Raises
    ``NoMembership`` or ``CheckoutUnavailable``."""
    customer_id = selectors.membership_customer_id(user=user)
    if not customer_id:
        raise NoMembership(gettext("You have no paid membership to manage."))
    try:
        portal = gateway.billing_portal_session_create(
            customer_id=customer_id, return_url=return_url
        )
    except gateway.GatewayError as error:
        logger.warning("Customer Portal for %s failed: %s", customer_id, error)
        raise CheckoutUnavailable(
            gettext("We could not reach our payment provider. Please try again in a moment.")
        ) from error
    return portal["url"]
