"""An in-process Stripe for tests and for `make run` without Stripe keys.

``FakeHTTPClient`` plugs into the official SDK (``StripeClient(..., http_client=...)``)
so our gateway code runs unchanged against it. ``FakeStripe`` keeps the state (Checkout
Sessions, PaymentIntents, Charges, Refunds), answers only the endpoints we use (others:
404 in Stripe's error shape), validates what Stripe validates for them, and builds every
object and event from Stripe's own sample objects (``fixtures.json``).

Simulator actions (``checkout_pay``, ``checkout_fail``, ``checkout_expire``...) stand in
for the buyer on Stripe's hosted page; they queue signed webhook events in ``outbox``.

To add endpoints: write a handler and add it to ``ROUTES`` in ``fake.py``; build objects
with ``sample(<resource>)``. Stripe Billing (customers, ``mode=subscription``,
subscriptions, invoices, the Customer Portal) lives in ``billing.py``.
"""

from . import billing  # noqa: F401  (registers the Stripe Billing endpoints)
from .fake import FakeHTTPClient, FakeStripe, StripeFakeError, fake_stripe

__all__ = ["FakeHTTPClient", "FakeStripe", "StripeFakeError", "fake_stripe"]
