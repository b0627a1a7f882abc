"""The only module that imports ``stripe``. Everything else speaks plain dicts.

``STRIPE_USE_FAKE`` (on when no ``STRIPE_SECRET_KEY`` is set) swaps Stripe's servers for
the in-process fake (``payments.stripe_fake``) through the SDK's ``http_client`` hook.
The fake is refused outside DEBUG and tests: a production process that asked for it
would take "payments" that never reach a bank, so it fails loudly instead.
"""

import datetime
import json
import sys
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

import stripe

if TYPE_CHECKING:
    from stripe.params import RefundCreateParams
    from stripe.params.checkout import SessionCreateParams

MAX_NETWORK_RETRIES = 2
# The SDK's HTTP client hook, for the in-process fake (payments.stripe_fake).
HTTPClientBase = stripe.HTTPClient


class GatewayError(Exception):
    """Stripe could not do what we asked; ``str(error)`` is safe to log, not to show."""


class SignatureError(GatewayError):
    """A webhook body whose signature (or timestamp) does not verify."""


class GatewayRefused(GatewayError):
    """Stripe understood the request and said no (e.g. more than is left to refund):
    asking again will not help. Other ``GatewayError``s (network, rate limits, Stripe's
    own errors, configuration) may succeed on a later attempt."""


# The in-process fake raises this to stand in for a network failure (nothing reached
# Stripe, so nothing was saved under the idempotency key).
ConnectionFailure = stripe.APIConnectionError
REFUSALS = (stripe.InvalidRequestError, stripe.CardError, stripe.IdempotencyError)


def _gateway_error(error: stripe.StripeError) -> GatewayError:
    if isinstance(error, REFUSALS):
        return GatewayRefused(error.user_message or str(error))
    return GatewayError(str(error))


@dataclass(frozen=True)
class CheckoutLine:
    name: str
    unit_amount: int
    quantity: int
    description: str = ""


def fake_allowed() -> bool:
    """DEBUG, tests, or an explicit STRIPE_FAKE_ALLOWED (benchmarks); never production."""
    return bool(
        settings.DEBUG or "pytest" in sys.modules or getattr(settings, "STRIPE_FAKE_ALLOWED", False)
    )


@cache
def _client_for(api_key: str, use_fake: bool) -> stripe.StripeClient:
    if use_fake:
        if not fake_allowed():
            raise ImproperlyConfigured(
                "STRIPE_USE_FAKE is on but DEBUG is off: set STRIPE_SECRET_KEY and "
                "STRIPE_WEBHOOK_SECRET to take real payments."
            )
        from .stripe_fake import FakeHTTPClient

        return stripe.StripeClient(api_key or "sk_test_fake", http_client=FakeHTTPClient())
    if not api_key:
        raise ImproperlyConfigured("STRIPE_SECRET_KEY is not set.")
    return stripe.StripeClient(api_key, max_network_retries=MAX_NETWORK_RETRIES)


def client() -> stripe.StripeClient:
    return _client_for(settings.STRIPE_SECRET_KEY, settings.STRIPE_USE_FAKE)


def uses_fake() -> bool:
    return bool(settings.STRIPE_USE_FAKE)


def _plain(obj) -> dict:
    """SDK objects are not dicts since v15: hand the rest of the code plain JSON data."""
    return json.loads(json.dumps(obj.to_dict(recursive=True), default=str))


def checkout_session_create(
    *,
    reference: str,
    order_id: int,
    email: str,
    currency: str,
    lines: list[CheckoutLine],
    expires_at: datetime.datetime,
    success_url: str,
    cancel_url: str,
    description: str,
) -> dict:
    """A ``mode=payment`` Checkout Session. The idempotency key is fixed per order, so a
    retry after a timeout returns the same session instead of a second one."""
    metadata = {"order_id": str(order_id), "order_reference": reference}
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": line.quantity,
                "price_data": {
                    "currency": currency,
                    "unit_amount": line.unit_amount,
                    "product_data": {"name": line.name}
                    | ({"description": line.description} if line.description else {}),
                },
            }
            for line in lines
        ],
        "client_reference_id": reference,
        "customer_email": email,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata, "description": description},
        "allow_promotion_codes": True,
        "expires_at": int(expires_at.timestamp()),
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    try:
        session = client().v1.checkout.sessions.create(
            cast("SessionCreateParams", params),
            {"idempotency_key": f"order-{reference}-checkout"},
        )
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error
    return _plain(session)


def checkout_session_retrieve(*, checkout_session_id: str) -> dict:
    try:
        return _plain(client().v1.checkout.sessions.retrieve(checkout_session_id))
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error


def refund_create(
    *, payment_intent_id: str, amount: int, reason: str, key: str, metadata: dict | None = None
) -> dict:
    """Refund part or all of a payment. ``key`` makes retries of one decision safe.
    Raises ``GatewayRefused`` when Stripe says no, ``GatewayError`` when it may work later."""
    params = {
        "payment_intent": payment_intent_id,
        "amount": amount,
        "metadata": {"reason": reason, **(metadata or {})},
    }
    if reason == "requested_by_customer":
        params["reason"] = reason
    try:
        return _plain(
            client().v1.refunds.create(cast("RefundCreateParams", params), {"idempotency_key": key})
        )
    except stripe.StripeError as error:
        raise _gateway_error(error) from error


def refund_retrieve(*, refund_id: str) -> dict:
    try:
        return _plain(client().v1.refunds.retrieve(refund_id))
    except stripe.StripeError as error:
        raise _gateway_error(error) from error


def refunds_for_payment(*, payment_intent_id: str) -> list[dict]:
    """Every refund of a payment (newest first), e.g. to find one whose answer we lost."""
    try:
        page = client().v1.refunds.list({"payment_intent": payment_intent_id, "limit": 100})
    except stripe.StripeError as error:
        raise _gateway_error(error) from error
    return [_plain(refund) for refund in page.data]


def event_verify(*, payload: bytes, signature: str | None) -> dict:
    """Verify a webhook body (signature and timestamp tolerance) and return it as data."""
    try:
        client().construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise SignatureError(str(error)) from error
    return json.loads(payload)


def sign_payload(*, payload: str, secret: str | None = None, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload``, made by the SDK's own helper (the
    fake's webhook deliveries and tests)."""
    return stripe.WebhookSignature.generate_signature_header(
        payload, secret or settings.STRIPE_WEBHOOK_SECRET, timestamp
    )
