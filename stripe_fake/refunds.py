"""Refunds in the fake: the API (create, retrieve, list) and the dashboard and bank side
(``dashboard_refund``, ``refund_settle``), mixed into ``FakeStripe``."""

import copy
import time

from .wire import StripeFakeError, _new_id, sample


class RefundsMixin:
    """The refund endpoints and simulator actions of ``FakeStripe`` (whose state and
    helpers, ``_get``, ``_succeed`` and ``_emit``, they use)."""

    # --- API ----------------------------------------------------------------------------
    def _intent_for_refund(self, intent_id: str) -> dict:
        if intent_id not in self.payment_intents and self.restore_payment is not None:
            known = self.restore_payment(intent_id)
            if known:
                self._restore(intent_id, known)
        return self._get(self.payment_intents, intent_id, "payment_intent")

    def _restore(self, intent_id: str, known: dict) -> None:
        """Re-create a succeeded payment this process forgot (a restarted dev server)."""
        intent = sample("payment_intent")
        intent.update(
            id=intent_id,
            amount=known["amount"],
            currency=known["currency"],
            metadata=known.get("metadata") or {},
            status="requires_payment_method",
        )
        self.payment_intents[intent_id] = intent
        self._succeed(intent)
        self.charges[intent["latest_charge"]]["amount_refunded"] = known.get("refunded", 0)

    def refund_create(self, params: dict) -> dict:
        intent_id = params.get("payment_intent")
        if not intent_id:
            raise StripeFakeError(
                400, "One of the following params should be provided: charge, payment_intent."
            )
        intent = self._intent_for_refund(intent_id)
        if intent["status"] != "succeeded":
            raise StripeFakeError(
                400, "This PaymentIntent does not have a successful charge to refund."
            )
        charge = self.charges[intent["latest_charge"]]
        unrefunded = charge["amount"] - charge["amount_refunded"]
        amount = int(params.get("amount") or unrefunded)
        if unrefunded == 0:
            raise StripeFakeError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        if amount <= 0 or amount > unrefunded:
            raise StripeFakeError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({unrefunded})",
                code="amount_too_large",
                param="amount",
            )
        refund = sample("refund")
        refund.update(
            id=_new_id("re"),
            amount=amount,
            currency=charge["currency"],
            charge=charge["id"],
            payment_intent=intent_id,
            created=int(time.time()),
            status="pending" if self.refunds_settle_later else "succeeded",
            reason=params.get("reason"),
            metadata=params.get("metadata") or {},
        )
        self.refunds[refund["id"]] = refund
        before = copy.deepcopy(charge)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        self._emit("charge.refunded", charge, before=before)
        self._emit("refund.created", refund)
        return refund

    def refund_retrieve(self, params: dict, refund_id: str) -> dict:
        return self._get(self.refunds, refund_id, "refund")

    def refund_list(self, params: dict) -> dict:
        refunds = [
            r
            for r in self.refunds.values()
            if not params.get("payment_intent") or r["payment_intent"] == params["payment_intent"]
        ]
        refunds.sort(key=lambda r: r["created"], reverse=True)
        limit = int(params.get("limit") or 10)
        return {
            "object": "list",
            "data": refunds[:limit],
            "has_more": len(refunds) > limit,
            "url": "/v1/refunds",
        }

    # --- Simulator actions (Stripe's dashboard and banks) -----------------------------------
    def dashboard_refund(self, payment_intent_id: str, amount: int | None = None) -> dict:
        """Someone refunds in Stripe's dashboard: no idempotency key, no metadata of ours."""
        with self.lock:
            params = {"payment_intent": payment_intent_id}
            if amount is not None:
                params["amount"] = str(amount)
            return self.refund_create(params)

    def refund_settle(self, refund_id: str, *, status: str = "succeeded") -> dict:
        """A pending refund reaches its final state; Stripe sends ``refund.updated``."""
        with self.lock:
            refund = self._get(self.refunds, refund_id, "refund")
            before = copy.deepcopy(refund)
            refund["status"] = status
            if status in ("failed", "canceled"):
                charge = self.charges[refund["charge"]]
                charge["amount_refunded"] -= refund["amount"]
                charge["refunded"] = False
            self._emit("refund.updated", refund, before=before)
            return refund
