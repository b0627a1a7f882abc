"""The fake's Stripe Billing behaves like Stripe for what memberships use, through the
real SDK: subscription Checkout, subscriptions, invoices, the Customer Portal, events."""

import datetime
import json

import pytest
import stripe

from payments import gateway
from stripe_fake import billing
from stripe_fake.billing import add_interval

MONTHLY = gateway.SubscriptionPrice(
    name="Membership (monthly)", interval="month", unit_amount=2900, currency="usd"
)


def _checkout(**overrides) -> dict:
    params = {
        "user_id": 7,
        "email": "member@example.com",
        "customer_id": "",
        "plan": "monthly",
        "price": MONTHLY,
        "attempt": "3f1c0b8e-9a51-4d55-9f0e-1d2c3b4a5f60",
        "success_url": "http://testserver/welcome/?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://testserver/membership/",
    }
    return gateway.membership_checkout_create(**(params | overrides))


def _events(stripe_fake) -> list[tuple[str, dict]]:
    return [
        (event.type, json.loads(event.payload)["data"]["object"])
        for event in stripe_fake.take_events()
    ]


def test_subscription_checkout_is_built_from_stripes_sample(stripe_fake):
    checkout = _checkout()
    assert checkout["mode"] == "subscription"
    assert checkout["amount_total"] == 2900 and checkout["currency"] == "usd"
    assert checkout["payment_intent"] is None and checkout["subscription"] is None
    assert checkout["customer_email"] == "member@example.com"
    assert checkout["metadata"] == {"purpose": "membership", "user_id": "7", "plan": "monthly"}
    assert checkout["url"] == f"/payments/test-checkout/{checkout['id']}/"
    assert checkout["success_url"].endswith(checkout["id"])
    assert "automatic_tax" in checkout  # the rest of Stripe's sample object


def test_paying_creates_customer_subscription_and_paid_invoice(stripe_fake):
    checkout = _checkout()
    stripe_fake.checkout_pay(checkout["id"])
    events = _events(stripe_fake)
    assert [t for t, _ in events] == [
        "customer.subscription.created",
        "invoice.paid",
        "checkout.session.completed",
    ]
    session = gateway.checkout_session_retrieve(checkout_session_id=checkout["id"])
    assert session["status"] == "complete" and session["payment_status"] == "paid"
    subscription = gateway.subscription_retrieve(subscription_id=session["subscription"])
    assert subscription["customer"] == session["customer"]
    assert subscription["status"] == "active"
    assert subscription["metadata"]["user_id"] == "7"
    # Current API: the period is on the items, not on the subscription.
    assert "current_period_end" not in subscription
    item = subscription["items"]["data"][0]
    assert item["current_period_end"] == add_interval(item["current_period_start"], "month")
    assert item["price"]["recurring"]["interval"] == "month"
    assert item["price"]["unit_amount"] == 2900
    invoice = events[1][1]
    assert invoice["status"] == "paid" and invoice["amount_paid"] == 2900
    assert invoice["parent"]["subscription_details"]["subscription"] == subscription["id"]
    assert "subscription" not in invoice
    customer = gateway.client().v1.customers.retrieve(session["customer"])
    assert customer.email == "member@example.com"


def test_renewal_paid_and_declined(stripe_fake):
    checkout = _checkout()
    stripe_fake.checkout_pay(checkout["id"])
    subscription_id = stripe_fake.checkout_sessions[checkout["id"]]["subscription"]
    stripe_fake.take_events()
    first_end = stripe_fake.subscriptions[subscription_id]["items"]["data"][0]["current_period_end"]

    billing.subscription_renew(subscription_id)
    assert [t for t, _ in _events(stripe_fake)] == ["invoice.paid", "customer.subscription.updated"]
    item = gateway.subscription_retrieve(subscription_id=subscription_id)["items"]["data"][0]
    assert item["current_period_start"] == first_end

    billing.subscription_renew(subscription_id, paid=False)
    events = _events(stripe_fake)
    assert [t for t, _ in events] == ["invoice.payment_failed", "customer.subscription.updated"]
    assert events[0][1]["status"] == "open" and events[0][1]["attempt_count"] == 1
    assert events[1][1]["status"] == "past_due"

    billing.subscription_pay_open_invoice(subscription_id)
    assert gateway.subscription_retrieve(subscription_id=subscription_id)["status"] == "active"
    invoices = gateway.client().v1.invoices.list({"subscription": subscription_id}).data
    assert [i.status for i in invoices] == ["paid", "paid", "paid"]


