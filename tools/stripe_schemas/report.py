"""Print how far the offline Stripe fake is from the pinned Stripe API version.

Drives every route and simulator action of the fake through the real SDK (as
tests/payments/test_stripe_fake*.py do), records every HTTP response body the SDK
received and every webhook event the fake queued, and validates each against the schemas
generated from the stripe npm types (tests/payments/stripe_schemas/). Prints a summary
table per object/event kind, then each distinct violation with how many objects had it.

    .venv/bin/python tools/stripe_schemas/report.py > tools/stripe_schemas/REPORT.txt

It reports; it never fails on violations (the fidelity test does that). Scenarios whose
fake entry points moved or vanished are listed as skipped instead of stopping the report.
"""

from __future__ import annotations

import collections
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import stripe  # noqa: E402

from tests.payments.stripe_schema_check import (  # noqa: E402
    pinned_api_version,
    pinned_sdk_version,
    validate,
    violation_key,
)


def _import_fake():
    """The fake package: ``stripe_fake`` (after the reorganization) or ``payments.stripe_fake``."""
    errors = []
    for name in ("stripe_fake", "payments.stripe_fake"):
        try:
            package = importlib.import_module(name)
        except ImportError as error:
            errors.append(f"{name}: {error}")
            continue
        try:
            billing = importlib.import_module(f"{name}.billing")
        except ImportError:
            billing = None
        return name, package, billing
    raise SystemExit("Stripe fake not found: " + "; ".join(errors))


FAKE_MODULE, fake_package, billing = _import_fake()
fake = fake_package.fake_stripe
responses: list[tuple[str, str, int, dict]] = []  # (method, path, status, body)


class RecordingClient(fake_package.FakeHTTPClient):
    def request(self, method, url, headers, post_data=None, *, _usage=None):
        body, status, response_headers = super().request(
            method, url, headers, post_data, _usage=_usage
        )
        path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
        responses.append((method.upper(), "/" + path, status, json.loads(body)))
        return body, status, response_headers


client = stripe.StripeClient("sk_test_report", http_client=RecordingClient(fake))
bad_key_client = stripe.StripeClient("rk_bad_key", http_client=RecordingClient(fake))
events: list[dict] = []
skipped: list[str] = []


def take_events() -> None:
    for event in fake.take_events():
        events.append(json.loads(event.payload))


def soon(minutes: int = 45) -> int:
    return int(time.time()) + minutes * 60


def payment_checkout(reference: str, **extra):
    return client.v1.checkout.sessions.create(
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
            "expires_at": soon(),
            "success_url": "http://testserver/ok?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://testserver/cancel",
            **extra,
        },
        {"idempotency_key": f"checkout-{reference}"},
    )


def expect_error(call) -> None:
    try:
        call()
    except stripe.StripeError:
        return
    raise AssertionError("the fake accepted a request Stripe refuses")


# --- scenarios ---------------------------------------------------------------------------
def scenario_payment_and_refunds():
    session = payment_checkout("R1")
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


def scenario_dashboard_and_pending_refunds():
    session = payment_checkout("R2")
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


def scenario_expiry_and_delayed_payments():
    expired_by_api = payment_checkout("E1")
    client.v1.checkout.sessions.expire(expired_by_api.id)
    abandoned = payment_checkout("E2")
    fake.checkout_expire(abandoned.id)
    client.v1.checkout.sessions.retrieve(abandoned.id)
    for reference, succeeded in (("D1", True), ("D2", False)):
        delayed = payment_checkout(reference)
        fake.checkout_pay(delayed.id, delayed=True)
        fake.checkout_async_result(delayed.id, succeeded=succeeded)
        client.v1.checkout.sessions.retrieve(delayed.id)


def scenario_errors():
    expect_error(lambda: payment_checkout("X1", expires_at=soon(10)))
    expect_error(lambda: client.v1.checkout.sessions.retrieve("cs_test_missing"))
    expect_error(lambda: client.v1.products.retrieve("prod_123"))
    expect_error(lambda: client.v1.refunds.create({"payment_intent": "pi_missing"}))
    session = payment_checkout("X2")
    expect_error(lambda: payment_checkout("X2", customer_email="other@example.com"))
    fake.checkout_pay(session.id)
    intent_id = fake.checkout_sessions[session.id]["payment_intent"]
    expect_error(lambda: client.v1.refunds.create({"payment_intent": intent_id, "amount": 99999}))
    expect_error(lambda: client.v1.checkout.sessions.expire(session.id))
    expect_error(lambda: bad_key_client.v1.refunds.list())


