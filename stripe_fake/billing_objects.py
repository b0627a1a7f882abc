"""Stripe Billing objects the fake builds from Stripe's samples (``fixtures_billing.json``,
in the pinned API version's shape): customers, recurring prices and plans, invoices and
their lines. Subscriptions, Checkout in ``mode=subscription``, the Customer Portal and
the simulator live in ``billing.py``.
"""

import calendar
import copy
import datetime
import json
import secrets
import time
from functools import cache
from pathlib import Path

from .fake import FakeStripe, fake_stripe
from .wire import StripeFakeError, _new_id, sample

FIXTURES = Path(__file__).with_name("fixtures_billing.json")
INTERVALS = ("day", "week", "month", "year")
# Live statuses: Stripe's default subscription list leaves only canceled ones out.
ENDED = ("canceled", "incomplete_expired")


@cache
def _samples() -> dict:
    return json.loads(FIXTURES.read_text())["resources"]


def billing_sample(resource: str) -> dict:
    """A deep copy of Stripe's sample ``customer``, ``subscription``, ``invoice``,
    ``line_item`` (an invoice line) or ``billing_portal.session``."""
    return copy.deepcopy(_samples()[resource])


def add_interval(timestamp: int, interval: str, count: int = 1) -> int:
    """``timestamp`` plus ``count`` billing intervals, calendar-aware like Stripe (31 Jan
    plus a month is the last day of February)."""
    start = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
    if interval == "day":
        end = start + datetime.timedelta(days=count)
    elif interval == "week":
        end = start + datetime.timedelta(weeks=count)
    else:
        months = count * (12 if interval == "year" else 1)
        year, month = divmod(start.month - 1 + months, 12)
        year, month = start.year + year, month + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        end = start.replace(year=year, month=month, day=day)
    return int(end.timestamp())


def _public(obj: dict) -> dict:
    return {k: v for k, v in copy.deepcopy(obj).items() if not k.startswith("_")}


# --- Customers ------------------------------------------------------------------------
def _customer_new(stripe: FakeStripe, *, email: str | None, name: str | None = None) -> dict:
    customer = billing_sample("customer")
    customer.update(
        id=_new_id("cus"),
        email=email,
        name=name,
        created=int(time.time()),
        metadata={},
    )
    stripe.customers[customer["id"]] = customer
    return customer


def customer_create(stripe: FakeStripe, params: dict) -> dict:
    customer = _customer_new(stripe, email=params.get("email"), name=params.get("name"))
    customer["metadata"] = params.get("metadata") or {}
    return _public(customer)


def customer_retrieve(stripe: FakeStripe, params: dict, customer_id: str) -> dict:
    return _public(stripe._get(stripe.customers, customer_id, "customer"))


# --- Prices (only as far as Checkout needs them) -------------------------------------
def price_add(
    *, unit_amount: int, currency: str, interval: str, stripe: FakeStripe = fake_stripe
) -> str:
    """Create a recurring price as if made in Stripe's dashboard (STRIPE_PRICE_* tests)."""
    price = _price(
        {"unit_amount": unit_amount, "currency": currency, "recurring": {"interval": interval}},
        name="Membership",
    )
    stripe.prices[price["id"]] = price
    return price["id"]


def _price(price_data: dict, *, name: str) -> dict:
    price = copy.deepcopy(billing_sample("subscription")["items"]["data"][0]["price"])
    recurring = price_data["recurring"]
    price.update(
        id=_new_id("price"),
        currency=price_data["currency"].lower(),
        unit_amount=int(price_data["unit_amount"]),
        unit_amount_decimal=str(int(price_data["unit_amount"])),
        product=_new_id("prod"),
        nickname=name,
        created=int(time.time()),
        recurring=price["recurring"]
        | {
            "interval": recurring["interval"],
            "interval_count": int(recurring.get("interval_count") or 1),
        },
    )
    return price


def _plan(price: dict) -> dict:
    """The legacy ``plan`` view of a recurring price, which subscription items still carry."""
    plan = copy.deepcopy(billing_sample("subscription")["items"]["data"][0]["plan"])
    recurring = price["recurring"]
    plan.update(
        id=price["id"],
        active=price["active"],
        amount=price["unit_amount"],
        amount_decimal=price["unit_amount_decimal"],
        created=price["created"],
        currency=price["currency"],
        interval=recurring["interval"],
        interval_count=recurring["interval_count"],
        livemode=False,
        metadata=price.get("metadata") or {},
        nickname=price.get("nickname"),
        product=price["product"],
        usage_type=recurring["usage_type"],
    )
    return plan


