"""What Stripe's API looks like on the wire, for the fake: its sample objects, ids, the
form encoding of requests, the error shape, and signed events."""

import copy
import json
import re
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl

import stripe

from payments.gateway import sign_payload

FIXTURES = Path(__file__).with_name("fixtures.json")
# Events are rendered at the version our SDK pins (the webhook endpoint's version).
API_VERSION = stripe.api_version


@cache
def _samples() -> dict:
    return json.loads(FIXTURES.read_text())["resources"]


def sample(resource: str) -> dict:
    """A deep copy of Stripe's sample object for ``resource`` (e.g. "checkout.session")."""
    return copy.deepcopy(_samples()[resource])


def _new_id(prefix: str) -> str:
    return f"{prefix}_fake{secrets.token_hex(10)}"


def receipt_url(charge_id: str) -> str:
    """Where Stripe's receipt for this charge would be (Stripe's URL form, our charge)."""
    return f"https://pay.stripe.com/receipts/payment/{charge_id}"


def changed(before: dict, after: dict) -> dict:
    """``previous_attributes`` of an ``*.updated`` event: the old value of each top-level
    field that changed."""
    return {key: value for key, value in before.items() if after.get(key) != value}


def decode_form(body: str) -> dict:
    """Stripe's form encoding (``a[b][0][c]=1``) back into nested dicts and lists."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(node):
        if isinstance(node, dict):
            node = {k: listify(v) for k, v in node.items()}
            if node and all(k.isdigit() for k in node):
                return [node[k] for k in sorted(node, key=int)]
        return node

    return listify(root)


class NetworkDown(Exception):
    """The request never reached Stripe (a simulated network failure)."""


class StripeFakeError(Exception):
    """A Stripe error response. Raised before anything changed (the fake validates first),
    so like Stripe's validation errors it is never saved under an idempotency key."""

    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error", **extra):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message, **extra}}


@dataclass
class Event:
    id: str
    type: str
    payload: str

    def signature_header(self, secret: str, timestamp: int | None = None) -> str:
        return sign_payload(payload=self.payload, secret=secret, timestamp=timestamp)


def invoice_creation_for(default: dict, params: dict) -> dict | None:
    """A Checkout Session's ``invoice_creation``: off unless asked for
    (``invoice_creation[enabled]``), and only for ``mode=payment``."""
    if params.get("mode") != "payment":
        return None
    asked = params.get("invoice_creation") or {}
    creation = copy.deepcopy(default)
    creation["enabled"] = asked.get("enabled") == "true"
    creation["invoice_data"]["metadata"] = (asked.get("invoice_data") or {}).get("metadata") or {}
    return creation