def test_cancel_at_period_end_then_renewal_ends_it(stripe_fake):
    checkout = _checkout()
    stripe_fake.checkout_pay(checkout["id"])
    subscription_id = stripe_fake.checkout_sessions[checkout["id"]]["subscription"]
    stripe_fake.take_events()
    billing.subscription_cancel(subscription_id, at_period_end=True)
    billing.subscription_resume(subscription_id)
    billing.subscription_cancel(subscription_id, at_period_end=True)
    end = stripe_fake.subscriptions[subscription_id]["items"]["data"][0]["current_period_end"]
    billing.subscription_renew(subscription_id)
    events = _events(stripe_fake)
    assert [t for t, _ in events] == [
        "customer.subscription.updated",
        "customer.subscription.updated",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    ]
    assert events[-1][1]["status"] == "canceled" and events[-1][1]["ended_at"] == end
    # Stripe's default list leaves canceled subscriptions out.
    customer = stripe_fake.subscriptions[subscription_id]["customer"]
    assert gateway.subscriptions_list(customer_id=customer) == []


def test_portal_session_for_a_known_customer_only(stripe_fake):
    checkout = _checkout()
    stripe_fake.checkout_pay(checkout["id"])
    customer = stripe_fake.checkout_sessions[checkout["id"]]["customer"]
    portal = gateway.billing_portal_session_create(
        customer_id=customer, return_url="http://testserver/account/"
    )
    assert portal["object"] == "billing_portal.session"
    assert portal["url"] == f"/payments/test-portal/{portal['id']}/"
    with pytest.raises(gateway.GatewayError, match="No such object"):
        gateway.billing_portal_session_create(customer_id="cus_nobody", return_url="http://x/")


@pytest.mark.parametrize(
    ("line_item", "message"),
    [
        (
            {"price_data": {"currency": "usd", "unit_amount": 2900, "product_data": {"name": "M"}}},
            "at least one recurring price",
        ),
        ({"price": "price_unknown"}, "No such price"),
        ({"price_data": {"currency": "usd"}}, "price_data with currency"),
    ],
)
def test_bad_subscription_line_items_are_refused(stripe_fake, line_item, message):
    with pytest.raises(stripe.InvalidRequestError, match=message):
        gateway.client().v1.checkout.sessions.create(
            {
                "mode": "subscription",
                "line_items": [line_item | {"quantity": 1}],
                "success_url": "http://testserver/ok",
            }
        )
    assert stripe_fake.checkout_sessions == {}


def test_unknown_customer_and_customer_with_email_are_refused(stripe_fake):
    with pytest.raises(gateway.GatewayError, match="No such object: 'cus_unknown'"):
        _checkout(customer_id="cus_unknown")
    with pytest.raises(stripe.InvalidRequestError, match="only specify one"):
        gateway.client().v1.checkout.sessions.create(
            {
                "mode": "subscription",
                "customer": "cus_x",
                "customer_email": "a@example.com",
                "line_items": [{"price": "price_x", "quantity": 1}],
                "success_url": "http://testserver/ok",
            }
        )
    assert stripe_fake.checkout_sessions == {}


def test_dashboard_price_ids_are_used_when_given(stripe_fake):
    price_id = billing.price_add(unit_amount=29000, currency="usd", interval="year")
    checkout = _checkout(
        plan="annual",
        price=gateway.SubscriptionPrice("Annual", "year", 29000, "usd", price_id=price_id),
    )
    assert checkout["amount_total"] == 29000
    stripe_fake.checkout_pay(checkout["id"])
    subscription = stripe_fake.subscriptions[
        stripe_fake.checkout_sessions[checkout["id"]]["subscription"]
    ]
    assert subscription["items"]["data"][0]["price"]["id"] == price_id


def test_add_interval_is_calendar_aware():
    jan31 = int(datetime.datetime(2027, 1, 31, 9, tzinfo=datetime.UTC).timestamp())
    feb28 = datetime.datetime(2027, 2, 28, 9, tzinfo=datetime.UTC)
    assert add_interval(jan31, "month") == int(feb28.timestamp())
    next_year = datetime.datetime(2028, 1, 31, 9, tzinfo=datetime.UTC)
    assert add_interval(jan31, "year") == int(next_year.timestamp())