def _line_item_price(stripe: FakeStripe, item: dict, index: int) -> dict:
    param = f"line_items[{index}]"
    if item.get("price"):
        price = stripe.prices.get(item["price"])
        if price is None:
            raise StripeFakeError(
                400,
                f"No such price: '{item['price']}'",
                code="resource_missing",
                param=f"{param}[price]",
            )
        return copy.deepcopy(price)
    price_data = item.get("price_data") or {}
    try:
        unit = int(price_data["unit_amount"])
        price_data["currency"].lower()
        name = price_data["product_data"]["name"]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise StripeFakeError(
            400,
            f"Invalid {param}: a price, or price_data with currency, unit_amount, recurring "
            "and product_data[name], is required.",
            param=param,
        ) from None
    if unit < 0 or int(item.get("quantity", 1)) < 1:
        raise StripeFakeError(400, "Invalid amount.", param=param)
    recurring = price_data.get("recurring")
    if not isinstance(recurring, dict) or recurring.get("interval") not in INTERVALS:
        raise StripeFakeError(
            400,
            "You must provide at least one recurring price in `subscription` mode when using "
            "prices.",
            param=f"{param}[price_data][recurring]",
        )
    return _price(price_data, name=name)


def _period(subscription: dict) -> tuple[int, int]:
    item = subscription["items"]["data"][0]
    return item["current_period_start"], item["current_period_end"]


