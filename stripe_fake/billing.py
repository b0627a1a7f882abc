"""Stripe Billing in the fake: customers, Checkout in ``mode=subscription``,
subscriptions, invoices and Customer Portal sessions, with their webhook events.

Objects start from Stripe's sample objects in the pinned API version's shape
(``fixtures_billing.json``, built by tools/stripe_schemas/fixtures.py): the billing
period lives on the subscription *items* (``items.data[].current_period_end``) and an
invoice names its subscription under ``parent.subscription_details.subscription``.

The simulator helpers stand in for time passing and for the customer in Stripe's hosted
pages: ``subscription_renew`` (a renewal invoice paid or declined),
``subscription_cancel`` (now, or at the end of the period as the Customer Portal does),
``subscription_resume`` and ``subscription_pay_open_invoice`` (a new card settles a
past-due invoice). Each queues the events Stripe would send, in ``fake_stripe.outbox``.
"""

import copy
import time

from .billing_objects import (
    ENDED,
    _customer_new,
    _invoice_fail,
    _invoice_new,
    _invoice_paid,
    _invoice_settle,
    _line_item_price,
    _period,
    _plan,
    _public,
    add_interval,
    billing_sample,
    customer_create,
    customer_retrieve,
    invoice_list,
    invoice_payment_list,
    invoice_retrieve,
)
from .billing_objects import price_add as price_add
from .fake import ROUTES, FakeStripe, fake_stripe
from .wire import StripeFakeError, _new_id


# --- Checkout in subscription mode ----------------------------------------------------
def subscription_checkout_create(stripe: FakeStripe, params: dict) -> dict:
    """``POST /v1/checkout/sessions`` with ``mode=subscription`` (from ``FakeStripe``)."""
    now = int(time.time())
    line_items, expires_at = stripe._checkout_params_checked(params, now)
    if params.get("customer") and params.get("customer_email"):
        raise StripeFakeError(
            400, "You may only specify one of these parameters: customer, customer_email."
        )
    if params.get("customer"):
        stripe._get(stripe.customers, params["customer"], "customer")
    prices = [_line_item_price(stripe, item, i) for i, item in enumerate(line_items)]
    if len({p["currency"] for p in prices}) != 1:
        raise StripeFakeError(400, "All line items must use the same currency.")
    amount = sum(
        p["unit_amount"] * int(item.get("quantity", 1))
        for p, item in zip(prices, line_items, strict=True)
    )
    session = stripe._checkout_session_new(
        params, now=now, expires_at=expires_at, amount=amount, currency=prices[0]["currency"]
    )
    session.update(customer=params.get("customer"), subscription=None, invoice=None)
    session["_prices"] = prices
    session["_subscription_data"] = params.get("subscription_data") or {}
    return _public(session)


def subscription_checkout_pay(stripe: FakeStripe, session: dict) -> dict:
    """The customer pays on the hosted page: Stripe creates the customer (if needed), the
    subscription and its first, paid invoice, then reports all three."""
    if session["status"] != "open":
        raise StripeFakeError(400, f"Checkout Session is {session['status']}.")
    customer_id = session.get("customer")
    if not customer_id:
        customer_id = _customer_new(stripe, email=session.get("customer_email"))["id"]
    data = session.get("_subscription_data") or {}
    subscription = _subscription_new(
        stripe,
        customer_id=customer_id,
        prices=session["_prices"],
        metadata=data.get("metadata") or {},
    )
    invoice = _invoice_new(stripe, subscription, billing_reason="subscription_create")
    _invoice_settle(stripe, invoice)
    subscription["latest_invoice"] = invoice["id"]
    stripe._checkout_end(session, "complete", stripe.customers[customer_id])
    session.update(
        payment_status="paid",
        customer=customer_id,
        subscription=subscription["id"],
        invoice=invoice["id"],
    )
    stripe._emit("customer.subscription.created", _public(subscription))
    stripe._emit("invoice.paid", _public(invoice))
    stripe._emit("checkout.session.completed", _public(session))
    return _public(session)


# --- Subscriptions ----------------------------------------------------------------------
def _subscription_new(
    stripe: FakeStripe, *, customer_id: str, prices: list[dict], metadata: dict
) -> dict:
    now = int(time.time())
    subscription = billing_sample("subscription")
    subscription_id = _new_id("sub")
    item_template = subscription["items"]["data"][0]
    items = []
    for price in prices:
        recurring = price["recurring"]
        item = copy.deepcopy(item_template)
        item.update(
            id=_new_id("si"),
            created=now,
            price=price,
            plan=_plan(price),
            quantity=1,
            subscription=subscription_id,
            current_period_start=now,
            current_period_end=add_interval(
                now, recurring["interval"], recurring["interval_count"]
            ),
            discounts=[],
        )
        items.append(item)
    subscription.update(
        id=subscription_id,
        customer=customer_id,
        status="active",
        created=now,
        start_date=now,
        billing_cycle_anchor=now,
        currency=prices[0]["currency"],
        cancel_at=None,
        cancel_at_period_end=False,
        canceled_at=None,
        ended_at=None,
        trial_start=None,
        trial_end=None,
        next_pending_invoice_item_invoice=None,
        metadata=metadata,
        discounts=[],
        latest_invoice=None,
        livemode=False,
        items={
            "object": "list",
            "data": items,
            "has_more": False,
            "url": f"/v1/subscription_items?subscription={subscription_id}",
        },
    )
    stripe.subscriptions[subscription_id] = subscription
    return subscription


