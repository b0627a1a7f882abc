"""The offline Stripe tells the truth (issue 21): every response and event it can produce
matches the API version our SDK pins, field for field, and carries our values, not the
leftovers of Stripe's sample objects.

The schema half drives every route and simulator action through the real SDK
(``stripe_scenarios.py``, shared with tools/stripe_schemas/report.py) and validates each
object against the schemas generated from the pinned ``stripe`` npm types. The rest checks
what a schema cannot see: values, cleared fields, events' ``request`` and idempotency.
"""

import json
import re
import time
from pathlib import Path

import pytest
import stripe

from stripe_fake import billing, billing_objects, wire
from stripe_fake.fake import ROUTES
from tests.payments.stripe_scenarios import UNSUPPORTED, Driver, Recording, record
from tests.payments.stripe_schema_check import samples_path

README = Path(wire.__file__).with_name("README.md")


@pytest.fixture
def driver(stripe_fake):
    return Driver(stripe_fake, Recording())


@pytest.fixture
def client(driver):
    return driver.client


def _events(stripe_fake) -> list[dict]:
    return [json.loads(event.payload) for event in stripe_fake.take_events()]


def _membership(driver) -> tuple[object, str]:
    """A paid membership checkout for a known customer, and its price."""
    customer = driver.client.v1.customers.create({"email": "mia@example.org", "name": "Mia Member"})
    price = billing.price_add(unit_amount=2900, currency="usd", interval="month")
    return driver.membership_checkout(customer.id, price), price


# --- schemas ----------------------------------------------------------------------------
def test_every_response_and_event_matches_the_pinned_api_version(stripe_fake):
    recording = record(stripe_fake)
    assert recording.failed == []
    invalid = [(label, found) for label, found in recording.violations() if found]
    assert invalid == []
    # Every route answered at least once, and every kind of event was produced.
    answered = {(method.lower(), path) for method, path, _status, _body in recording.responses}
    for method, pattern, _handler in ROUTES:
        assert any(m == method and re.fullmatch(pattern, p) for m, p in answered), pattern
    assert {event["type"] for event in recording.events} == {
        "charge.dispute.closed",
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.refunded",
        "checkout.session.async_payment_failed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.completed",
        "checkout.session.expired",
        "customer.subscription.created",
        "customer.subscription.deleted",
        "customer.subscription.updated",
        "invoice.paid",
        "invoice.payment_failed",
        "price.updated",
        "refund.created",
        "refund.updated",
    }


@pytest.mark.parametrize(
    ("samples", "kind", "field", "violation"),
    [
        (wire._samples, "charge", "receipt_number", "charge: 'receipt_number' is a required"),
        (
            billing_objects._samples,
            "subscription",
            "billing_mode",
            "subscription: 'billing_mode' is a required",
        ),
    ],
)
def test_a_required_field_missing_from_a_fixture_fails_validation(
    stripe_fake, monkeypatch, samples, kind, field, violation
):
    monkeypatch.delitem(samples()[kind], field)
    found = [
        message for _label, messages in record(stripe_fake).violations() for message in messages
    ]
    assert any(message.startswith(violation) for message in found)


def test_fixtures_are_reproducible_from_stripes_samples():
    if not samples_path().exists():
        pytest.skip(f"Stripe's samples are not at {samples_path()} (set STRIPE_SAMPLES)")
    from tools.stripe_schemas.fixtures import BILLING_FILE, PAYMENT_FILE, build, dumps

    payment, billing_fixtures = build()
    assert PAYMENT_FILE.read_text() == dumps(payment)
    assert BILLING_FILE.read_text() == dumps(billing_fixtures)


# --- Checkout Sessions are cleared when they end ----------------------------------------
def test_checkout_session_url_and_customer_details_follow_its_status(stripe_fake, client, driver):
    session = driver.payment_checkout("F1")
    assert session.url and session.customer_details is None
    assert session.customer_creation == "if_required"
    assert session.invoice_creation.enabled is False
    stripe_fake.checkout_pay(session.id)
    paid = client.v1.checkout.sessions.retrieve(session.id)
    assert paid.url is None
    assert paid.customer_details.email == "buyer@example.com"
    assert paid.customer_details.name is None

    abandoned = driver.payment_checkout("F2")
    stripe_fake.checkout_expire(abandoned.id)
    expired = client.v1.checkout.sessions.retrieve(abandoned.id)
    assert expired.url is None and expired.customer_details is None
    dumped = json.dumps([event["data"] for event in _events(stripe_fake)])
    assert "example@example.com" not in dumped


def test_invoice_creation_only_when_asked(client, driver):
    session = driver.payment_checkout("F1", invoice_creation={"enabled": True, "invoice_data": {}})
    assert session.invoice_creation.enabled is True


def test_subscription_checkout_records_the_customers_name_and_email(driver):
    done, _price = _membership(driver)
    assert done.url is None and done.invoice_creation is None
    assert (done.customer_details.email, done.customer_details.name) == (
        "mia@example.org",
        "Mia Member",
    )