# --- Invoices ---------------------------------------------------------------------------
def _invoice_new(stripe: FakeStripe, subscription: dict, *, billing_reason: str) -> dict:
    """A finalized (open) invoice for the subscription's current period, one line per item."""
    invoice = billing_sample("invoice")
    now = int(time.time())
    start, end = _period(subscription)
    invoice_id = _new_id("in")
    lines = [
        _invoice_line(invoice_id, subscription, item) for item in subscription["items"]["data"]
    ]
    total = sum(line["amount"] for line in lines)
    customer = stripe.customers.get(subscription["customer"]) or {}
    token = _new_id("test")
    invoice.update(
        id=invoice_id,
        created=now,
        currency=subscription["currency"],
        customer=subscription["customer"],
        customer_email=customer.get("email"),
        customer_name=customer.get("name"),
        billing_reason=billing_reason,
        amount_due=total,
        amount_paid=0,
        amount_remaining=total,
        amount_overpaid=0,
        subtotal=total,
        subtotal_excluding_tax=total,
        total=total,
        total_excluding_tax=total,
        total_taxes=[],
        total_discount_amounts=[],
        total_pretax_credit_amounts=[],
        period_start=start,
        period_end=end,
        due_date=None,
        effective_at=now,
        status="open",
        attempted=False,
        attempt_count=0,
        auto_advance=True,
        automatically_finalizes_at=None,
        discounts=[],
        livemode=False,
        metadata={},
        next_payment_attempt=None,
        webhooks_delivered_at=None,
        # Stripe's hosted page and PDF of this invoice (its URL forms, our invoice).
        hosted_invoice_url=f"https://invoice.stripe.com/i/acct_fake/{token}",
        invoice_pdf=f"https://pay.stripe.com/invoice/acct_fake/{token}/pdf",
        number=f"{customer.get('invoice_prefix', 'FAKE')}-{len(stripe.invoices) + 1:04d}",
        parent={
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {
                "metadata": copy.deepcopy(subscription.get("metadata") or {}),
                "subscription": subscription["id"],
            },
        },
        lines={
            "object": "list",
            "data": lines,
            "has_more": False,
            "url": f"/v1/invoices/{invoice_id}/lines",
        },
        status_transitions={
            "finalized_at": now,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
    )
    invoice["_subscription"] = subscription["id"]
    stripe.invoices[invoice_id] = invoice
    return invoice


def _invoice_line(invoice_id: str, subscription: dict, item: dict) -> dict:
    """An invoice line for one subscription item (the 2025+ shape: ``pricing`` and
    ``parent.subscription_item_details`` instead of ``price``/``type``/``proration``)."""
    line = billing_sample("line_item")
    price = item["price"]
    amount = price["unit_amount"] * item["quantity"]
    line.update(
        id=_new_id("il"),
        invoice=invoice_id,
        amount=amount,
        subtotal=amount,
        currency=price["currency"],
        description=f"{item['quantity']} × {price.get('nickname') or 'Subscription'}",
        discount_amounts=[],
        discounts=[],
        livemode=False,
        metadata={},
        period={"start": item["current_period_start"], "end": item["current_period_end"]},
        quantity=item["quantity"],
        subscription=subscription["id"],
        pricing={
            "type": "price_details",
            "price_details": {"price": price["id"], "product": price["product"]},
            "unit_amount_decimal": price["unit_amount_decimal"],
        },
    )
    line["parent"]["subscription_item_details"].update(
        subscription=subscription["id"], subscription_item=item["id"]
    )
    return line


def _invoice_settle(stripe: FakeStripe, invoice: dict) -> None:
    """The invoice is paid by card: like Stripe, a PaymentIntent (with its charge) pays
    it, recorded as the invoice's ``invoice_payment`` (``GET /v1/invoice_payments``), so
    a subscription payment can be refunded like any other."""
    now = int(time.time())
    intent = sample("payment_intent")
    intent.update(
        id=_new_id("pi"),
        amount=invoice["amount_due"],
        amount_received=0,
        currency=invoice["currency"],
        created=now,
        customer=invoice["customer"],
        description="Subscription creation"
        if invoice["billing_reason"] == "subscription_create"
        else "Subscription update",
        metadata={},
        receipt_email=invoice.get("customer_email"),
        status="requires_payment_method",
        latest_charge=None,
        payment_method=None,
        canceled_at=None,
        last_payment_error=None,
        next_action=None,
    )
    intent["client_secret"] = f"{intent['id']}_secret_{secrets.token_hex(12)}"
    stripe.payment_intents[intent["id"]] = intent
    stripe._succeed(intent)
    payment = billing_sample("invoice_payment")
    payment.update(
        id=_new_id("inpay"),
        amount_paid=invoice["amount_due"],
        amount_requested=invoice["amount_due"],
        created=now,
        currency=invoice["currency"],
        invoice=invoice["id"],
        payment={"type": "payment_intent", "payment_intent": intent["id"]},
        status="paid",
        status_transitions={"canceled_at": None, "paid_at": now},
    )
    invoice.setdefault("_payments", []).append(payment)
    invoice.update(
        status="paid",
        attempted=True,
        attempt_count=invoice["attempt_count"] + 1,
        amount_paid=invoice["amount_due"],
        amount_remaining=0,
        next_payment_attempt=None,
    )
    invoice["status_transitions"]["paid_at"] = int(time.time())


def _invoice_paid(stripe: FakeStripe, subscription: dict, invoice: dict, *, before: dict) -> None:
    """A renewal (or a retried) invoice is paid: the subscription is active. ``before`` is
    the subscription before the renewal (its event's ``previous_attributes``)."""
    _invoice_settle(stripe, invoice)
    subscription["status"] = "active"
    stripe._emit("invoice.paid", _public(invoice))
    stripe._emit("customer.subscription.updated", _public(subscription), before=before)


def _invoice_fail(invoice: dict) -> None:
    invoice.update(
        attempted=True,
        attempt_count=invoice["attempt_count"] + 1,
        next_payment_attempt=int(time.time()) + 3 * 24 * 60 * 60,
    )


def invoice_payment_list(stripe: FakeStripe, params: dict) -> dict:
    """``GET /v1/invoice_payments``: the payments of one invoice (``invoice``), newest
    first, optionally only those with ``status``."""
    payments = [
        copy.deepcopy(payment)
        for invoice in stripe.invoices.values()
        if not params.get("invoice") or invoice["id"] == params["invoice"]
        for payment in invoice.get("_payments", [])
        if not params.get("status") or payment["status"] == params["status"]
    ]
    payments.sort(key=lambda p: p["created"], reverse=True)
    return {
        "object": "list",
        "data": payments,
        "has_more": False,
        "url": "/v1/invoice_payments",
    }


def invoice_retrieve(stripe: FakeStripe, params: dict, invoice_id: str) -> dict:
    return _public(stripe._get(stripe.invoices, invoice_id, "invoice"))


def invoice_list(stripe: FakeStripe, params: dict) -> dict:
    invoices = [
        i
        for i in stripe.invoices.values()
        if (not params.get("customer") or i["customer"] == params["customer"])
        and (not params.get("subscription") or i["_subscription"] == params["subscription"])
    ]
    invoices.sort(key=lambda i: i["created"], reverse=True)
    return {
        "object": "list",
        "data": [_public(i) for i in invoices],
        "has_more": False,
        "url": "/v1/invoices",
    }