def subscription_retrieve(stripe: FakeStripe, params: dict, subscription_id: str) -> dict:
    return _public(stripe._get(stripe.subscriptions, subscription_id, "id"))


def subscription_list(stripe: FakeStripe, params: dict) -> dict:
    """Newest first; without ``status`` Stripe leaves canceled subscriptions out."""
    status = params.get("status")
    subscriptions = [
        s
        for s in stripe.subscriptions.values()
        if (not params.get("customer") or s["customer"] == params["customer"])
        and (
            status == "all"
            or (status and s["status"] == status)
            or (not status and s["status"] not in ENDED)
        )
    ]
    subscriptions.sort(key=lambda s: s["created"], reverse=True)
    limit = int(params.get("limit") or 10)
    return {
        "object": "list",
        "data": [_public(s) for s in subscriptions[:limit]],
        "has_more": len(subscriptions) > limit,
        "url": "/v1/subscriptions",
    }


def subscription_update(stripe: FakeStripe, params: dict, subscription_id: str) -> dict:
    """``cancel_at_period_end`` and ``metadata`` only: what the Portal stand-in changes."""
    subscription = stripe._get(stripe.subscriptions, subscription_id, "id")
    unsupported = set(params) - {"cancel_at_period_end", "metadata"}
    if unsupported:
        raise StripeFakeError(
            400, f"The fake cannot update {', '.join(sorted(unsupported))} of a subscription."
        )
    if subscription["status"] in ENDED:
        raise StripeFakeError(
            400,
            "A canceled subscription can only update its cancellation_details and metadata.",
        )
    before = _public(subscription)
    if "metadata" in params:
        subscription["metadata"] = (subscription.get("metadata") or {}) | params["metadata"]
    if "cancel_at_period_end" in params:
        _set_cancel_at_period_end(subscription, params["cancel_at_period_end"] == "true")
    stripe._emit("customer.subscription.updated", _public(subscription), before=before)
    return _public(subscription)


def subscription_cancel_api(stripe: FakeStripe, params: dict, subscription_id: str) -> dict:
    subscription = stripe._get(stripe.subscriptions, subscription_id, "id")
    if subscription["status"] in ENDED:
        raise StripeFakeError(
            400, f"No such subscription: '{subscription_id}' can be canceled: already ended."
        )
    _cancel_now(stripe, subscription)
    return _public(subscription)


def _set_cancel_at_period_end(subscription: dict, value: bool) -> None:
    subscription["cancel_at_period_end"] = value
    subscription["cancel_at"] = _period(subscription)[1] if value else None
    subscription["canceled_at"] = int(time.time()) if value else None


def _cancel_now(stripe: FakeStripe, subscription: dict, *, at: int | None = None) -> None:
    at = at or int(time.time())
    subscription.update(status="canceled", canceled_at=at, ended_at=at, cancel_at=None)
    for invoice in stripe.invoices.values():
        if invoice["_subscription"] == subscription["id"] and invoice["status"] == "open":
            invoice["status"] = "void"
    stripe._emit("customer.subscription.deleted", _public(subscription))


# --- Customer Portal --------------------------------------------------------------------
def portal_session_create(stripe: FakeStripe, params: dict) -> dict:
    customer_id = params.get("customer")
    if not customer_id:
        raise StripeFakeError(400, "Missing required param: customer.", param="customer")
    stripe._get(stripe.customers, customer_id, "customer")
    portal = billing_sample("billing_portal.session")
    portal_id = _new_id("bps")
    portal.update(
        id=portal_id,
        customer=customer_id,
        created=int(time.time()),
        livemode=False,
        return_url=params.get("return_url"),
        configuration=params.get("configuration") or portal["configuration"],
        url=f"{stripe.portal_base_url.rstrip('/')}/{portal_id}/",
    )
    stripe.portal_sessions[portal_id] = portal
    return _public(portal)


