"""The SDK's HTTP client hook answered in-process: settings name this class in
``STRIPE_HTTP_CLIENT`` when ``STRIPE_USE_FAKE`` is on, and the gateway loads it."""

import secrets

from payments.gateway import ConnectionFailure, HTTPClientBase

from .fake import FakeStripe, NetworkDown, fake_stripe


class FakeHTTPClient(HTTPClientBase):
    """The SDK's HTTP client hook, answered in-process by a ``FakeStripe``."""

    name = "physiomassage-stripe-fake"

    def __init__(self, stripe: FakeStripe | None = None) -> None:
        super().__init__()
        self.stripe = stripe or fake_stripe

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        request_id = f"req_fake{secrets.token_hex(6)}"
        try:
            status, body = self.stripe.handle(
                method.lower(), url, dict(headers or {}), post_data or "", request_id
            )
        except NetworkDown as error:
            raise ConnectionFailure(str(error)) from error
        # Lower-case: the SDK reads ``request-id`` from a plain dict (HTTP ignores case).
        return body, status, {"request-id": request_id}

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        raise NotImplementedError("The Stripe fake does not stream.")

    def close(self) -> None:
        pass
