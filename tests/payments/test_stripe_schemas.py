"""The schemas generated from the pinned Stripe SDK types are current and catch what they should.

The fidelity test that drives every fake route through the SDK builds on these; here only the
machinery: the schemas match the API version stripe-python pins, and a violation reads as
the field that is wrong.
"""

import copy
import json

import pytest
import stripe

from tests.payments.stripe_schema_check import kinds, pinned_api_version, samples_path, validate

SAMPLES = samples_path()

MINIMAL_REFUND = {
    "id": "re_test_1",
    "object": "refund",
    "amount": 1000,
    "balance_transaction": None,
    "charge": "ch_test_1",
    "created": 1_790_000_000,
    "currency": "usd",
    "customer": None,
    "customer_account": None,
    "metadata": {"order": "ABC123"},
    "payment_intent": "pi_test_1",
    "payment_method": None,
    "reason": "requested_by_customer",
    "receipt_number": None,
    "source_transfer_reversal": None,
    "status": "succeeded",
    "transfer_reversal": None,
}


def test_schemas_are_generated_for_the_api_version_the_sdk_pins():
    assert pinned_api_version() == stripe.api_version, (
        "stripe-python pins a different API version than the committed schemas: regenerate "
        "them (tools/stripe_schemas/README.md) from the stripe npm release for that version"
    )


def test_every_kind_the_fake_serves_has_a_schema():
    assert {
        "checkout.session",
        "payment_intent",
        "charge",
        "refund",
        "customer",
        "subscription",
        "subscription_item",
        "plan",
        "invoice",
        "line_item",
        "billing_portal.session",
        "price",
        "product",
        "dispute",
        "event",
        "error",
    } <= set(kinds())


def test_a_minimal_valid_object_passes():
    assert validate("refund", MINIMAL_REFUND) == []


def test_removing_a_required_field_fails_naming_it():
    refund = dict(MINIMAL_REFUND)
    del refund["receipt_number"]
    assert validate("refund", refund) == ["refund: 'receipt_number' is a required property"]


def test_a_field_stripe_does_not_have_fails_naming_it():
    assert validate("refund", MINIMAL_REFUND | {"refunded_at": 1}) == [
        "refund: not in Stripe ('refunded_at' was unexpected)"
    ]


def test_null_only_where_the_type_allows_it():
    assert validate("refund", MINIMAL_REFUND | {"reason": None}) == []
    (message,) = validate("refund", MINIMAL_REFUND | {"amount": None})
    assert message.startswith("refund.amount: None is not of type")


def test_metadata_values_are_checked_but_its_keys_are_free():
    assert validate("refund", MINIMAL_REFUND | {"metadata": {"any_key": "v"}}) == []
    (message,) = validate("refund", MINIMAL_REFUND | {"metadata": {"n": 1}})
    assert message.startswith("refund.metadata.n: 1 is not of type 'string'")


def test_expandable_fields_accept_the_id_and_check_an_expanded_object():
    expanded = MINIMAL_REFUND | {"customer": {"id": "cus_1", "object": "customer"}}
    violations = validate("refund", expanded)
    assert violations and all(v.startswith("refund.customer") for v in violations)
    assert "refund.customer: 'created' is a required property" in violations


def test_an_error_body_and_an_event_are_checked():
    assert validate("error", {"error": {"type": "invalid_request_error", "message": "x"}}) == []
    assert validate("error", {"error": {"message": "x", "status": 400}}) == [
        "error.error: not in Stripe ('status' was unexpected)"
    ]
    event = {
        "id": "evt_1",
        "object": "event",
        "api_version": pinned_api_version(),
        "created": 1_790_000_000,
        "data": {"object": MINIMAL_REFUND, "previous_attributes": {"status": "pending"}},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "refund.updated",
    }
    assert validate("event", event) == []
    broken = copy.deepcopy(event)
    del broken["data"]["object"]["currency"]
    broken["data"]["previous_attributes"]["statuss"] = "x"
    assert validate("event", broken) == [
        "event.data.object: 'currency' is a required property",
        "event.data.previous_attributes: not in Stripe ('statuss' was unexpected)",
    ]
    assert validate("event", event | {"type": "refund.exploded"})[0].startswith(
        "event.type: 'refund.exploded' is not one of"
    )


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown Stripe schema kind"):
        validate("definitions", {})


@pytest.mark.skipif(not SAMPLES.is_file(), reason=f"Stripe's sample objects not found at {SAMPLES}")
def test_stripes_own_samples_are_close_to_the_pinned_version():
    """Stripe's samples (a few months older than the pinned version) validate but for a few
    fields. This bounds how far they are off rather than requiring zero, so the schema
    machinery is exercised on real objects; the listed fields are what the fake must add."""
    resources = json.loads(SAMPLES.read_text())["resources"]
    checked = 0
    for kind in kinds():
        sample = resources.get(kind)
        if sample is None:
            continue
        checked += 1
        violations = validate(kind, sample)
        assert len(violations) <= 5, (kind, violations)
    assert checked >= 12
