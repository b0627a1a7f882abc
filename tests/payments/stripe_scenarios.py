"""Drive every route and simulator action of the Stripe fake through the real SDK.

Shared by the fidelity test (``test_stripe_fidelity.py``, which fails on any violation)
and ``tools/stripe_schemas/report.py`` (which prints them). ``record(fake)`` runs the
scenarios against ``fake`` and returns every HTTP response body the SDK received and every
webhook event the fake queued; ``Recording.violations()`` validates each against the
schemas of the pinned API version, plus the event values a schema cannot see.
Needs Django set up (the fake uses the gateway's signing and HTTP client base).
"""

from __future__ import annotations

import collections
import json
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import stripe

from stripe_fake import FakeHTTPClient, FakeStripe, billing
from tests.payments.stripe_schema_check import pinned_api_version, validate, violation_key

# Endpoints the fake does not cover: each must answer Stripe's 404 error shape.
UNSUPPORTED = [
    ("get", "/v1/products/prod_123"),
    ("post", "/v1/payment_intents"),
    ("post", "/v1/customers/cus_123"),
    ("get", "/v1/charges/ch_123"),
    ("post", "/v1/subscriptions"),
    ("post", "/v1/invoices"),
]


@dataclass
class Recording:
    responses: list[tuple[str, str, int, dict]] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    # Scenarios that raised (report.py lists them; the fidelity test fails on them).
    failed: list[str] = field(default_factory=list)

    def checked_objects(self) -> Iterator[tuple[str, str, dict]]:
        """(label, kind, object) for every response body and event."""
        for method, _path, status, body in self.responses:
            if status >= 400:
                yield f"error body ({status})", "error", body
            elif body.get("object") == "list":
                for item in body.get("data", []):
                    yield f"{item.get('object')} (in a list)", item.get("object"), item
            else:
                yield f"{body.get('object')} ({method} response)", body.get("object"), body
        for event in self.events:
            yield f"event {event.get('type')}", "event", event

    def violations(self) -> Iterator[tuple[str, list[str]]]:
        """(label, violations) per checked object; violations name the object's kind
        ("invoice.lines.data[0]: ...") whether it came in a response or an event."""
        for label, kind, obj in self.checked_objects():
            try:
                found = validate(kind, obj)
            except ValueError:
                found = [f"{kind}: no schema for this kind"]
            if kind == "event":
                found += event_value_checks(obj)
                inner = (obj.get("data") or {}).get("object") or {}
                found = [v.replace("event.data.object", str(inner.get("object")), 1) for v in found]
            yield label, found


def event_value_checks(event: dict) -> list[str]:
    """What the schema cannot say (it types values, not their content)."""
    found = []
    if event.get("api_version") != pinned_api_version():
        found.append(
            f"event.api_version: {event.get('api_version')!r}, not the pinned "
            f"{pinned_api_version()!r}"
        )
    data = event.get("data") or {}
    if str(event.get("type", "")).endswith(".updated") and not data.get("previous_attributes"):
        found.append("event.data: an *.updated event without previous_attributes")
    return found


