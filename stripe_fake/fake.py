"""State, routes and validation of the Stripe fake (see README.md); refunds in
``refunds.py``, disputes in ``disputes.py``, Stripe Billing in ``billing.py``."""

import copy
import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .disputes import DisputesMixin
from .refunds import RefundsMixin
from .wire import (
    API_VERSION,
    Event,
    NetworkDown,
    StripeFakeError,
    _new_id,
    changed,
    decode_form,
    invoice_creation_for,
    receipt_url,
    sample,
)

MIN_EXPIRY = 30 * 60
MAX_EXPIRY = 24 * 60 * 60


@dataclass
class FakeStripe(RefundsMixin, DisputesMixin):
    """The state of one fake Stripe account. Thread-safe: one lock around every call."""

    checkout_sessions: dict[str, dict] = field(default_factory=dict)
    payment_intents: dict[str, dict] = field(default_factory=dict)
    charges: dict[str, dict] = field(default_factory=dict)
    refunds: dict[str, dict] = field(default_factory=dict)
    disputes: dict[str, dict] = field(default_factory=dict)
    # Stripe Billing (billing.py): customers, prices, subscriptions, invoices, portal.
    customers: dict[str, dict] = field(default_factory=dict)
    prices: dict[str, dict] = field(default_factory=dict)
    subscriptions: dict[str, dict] = field(default_factory=dict)
    invoices: dict[str, dict] = field(default_factory=dict)
    portal_sessions: dict[str, dict] = field(default_factory=dict)
    # Idempotency key -> (fingerprint of the request, its saved response).
    idempotency: dict[str, tuple[str, tuple[int, str]]] = field(default_factory=dict)
    outbox: list[Event] = field(default_factory=list)
    requests: list[tuple[str, str, dict]] = field(default_factory=list)
    # Simulated outages: (method, path pattern) -> how many more requests fail.
    outages: dict[tuple[str, str], int] = field(default_factory=dict)
    # Refunds stay "pending" until ``refund_settle`` (as bank debits and some cards do).
    refunds_settle_later: bool = False
    # Looks up a payment this process never saw (``make run`` restarted): see restore.py.
    restore_payment: Callable[[str], dict | None] | None = None
    # Relative on purpose: the local test-payment page of whichever host serves the site.
    checkout_base_url: str = "/payments/test-checkout"
    portal_base_url: str = "/payments/test-portal"
    lock: threading.RLock = field(default_factory=threading.RLock)
    # The API request being executed: events it causes name it (``event.request``).
    current_request: dict | None = None

    def reset(self) -> None:
        with self.lock:
            for store in (
                self.checkout_sessions,
                self.payment_intents,
                self.charges,
                self.refunds,
                self.disputes,
                self.customers,
                self.prices,
                self.subscriptions,
                self.invoices,
                self.portal_sessions,
                self.idempotency,
            ):
                store.clear()
            self.outbox.clear()
            self.requests.clear()
            self.outages.clear()
            self.refunds_settle_later = False

    # --- HTTP entry point ---------------------------------------------------------------
    def handle(
        self, method: str, url: str, headers: dict, body: str, request_id: str | None = None
    ) -> tuple[int, str]:
        """Answer one API request. Like Stripe, a POST with an ``Idempotency-Key`` saves its
        result only once it executed: a replay returns the saved response, the same key
        with other parameters is an ``idempotency_error``, and a request refused by
        validation (a ``StripeFakeError``) saves nothing, so its corrected retry runs."""
        path = urlsplit(url).path
        query = urlsplit(url).query
        params = decode_form(body if method == "post" else query)
        with self.lock:
            self._maybe_fail(method, path)
            self.requests.append((method, path, params))
            if not str(headers.get("Authorization", "")).startswith("Bearer sk_"):
                return 401, json.dumps(
                    {"error": {"type": "invalid_request_error", "message": "Invalid API Key."}}
                )
            key = headers.get("Idempotency-Key") if method == "post" else None
            fingerprint = hashlib.sha256(f"{method} {path} {body}".encode()).hexdigest()
            if key and key in self.idempotency:
                seen_fingerprint, response = self.idempotency[key]
                if seen_fingerprint != fingerprint:
                    return 400, json.dumps(
                        {
                            "error": {
                                "type": "idempotency_error",
                                "message": "Keys for idempotent requests can only be used with "
                                "the same parameters they were first used with. Try using a key "
                                f"other than '{key}' if you meant to execute a different request.",
                            }
                        }
                    )
                return response
            self.current_request = {"id": request_id, "idempotency_key": key}
            try:
                status, obj = self._route(method, path, params)
            except StripeFakeError as error:
                return error.status, json.dumps(error.body)
            finally:
                self.current_request = None
            response = (status, json.dumps(obj))
            if key:
                self.idempotency[key] = (fingerprint, response)
            return response

    def network_down(self, method: str, path_pattern: str, *, times: int = 1) -> None:
        """The next ``times`` requests matching fail as if the network were down."""
        with self.lock:
            self.outages[(method, path_pattern)] = times

    def _maybe_fail(self, method: str, path: str) -> None:
        for (outage_method, pattern), left in list(self.outages.items()):
            if outage_method == method and re.fullmatch(pattern, path) and left > 0:
                self.outages[(outage_method, pattern)] = left - 1
                raise NetworkDown(f"Could not connect to Stripe ({method.upper()} {path}).")

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        for route_method, pattern, handler in ROUTES:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return 200, handler(self, params, *match.groups())
        raise StripeFakeError(
            404, f"Unrecognized request URL ({method.upper()}: {path}).", code="resource_missing"
        )

    def _get(self, store: dict, object_id: str, param: str = "id") -> dict:
        try:
            return store[object_id]
        except KeyError:
            raise StripeFakeError(
                404,
                f"No such object: '{object_id}'",
                code="resource_missing",
                param=param,
            ) from None

    # --- Checkout Sessions ----------------------------------------------------------------
    def checkout_session_create(self, params: dict) -> dict:
        if params.get("mode") == "subscription":
            from .billing import subscription_checkout_create

            return subscription_checkout_create(self, params)
        now = int(time.time())
        if params.get("mode") != "payment":
            raise StripeFakeError(
                400, "The fake supports mode=payment and mode=subscription only.", param="mode"
            )
        line_items, expires_at = self._checkout_params_checked(params, now)
        amount_total = 0
        currencies = set()
        for index, item in enumerate(line_items):
            price_data = item.get("price_data") or {}
            try:
                unit = int(price_data["unit_amount"])
                quantity = int(item.get("quantity", 1))
                currencies.add(price_data["currency"].lower())
                price_data["product_data"]["name"]
            except (KeyError, TypeError, ValueError):
                raise StripeFakeError(
                    400,
                    f"Invalid line_items[{index}]: price_data with currency, unit_amount and "
                    "product_data[name] is required.",
                    param=f"line_items[{index}]",
                ) from None
            if unit < 0 or quantity < 1:
                raise StripeFakeError(400, "Invalid amount.", param=f"line_items[{index}]")
            amount_total += unit * quantity
        if len(currencies) != 1:
            raise StripeFakeError(400, "All line items must use the same currency.")
        session = self._checkout_session_new(
            params, now=now, expires_at=expires_at, amount=amount_total, currency=currencies.pop()
        )
        session["_payment_intent_data"] = params.get("payment_intent_data") or {}
        return self._public(session)

    def _checkout_params_checked(self, params: dict, now: int) -> tuple[list, int]:
        """What Stripe checks of any Checkout Session: line items, ``success_url`` and the
        ``expires_at`` window. Returns the line items and the expiry."""
        line_items = params.get("line_items") or []
        if not line_items:
            raise StripeFakeError(400, "Missing required param: line_items.", param="line_items")
        for item in ("success_url",):
            if not params.get(item):
                raise StripeFakeError(400, f"Missing required param: {item}.", param=item)
        expires_at = int(params.get("expires_at") or now + MAX_EXPIRY)
        if expires_at < now + MIN_EXPIRY - 5 or expires_at > now + MAX_EXPIRY:
            raise StripeFakeError(
                400,
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                "Checkout Session creation.",
                param="expires_at",
            )
        return line_items, expires_at

    def _checkout_session_new(
        self, params: dict, *, now: int, expires_at: int, amount: int, currency: str
    ) -> dict:
        """An open Checkout Session from Stripe's sample, stored; its ``mode`` as asked."""
        session = sample("checkout.session")
        session_id = _new_id("cs_test")
        session.update(
            id=session_id,
            object="checkout.session",
            mode=params["mode"],
            status="open",
            payment_status="unpaid",
            created=now,
            expires_at=expires_at,
            amount_subtotal=amount,
            amount_total=amount,
            currency=currency,
            client_reference_id=params.get("client_reference_id"),
            customer_email=params.get("customer_email"),
            metadata=params.get("metadata") or {},
            success_url=params["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id),
            cancel_url=params.get("cancel_url"),
            allow_promotion_codes=params.get("allow_promotion_codes") == "true",
            payment_intent=None,
            customer_creation="if_required",
            customer_details=None,
            invoice_creation=invoice_creation_for(session["invoice_creation"], params),
            url=f"{self.checkout_base_url.rstrip('/')}/{session_id}/",
            livemode=False,
        )
        session["_line_items"] = params["line_items"]
        self.checkout_sessions[session_id] = session
        return session

    def _checkout_end(self, session: dict, status: str, customer: dict | None = None) -> None:
        """The session leaves ``open``: Stripe clears its ``url`` and, when the buyer
        completed it, records who paid (``customer_details``) from what they entered."""
        session["status"] = status
        session["url"] = None
        if status == "complete":
            session["customer_details"] = {
                "address": None,
                "business_name": None,
                "email": (customer or {}).get("email") or session.get("customer_email"),
                "individual_name": None,
                "name": (customer or {}).get("name"),
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            }

    @staticmethod
    def _public(obj: dict) -> dict:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def checkout_session_retrieve(self, params: dict, session_id: str) -> dict:
        return self._public(self._get(self.checkout_sessions, session_id, "session"))

    def checkout_session_expire_api(self, params: dict, session_id: str) -> dict:
        session = self._get(self.checkout_sessions, session_id, "session")
        if session["status"] != "open":
            raise StripeFakeError(
                400,
                f"This Checkout Session is already in a terminal state ({session['status']}).",
            )
        return self._expire(session)

    def payment_intent_retrieve(self, params: dict, intent_id: str) -> dict:
        return self._get(self.payment_intents, intent_id, "intent")

    # --- Simulator actions (the buyer on Stripe's hosted page) -----------------------------
    def checkout_pay(self, session_id: str, *, delayed: bool = False) -> dict:
        """Complete the checkout: paid at once, or (``delayed``) awaiting a bank debit."""
        with self.lock:
            session = self._get(self.checkout_sessions, session_id)
            if session["mode"] == "subscription":
                from .billing import subscription_checkout_pay

                return subscription_checkout_pay(self, session)
            if session["status"] != "open":
                raise StripeFakeError(400, f"Checkout Session is {session['status']}.")
            intent = self._payment_intent_for(session)
            self._checkout_end(session, "complete")
            session["payment_intent"] = intent["id"]
            if delayed:
                intent["status"] = "processing"
                session["payment_status"] = "unpaid"
            else:
                self._succeed(intent)
                session["payment_status"] = "paid"
            self._emit("checkout.session.completed", self._public(session))
            return self._public(session)

    def checkout_async_result(self, session_id: str, *, succeeded: bool) -> dict:
        with self.lock:
            session = self._get(self.checkout_sessions, session_id)
            intent = self.payment_intents[session["payment_intent"]]
            if succeeded:
                self._succeed(intent)
                session["payment_status"] = "paid"
                self._emit("checkout.session.async_payment_succeeded", self._public(session))
            else:
                intent["status"] = "requires_payment_method"
                self._emit("checkout.session.async_payment_failed", self._public(session))
            return self._public(session)

    def checkout_expire(self, session_id: str) -> dict:
        """The buyer abandoned: Stripe expires the session (here: now, not at expires_at)."""
        with self.lock:
            return self._expire(self._get(self.checkout_sessions, session_id))

    def _expire(self, session: dict) -> dict:
        self._checkout_end(session, "expired")
        self._emit("checkout.session.expired", self._public(session))
        return self._public(session)

    def _payment_intent_for(self, session: dict) -> dict:
        intent = sample("payment_intent")
        data = session.get("_payment_intent_data") or {}
        intent.update(
            id=_new_id("pi"),
            amount=session["amount_total"],
            amount_received=0,
            currency=session["currency"],
            created=int(time.time()),
            status="requires_payment_method",
            metadata=data.get("metadata") or {},
            description=data.get("description"),
            receipt_email=session.get("customer_email"),
            client_secret=None,
            latest_charge=None,
            payment_method=None,
            canceled_at=None,
            last_payment_error=None,
            next_action=None,
        )
        intent["client_secret"] = f"{intent['id']}_secret_{secrets.token_hex(12)}"
        self.payment_intents[intent["id"]] = intent
        return intent

    def _succeed(self, intent: dict) -> None:
        """The card is charged: a charge in our values (the buyer's e-mail and name, our
        receipt), no sample leftovers."""
        charge = sample("charge")
        charge_id = _new_id("ch")
        payment_method = _new_id("pm")
        charge["billing_details"]["email"] = intent.get("receipt_email")
        charge["payment_method_details"]["card"]["overcapture"]["maximum_amount_capturable"] = (
            intent["amount"]
        )
        charge.update(
            id=charge_id,
            balance_transaction=_new_id("txn"),
            description=intent.get("description"),
            receipt_email=intent.get("receipt_email"),
            receipt_url=receipt_url(charge_id),
            payment_method=payment_method,
            amount=intent["amount"],
            amount_captured=intent["amount"],
            amount_refunded=0,
            refunded=False,
            captured=True,
            paid=True,
            status="succeeded",
            currency=intent["currency"],
            payment_intent=intent["id"],
            metadata=intent["metadata"],
            created=int(time.time()),
        )
        self.charges[charge["id"]] = charge
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            latest_charge=charge["id"],
            payment_method=payment_method,
        )

    def _emit(self, type_: str, obj: dict, *, before: dict | None = None) -> Event:
        """Queue a webhook event about ``obj``; ``before`` (its state before the change)
        gives an ``*.updated`` event its ``previous_attributes``. An event our own API
        call caused names that request and its idempotency key, as Stripe's do."""
        data = {"object": copy.deepcopy(obj)}
        if before is not None:
            data["previous_attributes"] = copy.deepcopy(changed(before, obj))
        event = sample("event")
        event.update(
            id=_new_id("evt"),
            type=type_,
            created=int(time.time()),
            data=data,
            api_version=API_VERSION,
            livemode=False,
            pending_webhooks=1,
            request=dict(self.current_request or {"id": None, "idempotency_key": None}),
        )
        queued = Event(id=event["id"], type=type_, payload=json.dumps(event))
        self.outbox.append(queued)
        return queued

    def take_events(self) -> list[Event]:
        with self.lock:
            events, self.outbox[:] = list(self.outbox), []
            return events


Handler = Callable[..., dict]
ROUTES: list[tuple[str, str, Handler]] = [
    ("post", r"/v1/checkout/sessions", FakeStripe.checkout_session_create),
    ("get", r"/v1/checkout/sessions/([^/]+)", FakeStripe.checkout_session_retrieve),
    ("post", r"/v1/checkout/sessions/([^/]+)/expire", FakeStripe.checkout_session_expire_api),
    ("get", r"/v1/payment_intents/([^/]+)", FakeStripe.payment_intent_retrieve),
    ("post", r"/v1/refunds", FakeStripe.refund_create),
    ("get", r"/v1/refunds", FakeStripe.refund_list),
    ("get", r"/v1/refunds/([^/]+)", FakeStripe.refund_retrieve),
]

# The one fake account of this process (tests reset it between tests).
fake_stripe = FakeStripe()


__all__ = [
    "FakeStripe",
    "NetworkDown",
    "StripeFakeError",
    "fake_stripe",
    "sample",
]
