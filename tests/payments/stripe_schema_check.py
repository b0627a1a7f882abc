"""Check Stripe objects against the JSON Schemas generated from the pinned Stripe SDK types.

The schemas in ``tests/payments/stripe_schemas/`` are compiled from the TypeScript types of
the ``stripe`` npm package that pins the same API version as our stripe-python (see
``tools/stripe_schemas/README.md``). ``validate(kind, obj)`` returns a list of readable
violations, empty when ``obj`` is a valid object of that kind::

    validate("refund", refund)  # -> ["refund.reason: 'x' is not of type ...", ...]

A kind is Stripe's ``object`` value (``"checkout.session"``, ``"invoice"``, ``"line_item"``,
...) or ``"event"`` (any event whose ``data.object`` is a covered kind) or ``"error"`` (an
error response body, ``{"error": {...}}``).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent / "stripe_schemas"
REPO_ROOT = Path(__file__).resolve().parents[2]


def samples_path() -> Path:
    """Stripe's own sample objects (``fixtures3.json``, see ../shared/stripe/README.md).

    They live beside the checkout, in ``../shared/stripe/``; ``STRIPE_SAMPLES`` overrides
    the path (a git worktree elsewhere, for instance).
    """
    override = os.environ.get("STRIPE_SAMPLES")
    if override:
        return Path(override)
    return REPO_ROOT.parent / "shared" / "stripe" / "fixtures3.json"


def _version_fields() -> dict[str, str]:
    fields = {}
    for line in (SCHEMA_DIR / "VERSION").read_text().splitlines():
        name, _, value = line.partition(" ")
        if name:
            fields[name] = value.strip()
    return fields


def pinned_api_version() -> str:
    """The Stripe API version the committed schemas were generated for."""
    return _version_fields()["api-version"]


def pinned_sdk_version() -> str:
    """The version of the ``stripe`` npm package the schemas were generated from."""
    return _version_fields()["stripe-npm"]


def kinds() -> list[str]:
    """Every kind ``validate`` accepts."""
    return sorted(p.stem for p in SCHEMA_DIR.glob("*.json") if p.stem != "definitions")


@functools.cache
def _validator(kind: str):
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    path = SCHEMA_DIR / f"{kind}.json"
    if kind == "definitions" or not path.is_file():
        raise ValueError(f"unknown Stripe schema kind {kind!r}; known: {', '.join(kinds())}")
    registry: Registry = Registry()
    for file in SCHEMA_DIR.glob("*.json"):
        schema = json.loads(file.read_text())
        registry = registry.with_resource(schema["$id"], Resource.from_contents(schema))
    return Draft202012Validator(json.loads(path.read_text()), registry=registry)


def _location(kind: str, path: Iterable[Any]) -> str:
    text = kind
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _leaf_errors(error) -> list:
    """The errors worth showing for one failed keyword.

    ``anyOf`` (``string | Customer | null``, an expandable field) fails as a whole; show the
    reasons of the alternative that got furthest (the object schema for an object, not
    "is not of type 'string'"), so a missing field deep inside reads as that field.
    """
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    branches: dict[Any, list] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0], []).append(sub)

    def shallow_type_miss(errors: list) -> bool:
        return any(
            e.validator in ("type", "const", "enum", "$ref") and not e.relative_path for e in errors
        ) and all(not e.relative_path for e in errors)

    def other_variant(errors: list) -> bool:
        # `Customer | DeletedCustomer`: a live object is not the deleted variant.
        return any(
            (e.validator == "required" and "'deleted'" in e.message)
            or (e.validator == "const" and list(e.relative_path) in (["object"], ["deleted"]))
            for e in errors
        )

    candidates = [errs for errs in branches.values() if not shallow_type_miss(errs)]
    if not candidates:
        return [error]
    best = min(candidates, key=lambda errs: (other_variant(errs), len(errs)))
    return [leaf for sub in best for leaf in _leaf_errors(sub)]


def validate(kind: str, obj: Mapping[str, Any]) -> list[str]:
    """Violations of ``obj`` against the pinned schema for ``kind``, as ``path: message``."""
    messages = []
    for error in _validator(kind).iter_errors(obj):
        for leaf in _leaf_errors(error):
            message = leaf.message
            if leaf.validator == "additionalProperties":
                message = message.replace("Additional properties are not allowed", "not in Stripe")
            if len(message) > 300:
                message = message[:297] + "..."
            messages.append(f"{_location(kind, leaf.absolute_path)}: {message}")
    return sorted(set(messages))


def violation_key(message: str) -> str:
    """A violation without list indexes, for counting the same problem across objects."""
    import re

    return re.sub(r"\[\d+\]", "[]", message)
