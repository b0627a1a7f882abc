"""The only module that imports ``stripe``. Everything else speaks plain dicts.

The SDK's HTTP client comes from settings (``STRIPE_HTTP_CLIENT``, a dotted path; unset:
the SDK's own). Dev and test settings point it at the in-process fake (the ``stripe_fake``
app) when ``STRIPE_USE_FAKE`` is on; this module never imports the fake. The fake is
refused unless DEBUG or ``STRIPE_FAKE_ALLOWED`` (tests, benchmarks): a production process
that asked for it would take "payments" that never reach a bank, so it fails loudly.
"""

import datetime
import json
import time
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

import stripe

if TYPE_CHECKING:
    from stripe.params import RefundCreateParams
    from stripe.params.checkout import SessionCreateParams

MAX_NETWORK_RETRIES = 2
# The SDK's HTTP client hook, for the in-process fake (stripe_fake.client).
HTTPClientBase = stripe.HTTPClient


class GatewayError(Exception):
    """Stripe could not do what we asked; ``str(error)`` is safe to log, not to show."""


class SignatureError(GatewayError):
    """A webhook body whose signature (or timestamp) does not verify."""


class EventMalformed(GatewayError):
    """A correctly signed webhook body that is not a Stripe event object."""


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
    """DEBUG, or an explicit STRIPE_FAKE_ALLOWED (test settings, benchmarks); never production."""
    return bool(settings.DEBUG or getattr(settings, "STRIPE_FAKE_ALLOWED", False))


@cache
def _client_for(api_key: str, use_fake: bool, http_client_path: str | None) -> stripe.StripeClient:
    if use_fake:
        if not fake_allowed():
            raise ImproperlyConfigured(
                "STRIPE_USE_FAKE is on but DEBUG is off: set STRIPE_SECRET_KEY and "
                "STRIPE_WEBHOOK_SECRET to take real payments."
            )
        if not http_client_path:
            raise ImproperlyConfigured("STRIPE_USE_FAKE is on but STRIPE_HTTP_CLIENT is not set.")
        api_key = api_key or "sk_test_fake"
    elif not api_key:
        raise ImproperlyConfigured("STRIPE_SECRET_KEY is not set.")
    http_client = import_string(http_client_path)() if http_client_path else None
    # The fake simulates outages request by request: the SDK must not retry them away.
    retries = 0 if use_fake else MAX_NETWORK_RETRIES
    return stripe.StripeClient(api_key, http_client=http_client, max_network_retries=retries)


def client() -> stripe.StripeClient:
    return _client_for(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_USE_FAKE,
        getattr(settings, "STRIPE_HTTP_CLIENT", None),
    )


def warm() -> None:
    """Import what the SDK otherwise imports on its first Checkout Session (its classes:
    about 70 ms of CPU), so a new web process's first buyers do not wait for it."""
    from stripe.checkout import Session  # noqa: F401


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


def checkout_session_expire(*, checkout_session_id: str) -> dict:
    """Close an open Checkout Session so nobody can pay it any more (staff recorded the
    payment another way). Raises ``GatewayRefused`` when it is no longer open (paid or
    expired already), ``GatewayError`` when Stripe may answer later."""
    try:
        return _plain(client().v1.checkout.sessions.expire(checkout_session_id))
    except stripe.StripeError as error:
        raise _gateway_error(error) from error


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
    if reason in ("requested_by_customer", "duplicate"):  # Stripe's own reasons
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


# Stripe's own default: a signed body older or newer than this is a replay or a bad clock.
WEBHOOK_TOLERANCE_SECONDS = 300


def event_verify(*, payload: bytes, signature: str | None) -> dict:
    """Verify a webhook body (signature, timestamp within the tolerance either way) and
    return it as data: a JSON object with an id, a type and a ``data.object`` object."""
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, WEBHOOK_TOLERANCE_SECONDS
        )
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise SignatureError(str(error)) from error
    # The SDK refuses old timestamps only; one from the future is as suspect.
    if _signature_timestamp(signature or "") > time.time() + WEBHOOK_TOLERANCE_SECONDS:
        raise SignatureError("Timestamp in the future, outside the tolerance zone")
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise EventMalformed("Body is not JSON.") from error
    data = event.get("data") if isinstance(event, dict) else None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("object"), dict)
        and isinstance(event.get("id"), str)
        and event["id"]
        and isinstance(event.get("type"), str)
    ):
        raise EventMalformed("Not a Stripe event object.")
    return event


def _signature_timestamp(header: str) -> int:
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return 0