# --- no sample leftovers on charges and PaymentIntents ---------------------------------
def test_charge_and_payment_intent_carry_our_values_only(stripe_fake, client, driver):
    session = driver.payment_checkout("F1")
    stripe_fake.checkout_pay(session.id)
    intent_id = stripe_fake.checkout_sessions[session.id]["payment_intent"]
    intent = client.v1.payment_intents.retrieve(intent_id)
    assert intent.allowed_payment_method_types == ["card"]
    assert intent.transfer_data is None and intent.receipt_email == "buyer@example.com"
    assert intent.client_secret.startswith(f"{intent_id}_secret_")
    client.v1.refunds.create({"payment_intent": intent_id}, {"idempotency_key": "full"})
    charge_event = next(e for e in _events(stripe_fake) if e["type"] == "charge.refunded")
    charge = charge_event["data"]["object"]
    assert "refunds" not in charge  # Stripe includes it only when expanded
    assert charge["refunded"] is True and charge["amount_refunded"] == 69800
    assert charge["transfer_data"] is None
    assert charge["receipt_url"].endswith(charge["id"])
    assert charge["billing_details"]["email"] == "buyer@example.com"
    assert "Jenny Rosen" not in json.dumps(charge)
    assert charge_event["data"]["previous_attributes"] == {
        "amount_refunded": 0,
        "refunded": False,
    }


# --- Billing in the 2025+ shape ---------------------------------------------------------
def test_subscription_and_invoice_are_in_the_current_shape(driver, client):
    session, price = _membership(driver)
    subscription = client.v1.subscriptions.retrieve(session.subscription)._to_dict_recursive()
    item = subscription["items"]["data"][0]
    assert item["plan"]["id"] == price and item["plan"]["amount"] == 2900
    assert "aggregate_usage" not in item["price"]["recurring"]
    assert item["current_trial"] is None and subscription["billing_mode"]["type"]
    invoice = client.v1.invoices.retrieve(session.invoice)._to_dict_recursive()
    assert invoice["status"] == "paid" and invoice["hosted_invoice_url"]
    assert invoice["total_taxes"] == [] and invoice["issuer"] == {"type": "self"}
    (line,) = invoice["lines"]["data"]
    assert line["pricing"]["price_details"]["price"] == price
    assert line["parent"]["subscription_item_details"]["subscription_item"] == item["id"]
    assert "price" not in line and "type" not in line


# --- events -----------------------------------------------------------------------------
def test_events_name_the_pinned_version_and_the_request_that_caused_them(
    stripe_fake, client, driver
):
    session = driver.payment_checkout("F1")
    stripe_fake.checkout_pay(session.id)
    intent_id = stripe_fake.checkout_sessions[session.id]["payment_intent"]
    (completed,) = _events(stripe_fake)
    assert completed["api_version"] == stripe.api_version
    # The buyer, not our API call, completed the checkout.
    assert completed["request"] == {"id": None, "idempotency_key": None}

    refund = client.v1.refunds.create(
        {"payment_intent": intent_id, "amount": 1000}, {"idempotency_key": "refund-key-1"}
    )
    for event in _events(stripe_fake):
        assert event["request"] == {
            "id": refund.last_response.request_id,
            "idempotency_key": "refund-key-1",
        }
    stripe_fake.dashboard_refund(intent_id, 1000)
    assert all(e["request"]["id"] is None for e in _events(stripe_fake))


def test_updated_events_carry_previous_attributes(stripe_fake, driver, client):
    session = driver.payment_checkout("F1")
    stripe_fake.checkout_pay(session.id)
    intent_id = stripe_fake.checkout_sessions[session.id]["payment_intent"]
    stripe_fake.refunds_settle_later = True
    refund = client.v1.refunds.create({"payment_intent": intent_id, "amount": 500})
    stripe_fake.refund_settle(refund.id)
    updated = [e for e in _events(stripe_fake) if e["type"] == "refund.updated"]
    assert updated[0]["data"]["previous_attributes"] == {"status": "pending"}

    session, _price = _membership(driver)
    subscription_id = session.subscription
    _events(stripe_fake)
    client.v1.subscriptions.update(subscription_id, {"cancel_at_period_end": True})
    (event,) = _events(stripe_fake)
    previous = event["data"]["previous_attributes"]
    assert previous["cancel_at_period_end"] is False and previous["cancel_at"] is None


# --- idempotency as Stripe documents it -------------------------------------------------
def test_a_validation_error_is_not_saved_so_the_corrected_retry_runs(stripe_fake, client, driver):
    with pytest.raises(stripe.InvalidRequestError, match="expires_at"):
        driver.payment_checkout("F1", key="same-key", expires_at=int(time.time()) + 10 * 60)
    session = driver.payment_checkout("F1", key="same-key")
    assert session.status == "open"
    assert len(stripe_fake.checkout_sessions) == 1


def test_an_executed_request_is_replayed_and_other_parameters_are_refused(
    stripe_fake, client, driver
):
    expires_at = int(time.time()) + 45 * 60  # the same parameters, to the second
    first = driver.payment_checkout("F1", key="same-key", expires_at=expires_at)
    assert driver.payment_checkout("F1", key="same-key", expires_at=expires_at).id == first.id
    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        driver.payment_checkout(
            "F1", key="same-key", expires_at=expires_at, customer_email="other@example.org"
        )
    assert len(stripe_fake.checkout_sessions) == 1


# --- what the fake does not cover ------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), UNSUPPORTED)
def test_unsupported_endpoints_are_stripe_shaped_404s(client, method, path):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.raw_request(method, path)
    assert error.value.http_status == 404
    assert error.value.code == "resource_missing"
    assert "Unrecognized request URL" in error.value.user_message


def test_the_readme_lists_every_endpoint_the_fake_answers():
    readme = README.read_text()
    for _method, pattern, _handler in ROUTES:
        path = re.sub(r"\(\[\^/\]\+\)", "{id}", pattern)
        assert path.split("/{id}")[0] in readme, path
    unsupported = readme[readme.index("Any other endpoint") : readme.index("## Pieces")]
    for _method, path in UNSUPPORTED:
        assert re.sub(r"/[a-z]+_123$", "", path) in unsupported, path
