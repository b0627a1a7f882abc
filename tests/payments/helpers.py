"""Shared steps for the checkout and membership tests."""

import uuid
from pathlib import Path

from django.urls import reverse

from payments.models import Order

# Recorded Stripe event bodies the tests post to the webhook.
STRIPE_EVENTS = Path(__file__).with_name("stripe_events")


def register_url(session, **quantities) -> str:
    query = "&".join(f"ticket_{pk}={qty}" for pk, qty in quantities.items())
    return reverse("payments:register", kwargs={"session_id": session.pk}) + (
        f"?{query}" if query else ""
    )


def attendee_post(seats: list[tuple[int, str, str]], licence: str = "") -> dict:
    data = {
        "form-TOTAL_FORMS": str(len(seats)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "1",
        "form-MAX_NUM_FORMS": "50",
    }
    for i, (ticket_type_id, name, email) in enumerate(seats):
        data |= {
            f"form-{i}-ticket_type": str(ticket_type_id),
            f"form-{i}-attendee_name": name,
            f"form-{i}-attendee_email": email,
            f"form-{i}-licence_number": licence,
        }
    return data


def book(client, session, ticket, n=2) -> Order:
    seats = [(ticket.pk, f"Attendee {i}", f"attendee{i}@example.com") for i in range(n)]
    response = client.post(register_url(session, **{str(ticket.pk): n}), attendee_post(seats))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Order.objects.latest("pk")


def paid_order(buyer, session, ticket, attendees: list[tuple[str, str]] | None = None) -> Order:
    """An order paid through the fake Stripe (Checkout Session, payment, sync), without
    running its e-mail tasks or queuing webhook events for later deliveries."""
    from courses.services import SeatRequest
    from payments import services
    from stripe_fake import fake_stripe

    attendees = attendees or [(buyer.full_name or "Buyer", buyer.email)]
    order = services.order_create(
        buyer=buyer,
        session_id=session.pk,
        requests=[SeatRequest(ticket.pk, name, email) for name, email in attendees],
    )
    order = services.order_checkout_start(
        order_id=order.pk, success_url="http://testserver/paid", cancel_url="http://testserver/"
    )
    checkout = fake_stripe.checkout_pay(order.stripe_checkout_session_id)
    fake_stripe.take_events()
    return services.checkout_session_sync(checkout=checkout)


# --- Memberships ----------------------------------------------------------------------


def membership_checkout(client, plan: str = "monthly", next_url: str = "") -> str:
    """Choose a plan on the join page (signed in); returns the Checkout Session id."""
    data = {"plan": plan, "attempt": str(uuid.uuid4())}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("payments:membership_join"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url.startswith("/payments/test-checkout/cs_test_")
    return response.url.rstrip("/").rsplit("/", 1)[-1]


def membership_join(client, stripe_fake, plan: str = "monthly", next_url: str = ""):
    """Join and pay; land back from Checkout (before any webhook). Returns the response
    of the return page and the subscription id."""
    checkout_id = membership_checkout(client, plan, next_url)
    stripe_fake.checkout_pay(checkout_id)
    session = stripe_fake.checkout_sessions[checkout_id]
    return client.get(session["success_url"]), session["subscription"]
