"""Print how far the offline Stripe fake is from the pinned Stripe API version.

Drives every route and simulator action of the fake through the real SDK (the scenarios
of tests/payments/stripe_scenarios.py, which the fidelity test runs too), records every
HTTP response body the SDK received and every webhook event the fake queued, and
validates each against the schemas generated from the stripe npm types
(tests/payments/stripe_schemas/). Prints a summary
table per object/event kind, then each distinct violation with how many objects had it.

    .venv/bin/python tools/stripe_schemas/report.py > tools/stripe_schemas/REPORT.txt

It reports; it never fails on violations (tests/payments/test_stripe_fidelity.py does
that). A scenario that raises is listed instead of stopping the report.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import stripe  # noqa: E402

from stripe_fake import fake_stripe  # noqa: E402
from tests.payments.stripe_scenarios import record, summary  # noqa: E402
from tests.payments.stripe_schema_check import pinned_api_version, pinned_sdk_version  # noqa: E402


def main() -> None:
    recording = record(fake_stripe)
    rows, problems = summary(recording)
    total_objects = sum(r["objects"] for r in rows.values())
    total_bad = sum(r["bad"] for r in rows.values())
    print(
        f"Stripe fake (stripe_fake) vs. schemas of stripe npm {pinned_sdk_version()}, "
        f"API {pinned_api_version()} (stripe-python pins {stripe.api_version})"
    )
    print(
        f"{len(recording.responses)} responses and {len(recording.events)} events checked; "
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
    if not problems:
        print("(none)")
    print()
    if recording.failed:
        print("Scenarios that raised:")
        for line in recording.failed:
            print(f"   {line}")


if __name__ == "__main__":
    main()
