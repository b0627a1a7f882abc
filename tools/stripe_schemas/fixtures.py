"""Build the Stripe fake's sample objects (``stripe_fake/fixtures*.json``) from Stripe's own.

Source: ``fixtures3.json`` of the public ``stripe/openapi`` repository (MIT, © Stripe;
copy and provenance in ``../shared/stripe/README.md``), the sample objects Stripe's own
mock server answers with. Those samples fill every field with a placeholder (a Connect
``transfer_data``, a shipping cost of 1,555,417,355, "Jenny Rosen", a ``refunds`` list on
the charge, ``invoice_creation.enabled``…). ``NEUTRAL`` below replaces those with what a
real object of *our* kind has (a card payment on our own account: no Connect, tax,
shipping, discounts or trial), and adds the few fields the samples predate but the pinned
API version requires (``allowed_payment_method_types``, ``payment_record``…). The fake
then sets ids, amounts, statuses and our own values on top.

    .venv/bin/python tools/stripe_schemas/fixtures.py [path/to/fixtures3.json]

(default: ``samples_path()`` of tests/payments/stripe_schema_check.py, ``STRIPE_SAMPLES``)

rewrites both files; deterministic, so ``git diff`` shows what a new sample changed.
``tests/payments/test_stripe_fidelity.py`` checks every object the fake builds from them
against the schemas of the pinned version.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from tests.payments.stripe_schema_check import samples_path  # noqa: E402

SOURCE_COMMIT = "f6c2a48f (2026-08-21)"
PAYMENT_FILE = REPO_ROOT / "stripe_fake" / "fixtures.json"
BILLING_FILE = REPO_ROOT / "stripe_fake" / "fixtures_billing.json"
PAYMENT_KINDS = ("checkout.session", "payment_intent", "charge", "refund", "dispute", "event")
BILLING_KINDS = (
    "customer",
    "subscription",
    "invoice",
    "invoice_payment",
    "line_item",
    "billing_portal.session",
)

DROP = object()  # in NEUTRAL: the field is not in the pinned version's object

NO_ADDRESS = {
    "city": None,
    "country": None,
    "line1": None,
    "line2": None,
    "postal_code": None,
    "state": None,
}
NO_AUTOMATIC_TAX = {"enabled": False, "liability": None, "status": None, "provider": None}

NEUTRAL: dict[str, dict] = {
    "checkout.session": {
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allowed_payment_method_types": None,
        "automatic_tax": NO_AUTOMATIC_TAX,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "currency_conversion": None,
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer_creation": "if_required",
        "customer_details": None,
        "invoice_creation": {
            "enabled": False,
            "invoice_data": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": None,
                "metadata": {},
                "rendering_options": None,
            },
        },
        "managed_payments": None,
        "payment_method_configuration_details": None,
        "permissions": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
    },
    "payment_intent": {
        "allowed_payment_method_types": ["card"],
        "amount_details": {"tip": {}},
        "automatic_payment_methods": None,
        "client_secret": None,
        "managed_payments": None,
        "payment_method_configuration_details": None,
        "payment_record": None,
        "processing": None,
        "transfer_data": None,
    },
    "charge": {
        "balance_transaction": None,
        "billing_details": {
            "address": NO_ADDRESS,
            "email": None,
            "name": None,
            "phone": None,
            "tax_id": None,
        },
        "outcome": {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "payment_method": None,
        "payment_method_details": {
            "card": {
                "electronic_commerce_indicator": None,
                "installments": None,
                "overcapture": {"maximum_amount_capturable": 0, "status": "unavailable"},
                "three_d_secure": None,
                "wallet": None,
            },
        },
        "receipt_url": None,
        "refunds": DROP,
        "source": None,
        "transfer_data": None,
    },
    # A card chargeback, not a Visa inquiry: no enhanced-evidence programme.
    "dispute": {
        "enhanced_eligibility_types": [],
        "evidence_details": {"submission_method": "not_submitted"},
        "intended_submission_method": None,
        "payment_method_details": {"card": {"case_type": "chargeback"}},
    },
    "refund": {"destination_details": {"card": {"type": "refund"}, "type": "card"}},
    "event": {"data": {"object": {}}, "request": {"id": None, "idempotency_key": None}},
    "customer": {"discount": None},
    "subscription": {
        "billing_cycle_anchor_config": None,
        "billing_mode": {"type": "flexible", "flexible": {"proration_discounts": "included"}},
        "billing_schedules": [],
        "billing_thresholds": None,
        "cancellation_details": {
            "comment": None,
            "feedback": None,
            "feedback_option": None,
            "reason": None,
        },
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
        "managed_payments": None,
        "pause_collection": None,
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": "off",
        },
        "pending_invoice_item_interval": None,
        "pending_update": None,
        "transfer_data": None,
        "trial_settings": {
            "end_behavior": {
                "billing_cycle_anchor": None,
                "missing_payment_method": "create_invoice",
            }
        },
    },
    "subscription_item": {
        "billing_thresholds": None,
        "current_trial": None,
    },
    "invoice": {
        "amount_overpaid": 0,
        "automatic_tax": NO_AUTOMATIC_TAX | {"disabled_reason": None},
        "from_invoice": None,
        "last_finalization_error": None,
        "payment_settings": {
            "default_mandate": None,
            "payment_method_options": None,
            "payment_method_types": None,
        },
        "shipping_cost": None,
        "subscription": DROP,
    },
    "line_item": {
        "parent": {
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": None,
            },
            "type": "subscription_item_details",
        },
        "pretax_credit_amounts": [],
        "taxes": [],
    },
    "billing_portal.session": {"flow": None},
    # A card payment of a paid invoice (the fake sets ids, amounts and the intent).
    "invoice_payment": {
        "amount_paid": 0,
        "currency": "usd",
        "invoice": "in_123",
        "livemode": False,
        "payment": {"type": "payment_intent", "payment_intent": "pi_123"},
        "status": "paid",
    },
}


def neutral(value, overlay):
    """``value`` with ``overlay`` laid over it: dicts merge key by key, ``DROP`` removes
    the key, anything else replaces."""
    if not isinstance(overlay, dict) or not isinstance(value, dict) or not overlay:
        return copy.deepcopy(overlay)
    merged = copy.deepcopy(value)
    for key, replacement in overlay.items():
        if replacement is DROP:
            merged.pop(key, None)
        else:
            merged[key] = neutral(merged.get(key), replacement)
    return merged


def build(source: Path | None = None) -> tuple[dict, dict]:
    """The payment and billing fixture files' content, from Stripe's ``fixtures3.json``."""
    samples = json.loads((source or samples_path()).read_text())["resources"]
    resources = {kind: neutral(samples[kind], NEUTRAL.get(kind, {})) for kind in samples}
    subscription = resources["subscription"]
    item = neutral(subscription["items"]["data"][0], NEUTRAL["subscription_item"])
    item["price"] = neutral(samples["price"], {"transform_quantity": None})
    item["plan"] = neutral(samples["plan"], {"transform_usage": None})
    subscription["items"]["data"] = [item]
    resources["invoice"]["lines"]["data"] = [resources["line_item"]]
    notice = (
        f"Built by tools/stripe_schemas/fixtures.py from Stripe's sample objects "
        f"(stripe/openapi openapi/fixtures3.json, commit {SOURCE_COMMIT}; Copyright (c) "
        "Stripe, Inc., MIT License, see tools/stripe_schemas/README.md): placeholders "
        "replaced by the values of a plain card payment on our own account, fields the "
        "pinned API version requires added. Regenerate; do not edit."
    )
    payment = {"_notice": notice, "resources": {k: resources[k] for k in PAYMENT_KINDS}}
    billing = {"_notice": notice, "resources": {k: resources[k] for k in BILLING_KINDS}}
    return payment, billing


def dumps(content: dict) -> str:
    return json.dumps(content, indent=1, sort_keys=True) + "\n"


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    payment, billing = build(source)
    PAYMENT_FILE.write_text(dumps(payment))
    BILLING_FILE.write_text(dumps(billing))


if __name__ == "__main__":
    main()