class Driver:
    """The scenarios, each a method run against one fake through the real SDK."""

    def __init__(self, fake: FakeStripe, recording: Recording) -> None:
        self.fake = fake
        self.recording = recording
        self.client = stripe.StripeClient("sk_test_scenarios", http_client=self._http(fake))
        self.bad_key_client = stripe.StripeClient("rk_bad_key", http_client=self._http(fake))

    def _http(self, fake: FakeStripe) -> FakeHTTPClient:
        recording = self.recording

        class RecordingClient(FakeHTTPClient):
            def request(self, method, url, headers, post_data=None, *, _usage=None):
                body, status, response_headers = super().request(
                    method, url, headers, post_data, _usage=_usage
                )
                path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
                recording.responses.append((method.upper(), "/" + path, status, json.loads(body)))
                return body, status, response_headers

        return RecordingClient(fake)

    def take_events(self) -> None:
        for event in self.fake.take_events():
            self.recording.events.append(json.loads(event.payload))

    @staticmethod
    def soon(minutes: int = 45) -> int:
        return int(time.time()) + minutes * 60

    def payment_checkout(self, reference: str, key: str | None = None, **extra):
        return self.client.v1.checkout.sessions.create(
            {
                "mode": "payment",
                "line_items": [
                    {
                        "price_data": {
                            "currency": "usd",
                            "unit_amount": 34900,
                            "product_data": {"name": "Standard seat"},
                        },
                        "quantity": 2,
                    }
                ],
                "customer_email": "buyer@example.com",
                "client_reference_id": reference,
                "metadata": {"order": reference},
                "payment_intent_data": {"metadata": {"order": reference}, "description": reference},
                "expires_at": self.soon(),
                "success_url": "http://testserver/ok?session_id={CHECKOUT_SESSION_ID}",
                "cancel_url": "http://testserver/cancel",
                **extra,
            },
            {"idempotency_key": key or f"checkout-{reference}"},
        )

    def membership_checkout(self, customer_id: str, price_id: str):
        """A paid ``mode=subscription`` checkout of ``price_id`` for a known customer."""
        session = self.client.v1.checkout.sessions.create(
            {
                "mode": "subscription",
                "customer": customer_id,
                "line_items": [{"price": price_id, "quantity": 1}],
                "success_url": "http://testserver/welcome/",
            }
        )
        self.fake.checkout_pay(session.id)
        return self.client.v1.checkout.sessions.retrieve(session.id)

    @staticmethod
    def expect_error(call: Callable[[], object]) -> stripe.StripeError:
        try:
            call()
        except stripe.StripeError as error:
            return error
        raise AssertionError("the fake accepted a request Stripe refuses")

    # --- scenarios -----------------------------------------------------------------------
    def payment_and_refunds(self) -> None:
        client, fake = self.client, self.fake
        session = self.payment_checkout("R1")
        client.v1.checkout.sessions.retrieve(session.id)
        fake.checkout_pay(session.id)
        session = client.v1.checkout.sessions.retrieve(session.id)
        intent = client.v1.payment_intents.retrieve(session.payment_intent)
        refund = client.v1.refunds.create(
            {"payment_intent": intent.id, "amount": 20000, "reason": "requested_by_customer"},
            {"idempotency_key": "refund-R1-a"},
        )
        client.v1.refunds.retrieve(refund.id)
        client.v1.refunds.list({"payment_intent": intent.id})
        client.v1.refunds.create({"payment_intent": intent.id}, {"idempotency_key": "refund-R1-b"})
        client.v1.payment_intents.retrieve(intent.id)
        invoiced = self.payment_checkout("R3", invoice_creation={"enabled": True})
        fake.checkout_pay(invoiced.id)

    def dashboard_and_pending_refunds(self) -> None:
        client, fake = self.client, self.fake
        session = self.payment_checkout("R2")
        fake.checkout_pay(session.id)
        intent_id = fake.checkout_sessions[session.id]["payment_intent"]
        fake.dashboard_refund(intent_id, 10000)
        fake.refunds_settle_later = True
        try:
            refund = client.v1.refunds.create(
                {"payment_intent": intent_id, "amount": 5000}, {"idempotency_key": "refund-R2"}
            )
            fake.refund_settle(refund.id)
            refund = client.v1.refunds.create(
                {"payment_intent": intent_id, "amount": 5000}, {"idempotency_key": "refund-R2-f"}
            )
            fake.refund_settle(refund.id, status="failed")
        finally:
            fake.refunds_settle_later = False

    def expiry_and_delayed_payments(self) -> None:
        client, fake = self.client, self.fake
        expired_by_api = self.payment_checkout("E1")
        client.v1.checkout.sessions.expire(expired_by_api.id)
        abandoned = self.payment_checkout("E2")
        fake.checkout_expire(abandoned.id)
        client.v1.checkout.sessions.retrieve(abandoned.id)
        for reference, succeeded in (("D1", True), ("D2", False)):
            delayed = self.payment_checkout(reference)
            fake.checkout_pay(delayed.id, delayed=True)
            fake.checkout_async_result(delayed.id, succeeded=succeeded)
            client.v1.checkout.sessions.retrieve(delayed.id)

    def disputes(self) -> None:
        fake = self.fake
        for reference, won, inquiry in (("C1", True, False), ("C2", False, False), ("C3", 0, 1)):
            session = self.payment_checkout(reference)
            fake.checkout_pay(session.id)
            intent_id = fake.checkout_sessions[session.id]["payment_intent"]
            dispute = fake.dispute_open(intent_id, inquiry=bool(inquiry))
            fake.dispute_submit_evidence(dispute["id"])
            fake.dispute_close(dispute["id"], won=bool(won))

    def errors(self) -> None:
        client, fake = self.client, self.fake
        # A validation error saves nothing: the corrected retry with the same key runs.
        self.expect_error(lambda: self.payment_checkout("X1", expires_at=self.soon(10)))
        self.payment_checkout("X1")
        self.expect_error(lambda: client.v1.checkout.sessions.retrieve("cs_test_missing"))
        self.expect_error(lambda: client.v1.refunds.create({"payment_intent": "pi_missing"}))
        session = self.payment_checkout("X2")
        self.expect_error(lambda: self.payment_checkout("X2", customer_email="other@example.com"))
        fake.checkout_pay(session.id)
        intent_id = fake.checkout_sessions[session.id]["payment_intent"]
        self.expect_error(
            lambda: client.v1.refunds.create({"payment_intent": intent_id, "amount": 99999})
        )
        self.expect_error(lambda: client.v1.checkout.sessions.expire(session.id))
        self.expect_error(lambda: self.bad_key_client.v1.refunds.list())
        for method, path in UNSUPPORTED:
            self.expect_error(lambda method=method, path=path: client.raw_request(method, path))

    def billing(self) -> None:
        client, fake = self.client, self.fake
        customer = client.v1.customers.create({"email": "member@example.com", "name": "Mia Member"})
        client.v1.customers.retrieve(customer.id)
        price_id = billing.price_add(
            unit_amount=29000, currency="usd", interval="year", stripe=fake
        )
        client.v1.prices.retrieve(price_id)
        billing.price_update(price_id, nickname="Annual membership", stripe=fake)
        new_member = client.v1.checkout.sessions.create(
            {
                "mode": "subscription",
                "line_items": [
                    {
                        "price_data": {
                            "currency": "usd",
                            "unit_amount": 2900,
                            "recurring": {"interval": "month"},
                            "product_data": {"name": "Membership (monthly)"},
                        },
                        "quantity": 1,
                    }
                ],
                "customer_email": "new-member@example.com",
                "metadata": {"purpose": "membership", "user_id": "7", "plan": "monthly"},
                "subscription_data": {"metadata": {"user_id": "7"}},
                "success_url": "http://testserver/welcome/?session_id={CHECKOUT_SESSION_ID}",
                "cancel_url": "http://testserver/membership/",
            }
        )
        fake.checkout_pay(new_member.id)
        sessions = [
            client.v1.checkout.sessions.retrieve(new_member.id),
            self.membership_checkout(customer.id, price_id),
        ]
        for session in sessions:
            client.v1.customers.retrieve(session.customer)
            client.v1.invoices.retrieve(session.invoice)
        monthly, annual = (session.subscription for session in sessions)
        client.v1.subscriptions.retrieve(monthly)
        client.v1.subscriptions.list({"customer": customer.id})
        billing.subscription_renew(monthly, stripe=fake)
        billing.subscription_renew(monthly, paid=False, stripe=fake)
        billing.subscription_pay_open_invoice(monthly, stripe=fake)
        billing.subscription_cancel(monthly, at_period_end=True, stripe=fake)
        billing.subscription_resume(monthly, stripe=fake)
        client.v1.subscriptions.update(monthly, {"cancel_at_period_end": True})
        client.v1.subscriptions.update(monthly, {"cancel_at_period_end": False})
        client.v1.subscriptions.update(monthly, {"metadata": {"note": "x"}})
        billing.subscription_mark_unpaid(monthly, stripe=fake)
        client.v1.invoices.list({"subscription": monthly})
        (paid,) = client.v1.invoice_payments.list({"invoice": sessions[1].invoice}).data
        client.v1.refunds.create({"payment_intent": paid.payment.payment_intent, "amount": 100})
        client.v1.billing_portal.sessions.create(
            {"customer": customer.id, "return_url": "http://testserver/account/"}
        )
        self.expect_error(
            lambda: client.v1.billing_portal.sessions.create(
                {"customer": "cus_nobody", "return_url": "http://x/"}
            )
        )
        client.v1.subscriptions.cancel(annual)
        billing.subscription_cancel(monthly, at_period_end=True, stripe=fake)
        billing.subscription_renew(monthly, stripe=fake)
        client.v1.subscriptions.list({"customer": customer.id, "status": "all"})

    SCENARIOS = (
        payment_and_refunds,
        dashboard_and_pending_refunds,
        expiry_and_delayed_payments,
        disputes,
        errors,
        billing,
    )


def record(fake: FakeStripe) -> Recording:
    """Run every scenario on a reset ``fake``; a scenario that raises is noted in
    ``failed`` (with its line) and the others still run."""
    recording = Recording()
    driver = Driver(fake, recording)
    fake.reset()
    for scenario in Driver.SCENARIOS:
        try:
            scenario(driver)
        except Exception as error:
            frame = traceback.extract_tb(error.__traceback__)[-1]
            recording.failed.append(f"{scenario.__name__}: {error!r} (line {frame.lineno})")
        driver.take_events()
    fake.reset()
    return recording


def summary(recording: Recording) -> tuple[dict[str, dict], dict[str, set[str]]]:
    """Per label: objects, invalid objects, distinct violations; and each distinct
    violation with the labels it was seen in."""
    rows: dict[str, dict] = collections.defaultdict(
        lambda: {"objects": 0, "bad": 0, "violations": set()}
    )
    problems: dict[str, set[str]] = collections.defaultdict(set)
    for label, found in recording.violations():
        row = rows[label]
        row["objects"] += 1
        if found:
            row["bad"] += 1
        for message in found:
            key = violation_key(message)
            row["violations"].add(key)
            problems[key].add(label)
    return rows, problems
