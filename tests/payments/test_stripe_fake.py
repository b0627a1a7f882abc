"""The fake behaves like Stripe for the endpoints we use, through the real SDK."""

import datetime

from django.utils import timezone

import pytest
import stripe

from payments import gateway


def _create(**overrides):
    # Taken when the request is made: at import, a slow suite ages it past Stripe's 30 minutes.
    expires = timezone.now() + datetime.timedelta(minutes=45)
    params = {
        "reference": "ref-1",
        "order_id": 1,
        "email": "buyer@example.com",
        "currency": "usd",
        "lines": [gateway.CheckoutLine(name="Standard", unit_amount=34900, quantity=2)],
        "expires_at": expires,
        "success_url": "http://testserver/ok?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://testserver/cancel",
        "description": "Order REF",
    }
    return gateway.checkout_session_create(**(params | overrides))


def test_checkout_session_is_built_from_stripes_sample(stripe_fake):
    checkout = _create()
    assert checkout["object"] == "checkout.session"
    assert checkout["id"].startswith("cs_test_")
    assert checkout["amount_total"] == 69800
    assert checkout["success_url"].endswith(checkout["id"])
    # Fields we never set still come from Stripe's sample object.
    assert "automatic_tax" in checkout and "payment_method_types" in checkout


@pytest.mark.parametrize("minutes", [10, 29, 24 * 60 + 5])
def test_expires_at_outside_stripes_window_is_refused(stripe_fake, minutes):
    with pytest.raises(gateway.GatewayError, match="expires_at"):
        _create(expires_at=timezone.now() + datetime.timedelta(minutes=minutes))
    assert stripe_fake.checkout_sessions == {}


def test_idempotency_key_replays_and_refuses_other_parameters(stripe_fake):
    first = _create()
    assert _create()["id"] == first["id"]
    with pytest.raises(gateway.GatewayError, match="same parameters"):
        _create(email="other@example.com")
    assert len(stripe_fake.checkout_sessions) == 1


def test_over_refund_is_refused(stripe_fake):
    checkout = _create()
    stripe_fake.checkout_pay(checkout["id"])
    intent = stripe_fake.checkout_sessions[checkout["id"]]["payment_intent"]
    gateway.refund_create(payment_intent_id=intent, amount=60000, reason="x", key="a")
    with pytest.raises(gateway.GatewayError, match="greater than unrefunded"):
        gateway.refund_create(payment_intent_id=intent, amount=9801, reason="x", key="b")
    refund = gateway.refund_create(payment_intent_id=intent, amount=9800, reason="x", key="c")
    assert refund["object"] == "refund" and refund["status"] == "succeeded"
    with pytest.raises(gateway.GatewayError, match="already been refunded"):
        gateway.refund_create(payment_intent_id=intent, amount=1, reason="x", key="d")


def test_unused_endpoints_answer_404_in_stripes_error_shape(stripe_fake):
    with pytest.raises(stripe.InvalidRequestError) as error:
        gateway.client().v1.products.retrieve("prod_123")
    assert error.value.http_status == 404
    assert "Unrecognized request URL" in error.value.user_message
    with pytest.raises(gateway.GatewayError, match="No such object"):
        gateway.checkout_session_retrieve(checkout_session_id="cs_test_missing")


def test_events_are_signed_so_the_sdk_verifies_them(stripe_fake, settings):
    checkout = _create()
    stripe_fake.checkout_pay(checkout["id"])
    (event,) = stripe_fake.take_events()
    header = gateway.sign_payload(payload=event.payload)
    data = gateway.event_verify(payload=event.payload.encode(), signature=header)
    assert data["type"] == "checkout.session.completed"
    assert data["data"]["object"]["payment_status"] == "paid"
    with pytest.raises(gateway.SignatureError):
        gateway.event_verify(payload=event.payload.encode(), signature=header + "0")