def sign_payload(*, payload: str, secret: str | None = None, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload``, made by the SDK's own helper (the
    fake's webhook deliveries and tests)."""
    return stripe.WebhookSignature.generate_signature_header(
        payload, secret or settings.STRIPE_WEBHOOK_SECRET, timestamp
    )


# --- Stripe Billing (memberships) -----------------------------------------------------


@dataclass(frozen=True)
class SubscriptionPrice:
    """What a membership plan costs: a Stripe price id (``STRIPE_PRICE_*``) or, without
    one, an amount Checkout turns into a recurring price (``price_data``)."""

    name: str
    interval: str  # Stripe's recurring interval: "month" or "year"
    unit_amount: int
    currency: str
    price_id: str = ""


def membership_checkout_create(
    *,
    user_id: int,
    email: str,
    customer_id: str,
    plan: str,
    price: SubscriptionPrice,
    attempt: str,
    success_url: str,
    cancel_url: str,
    expires_at: datetime.datetime | None = None,
) -> dict:
    """A ``mode=subscription`` Checkout Session. The user and plan ride along on the
    session and on the subscription it creates (``subscription_data.metadata``), so any
    later event about the subscription says whose it is. One idempotency key per join
    attempt: a double-clicked button returns the same session."""
    metadata = {"purpose": "membership", "user_id": str(user_id), "plan": plan}
    if price.price_id:
        line_item: dict = {"price": price.price_id, "quantity": 1}
    else:
        line_item = {
            "quantity": 1,
            "price_data": {
                "currency": price.currency,
                "unit_amount": price.unit_amount,
                "recurring": {"interval": price.interval},
                "product_data": {"name": price.name},
            },
        }
    params: dict = {
        "mode": "subscription",
        "line_items": [line_item],
        "metadata": metadata,
        "subscription_data": {"metadata": metadata},
        "allow_promotion_codes": True,
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if expires_at is not None:
        params["expires_at"] = int(expires_at.timestamp())
    if customer_id:
        params["customer"] = customer_id
    else:
        params["customer_email"] = email
    try:
        session = client().v1.checkout.sessions.create(
            cast("SessionCreateParams", params),
            {"idempotency_key": f"membership-{user_id}-{plan}-{attempt}"},
        )
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error
    return _plain(session)


def subscription_retrieve(*, subscription_id: str) -> dict:
    try:
        return _plain(client().v1.subscriptions.retrieve(subscription_id))
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error


def subscriptions_list(*, customer_id: str) -> list[dict]:
    """The customer's subscriptions that have not ended, newest first."""
    try:
        page = client().v1.subscriptions.list({"customer": customer_id, "limit": 10})
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error
    return [_plain(subscription) for subscription in page.data]


def subscription_cancel(*, subscription_id: str) -> dict:
    """End a subscription now (no proration credit: a refund, if any, is separate)."""
    try:
        return _plain(client().v1.subscriptions.cancel(subscription_id))
    except stripe.StripeError as error:
        raise _gateway_error(error) from error


@dataclass(frozen=True)
class SubscriptionPayment:
    payment_intent_id: str
    amount: int
    currency: str


def subscription_payments(*, subscription_id: str) -> list[SubscriptionPayment]:
    """The card payments of a subscription's paid invoices (its latest ten), as
    ``invoice_payment`` objects name them: what a refund of the subscription refunds."""
    try:
        invoices = client().v1.invoices.list({"subscription": subscription_id, "limit": 10})
        found = []
        for invoice in invoices.data:
            if invoice.status != "paid" or not invoice.id:
                continue
            payments = client().v1.invoice_payments.list({"invoice": invoice.id, "status": "paid"})
            for payment in payments.data:
                intent = _id_of(getattr(payment.payment, "payment_intent", None))
                if intent:
                    found.append(
                        SubscriptionPayment(intent, int(payment.amount_paid or 0), payment.currency)
                    )
        return found
    except stripe.StripeError as error:
        raise _gateway_error(error) from error


def _id_of(value) -> str:
    return value if isinstance(value, str) else str(getattr(value, "id", "") or "")


def price_retrieve(*, price_id: str) -> dict:
    """A price made in Stripe's dashboard (``STRIPE_PRICE_*``): its amount and currency."""
    try:
        return _plain(client().v1.prices.retrieve(price_id))
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error


def billing_portal_session_create(*, customer_id: str, return_url: str) -> dict:
    """A Customer Portal session: Stripe's page to change card, cancel or resume."""
    try:
        return _plain(
            client().v1.billing_portal.sessions.create(
                {"customer": customer_id, "return_url": return_url}
            )
        )
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error


def dispute_dashboard_url(*, dispute_id: str) -> str:
    """Where staff answer a dispute: Stripe's dashboard (its test-mode half for test keys),
    or the fake's local dispute page when the fake stands in for Stripe."""
    if uses_fake():
        return f"/payments/test-dispute/{dispute_id}/"
    mode = "test/" if settings.STRIPE_SECRET_KEY.startswith(("sk_test_", "rk_test_")) else ""
    return f"https://dashboard.stripe.com/{mode}disputes/{dispute_id}"
