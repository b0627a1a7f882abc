"""An in-process Stripe for tests and for `make run` without Stripe keys: see README.md.

``FakeHTTPClient`` (``client.py``) plugs into the official SDK; ``FakeStripe``
(``fake.py``, Billing in ``billing.py``) keeps the state and answers the endpoints we use.
"""

from . import billing  # noqa: F401  (registers the Stripe Billing endpoints)
from .client import FakeHTTPClient
from .fake import FakeStripe, StripeFakeError, fake_stripe

__all__ = ["FakeHTTPClient", "FakeStripe", "StripeFakeError", "fake_stripe"]
