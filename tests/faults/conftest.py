import socket

import pytest

from stripe_fake import fake_stripe


@pytest.fixture
def closed_port() -> int:
    """A local TCP port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def stripe_fake():
    """Every fault test starts with an empty fake Stripe account."""
    fake_stripe.reset()
    yield fake_stripe
    fake_stripe.reset()
