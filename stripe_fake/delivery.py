"""Deliver the fake's queued events to our real webhook view, signed like Stripe does.

In-process through Django's full request handler (middleware, CSRF exemption, signature
check), so no server needs to listen and the same code runs in tests and `make run`.
"""

from django.conf import settings
from django.test import Client
from django.urls import reverse

from payments.gateway import sign_payload

from .fake import Event, fake_stripe


def _webhook_host() -> str:
    """A host this site answers to: under `make run` ALLOWED_HOSTS has no "testserver"
    (the test client's default), and every delivery would be refused as a bad host."""
    for host in settings.ALLOWED_HOSTS:
        if host and host != "*" and not host.startswith("."):
            return host
    return "testserver"


def event_deliver(event: Event, *, secret: str | None = None) -> int:
    response = Client(SERVER_NAME=_webhook_host()).post(
        reverse("payments:stripe_webhook"),
        data=event.payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign_payload(payload=event.payload, secret=secret)},
    )
    return response.status_code


def outbox_deliver() -> list[int]:
    """Deliver (and empty) everything the fake has queued, oldest first."""
    return [event_deliver(event) for event in fake_stripe.take_events()]