# --- Simulator: time passes, the customer acts -----------------------------------------
def subscription_renew(
    subscription_id: str, *, paid: bool = True, stripe: FakeStripe = fake_stripe
) -> dict:
    """The period ends. A subscription set to cancel at period end ends now; otherwise
    the next period starts and its invoice is paid (``invoice.paid``, active) or declined
    (``invoice.payment_failed``, past_due; Stripe retries later)."""
    with stripe.lock:
        subscription = stripe._get(stripe.subscriptions, subscription_id)
        if subscription["status"] in ENDED:
            raise StripeFakeError(400, f"Subscription {subscription_id} has ended.")
        _, end = _period(subscription)
        if subscription["cancel_at_period_end"]:
            _cancel_now(stripe, subscription, at=end)
            return _public(subscription)
        before = _public(subscription)
        for item in subscription["items"]["data"]:
            recurring = item["price"]["recurring"]
            item["current_period_start"] = end
            item["current_period_end"] = add_interval(
                end, recurring["interval"], recurring["interval_count"]
            )
        invoice = _invoice_new(stripe, subscription, billing_reason="subscription_cycle")
        subscription["latest_invoice"] = invoice["id"]
        if paid:
            _invoice_paid(stripe, subscription, invoice, before=before)
        else:
            _invoice_fail(invoice)
            subscription["status"] = "past_due"
            stripe._emit("invoice.payment_failed", _public(invoice))
            stripe._emit("customer.subscription.updated", _public(subscription), before=before)
        return _public(subscription)


def subscription_pay_open_invoice(
    subscription_id: str, *, stripe: FakeStripe = fake_stripe
) -> dict:
    """The customer puts in a new card: the open invoice is paid, the subscription is
    active again."""
    with stripe.lock:
        subscription = stripe._get(stripe.subscriptions, subscription_id)
        invoice = stripe.invoices.get(subscription.get("latest_invoice") or "")
        if invoice is None or invoice["status"] != "open":
            raise StripeFakeError(400, "This subscription has no open invoice to pay.")
        _invoice_paid(stripe, subscription, invoice, before=_public(subscription))
        return _public(subscription)


def subscription_cancel(
    subscription_id: str, *, at_period_end: bool = False, stripe: FakeStripe = fake_stripe
) -> dict:
    """Cancel now (``customer.subscription.deleted``), or at the end of the period as the
    Customer Portal does (``customer.subscription.updated``, ``cancel_at_period_end``)."""
    with stripe.lock:
        subscription = stripe._get(stripe.subscriptions, subscription_id)
        if subscription["status"] in ENDED:
            raise StripeFakeError(400, f"Subscription {subscription_id} has ended.")
        if at_period_end:
            before = _public(subscription)
            _set_cancel_at_period_end(subscription, True)
            stripe._emit("customer.subscription.updated", _public(subscription), before=before)
        else:
            _cancel_now(stripe, subscription)
        return _public(subscription)


def subscription_resume(subscription_id: str, *, stripe: FakeStripe = fake_stripe) -> dict:
    """Undo a cancellation at period end before the period is over."""
    with stripe.lock:
        subscription = stripe._get(stripe.subscriptions, subscription_id)
        if subscription["status"] in ENDED or not subscription["cancel_at_period_end"]:
            raise StripeFakeError(400, "This subscription is not set to cancel.")
        before = _public(subscription)
        _set_cancel_at_period_end(subscription, False)
        stripe._emit("customer.subscription.updated", _public(subscription), before=before)
        return _public(subscription)


def subscription_mark_unpaid(subscription_id: str, *, stripe: FakeStripe = fake_stripe) -> dict:
    """Stripe gave up retrying and (as configured) left the subscription unpaid."""
    with stripe.lock:
        subscription = stripe._get(stripe.subscriptions, subscription_id)
        before = _public(subscription)
        subscription["status"] = "unpaid"
        stripe._emit("customer.subscription.updated", _public(subscription), before=before)
        return _public(subscription)


def price_retrieve(stripe: FakeStripe, params: dict, price_id: str) -> dict:
    return stripe._get(stripe.prices, price_id, "price")


def price_update(price_id: str, *, stripe: FakeStripe = fake_stripe, **changes) -> dict:
    """The price is edited in Stripe's dashboard: ``price.updated``. (Stripe keeps a
    price's amount fixed and has a new price made instead; tests may change it here to
    stand for "what the configured price says now".)"""
    with stripe.lock:
        price = stripe._get(stripe.prices, price_id, "price")
        before = copy.deepcopy(price)
        price.update(changes)
        if "unit_amount" in changes:
            price["unit_amount_decimal"] = str(price["unit_amount"])
        stripe._emit("price.updated", price, before=before)
        return copy.deepcopy(price)


BILLING_ROUTES = [
    ("post", r"/v1/customers", customer_create),
    ("get", r"/v1/customers/([^/]+)", customer_retrieve),
    ("get", r"/v1/subscriptions", subscription_list),
    ("get", r"/v1/subscriptions/([^/]+)", subscription_retrieve),
    ("post", r"/v1/subscriptions/([^/]+)", subscription_update),
    ("delete", r"/v1/subscriptions/([^/]+)", subscription_cancel_api),
    ("get", r"/v1/invoices", invoice_list),
    ("get", r"/v1/invoices/([^/]+)", invoice_retrieve),
    ("get", r"/v1/invoice_payments", invoice_payment_list),
    ("post", r"/v1/billing_portal/sessions", portal_session_create),
    ("get", r"/v1/prices/([^/]+)", price_retrieve),
]
# Registered once, when the package is imported (``stripe_fake/__init__.py``).
ROUTES.extend(route for route in BILLING_ROUTES if route not in ROUTES)