def scenario_billing():
    if billing is None:
        raise LookupError("no billing module")
    customer = client.v1.customers.create({"email": "member@example.com", "name": "Mia Member"})
    client.v1.customers.retrieve(customer.id)
    price_id = billing.price_add(unit_amount=29000, currency="usd", interval="year")
    sessions = [
        client.v1.checkout.sessions.create(
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
        ),
        client.v1.checkout.sessions.create(
            {
                "mode": "subscription",
                "customer": customer.id,
                "line_items": [{"price": price_id, "quantity": 1}],
                "success_url": "http://testserver/welcome/",
            }
        ),
    ]
    subscription_ids = []
    for session in sessions:
        fake.checkout_pay(session.id)
        session = client.v1.checkout.sessions.retrieve(session.id)
        subscription_ids.append(session.subscription)
        client.v1.customers.retrieve(session.customer)
        client.v1.invoices.retrieve(session.invoice)
    monthly, annual = subscription_ids
    client.v1.subscriptions.retrieve(monthly)
    client.v1.subscriptions.list({"customer": customer.id})
    billing.subscription_renew(monthly)
    billing.subscription_renew(monthly, paid=False)
    billing.subscription_pay_open_invoice(monthly)
    billing.subscription_cancel(monthly, at_period_end=True)
    billing.subscription_resume(monthly)
    client.v1.subscriptions.update(monthly, {"cancel_at_period_end": True})
    client.v1.subscriptions.update(monthly, {"cancel_at_period_end": False})
    billing.subscription_mark_unpaid(monthly)
    client.v1.invoices.list({"subscription": monthly})
    client.v1.billing_portal.sessions.create(
        {"customer": customer.id, "return_url": "http://testserver/account/"}
    )
    expect_error(
        lambda: client.v1.billing_portal.sessions.create(
            {"customer": "cus_nobody", "return_url": "http://x/"}
        )
    )
    client.v1.subscriptions.cancel(annual)
    billing.subscription_cancel(monthly, at_period_end=True)
    billing.subscription_renew(monthly)
    client.v1.subscriptions.list({"customer": customer.id})


SCENARIOS = [
    scenario_payment_and_refunds,
    scenario_dashboard_and_pending_refunds,
    scenario_expiry_and_delayed_payments,
    scenario_errors,
    scenario_billing,
]


# --- report ------------------------------------------------------------------------------
def checked_objects():
    """(row label, kind, object) for every response body and event."""
    for method, _path, status, body in responses:
        if status >= 400:
            yield f"error body ({status})", "error", body
        elif body.get("object") == "list":
            for item in body.get("data", []):
                yield f"{item.get('object')} (in a list)", item.get("object"), item
        else:
            yield f"{body.get('object')} ({method} response)", body.get("object"), body
    for event in events:
        yield f"event {event.get('type')}", "event", event


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


def main() -> None:
    fake.reset()
    for scenario in SCENARIOS:
        try:
            scenario()
        except Exception as error:  # report what still runs
            frame = traceback.extract_tb(error.__traceback__)[-1]
            skipped.append(f"{scenario.__name__}: {error!r} (line {frame.lineno})")
        take_events()
    fake.reset()

    rows: dict[str, dict] = collections.defaultdict(
        lambda: {"objects": 0, "bad": 0, "violations": set()}
    )
    # Distinct problems, each named from its object ("invoice.lines.data[]: ..." whether it
    # came in a response or inside an event), with the rows it was seen in.
    problems: dict[str, set[str]] = collections.defaultdict(set)
    for label, kind, obj in checked_objects():
        row = rows[label]
        row["objects"] += 1
        try:
            found = validate(kind, obj)
        except ValueError:
            found = [f"{kind}: no schema for this kind"]
        if kind == "event":
            found += event_value_checks(obj)
            inner = (obj.get("data") or {}).get("object") or {}
            found = [v.replace("event.data.object", str(inner.get("object")), 1) for v in found]
        if found:
            row["bad"] += 1
        for message in found:
            key = violation_key(message)
            row["violations"].add(key)
            problems[key].add(label)

    total_objects = sum(r["objects"] for r in rows.values())
    total_bad = sum(r["bad"] for r in rows.values())
    print(
        f"Stripe fake ({FAKE_MODULE}) vs. schemas of stripe npm {pinned_sdk_version()}, "
        f"API {pinned_api_version()} (stripe-python pins {stripe.api_version})"
    )
    print(
        f"{len(responses)} responses and {len(events)} events checked; "
        f"{total_bad} of {total_objects} objects have violations; "
        f"{len(problems)} distinct violations.\n"
    )
    width = max(len(label) for label in rows) + 2
    print(f"{'object / event kind':<{width}}{'objects':>8}{'invalid':>9}{'distinct':>10}")
    print("-" * (width + 27))
    for label in sorted(rows):
        row = rows[label]
        print(f"{label:<{width}}{row['objects']:>8}{row['bad']:>9}{len(row['violations']):>10}")
    print("\nDistinct violations (location in the object: message) and where they were seen:")
    for message in sorted(problems):
        print(f"- {message}")
        print(f"    in: {', '.join(sorted(problems[message]))}")
    print()
    if skipped:
        print("Skipped scenarios (fake entry points changed?):")
        for line in skipped:
            print(f"   {line}")


if __name__ == "__main__":
    main()
