import datetime

from django.utils import timezone

import pytest

from stripe_fake import fake_stripe
from stripe_fake.delivery import outbox_deliver
from tests.factories import SessionFactory, TicketTypeFactory


@pytest.fixture(autouse=True)
def stripe_fake():
    """Every test starts with an empty fake Stripe account."""
    fake_stripe.reset()
    yield fake_stripe
    fake_stripe.reset()


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Deliver the fake's queued webhook events to our endpoint and run what they enqueue."""

    def _deliver() -> list[int]:
        with django_capture_on_commit_callbacks(execute=True):
            return outbox_deliver()

    return _deliver


@pytest.fixture
def paid_session(db):
    session = SessionFactory(capacity=10)
    standard = TicketTypeFactory(session=session, name="Standard", price_amount=34900)
    return session, standard


@pytest.fixture
def free_session(db):
    session = SessionFactory(
        capacity=30,
        starts_at=timezone.now() + datetime.timedelta(days=20),
        ends_at=timezone.now() + datetime.timedelta(days=20, hours=2),
    )
    ticket = TicketTypeFactory(session=session, name="Free evening", price_amount=0)
    return session, ticket


@pytest.fixture
def member_client(client, user):
    """The test client signed in as ``user`` (who is not a member yet)."""
    client.force_login(user)
    return client
