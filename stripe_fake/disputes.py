"""Disputes in the fake: the card network's side of a chargeback (``dispute_open``), the
merchant answering in Stripe's dashboard (``dispute_submit_evidence``) and the bank's
decision (``dispute_close``), each sending the ``charge.dispute.*`` event Stripe sends.
Mixed into ``FakeStripe``; objects are built from Stripe's sample dispute."""

import copy
import time

from .wire import StripeFakeError, _new_id, sample

# Stripe gives the merchant about a week (it varies by network) to answer.
EVIDENCE_WINDOW = 7 * 24 * 60 * 60
OPEN = ("needs_response", "warning_needs_response")


class DisputesMixin:
    """Simulator actions on ``FakeStripe``'s ``disputes`` (its ``_get`` and ``_emit``)."""

    def dispute_open(
        self, payment_intent_id: str, *, reason: str = "fraudulent", inquiry: bool = False
    ) -> dict:
        """The buyer's bank disputes the whole charge: ``charge.dispute.created``."""
        with self.lock:
            intent = self._get(self.payment_intents, payment_intent_id, "payment_intent")
            if intent["status"] != "succeeded":
                raise StripeFakeError(400, "Only a succeeded payment can be disputed.")
            charge = self.charges[intent["latest_charge"]]
            now = int(time.time())
            dispute = sample("dispute")
            dispute.update(
                id=_new_id("dp"),
                amount=charge["amount"] - charge["amount_refunded"],
                currency=charge["currency"],
                charge=charge["id"],
                payment_intent=payment_intent_id,
                created=now,
                reason=reason,
                status="warning_needs_response" if inquiry else "needs_response",
                is_charge_refundable=False,
                livemode=False,
            )
            dispute["evidence_details"]["due_by"] = now + EVIDENCE_WINDOW
            dispute["payment_method_details"]["card"]["case_type"] = (
                "inquiry" if inquiry else "chargeback"
            )
            charge["disputed"] = True
            self.disputes[dispute["id"]] = dispute
            self._emit("charge.dispute.created", dispute)
            return copy.deepcopy(dispute)

    def dispute_submit_evidence(self, dispute_id: str) -> dict:
        """The merchant submits evidence in the dashboard: ``charge.dispute.updated``."""
        with self.lock:
            dispute = self._get(self.disputes, dispute_id, "dispute")
            if dispute["status"] not in OPEN:
                raise StripeFakeError(400, f"This dispute is {dispute['status']}.")
            before = copy.deepcopy(dispute)
            details = dispute["evidence_details"]
            details.update(has_evidence=True, submission_count=1, submission_method="manual")
            dispute["evidence"]["uncategorized_text"] = "Receipt and registration history."
            dispute["status"] = dispute["status"].replace("needs_response", "under_review")
            self._emit("charge.dispute.updated", dispute, before=before)
            return copy.deepcopy(dispute)

    def dispute_close(self, dispute_id: str, *, won: bool) -> dict:
        """The bank decides: ``charge.dispute.closed`` (an inquiry just closes)."""
        with self.lock:
            dispute = self._get(self.disputes, dispute_id, "dispute")
            if dispute["status"] in ("won", "lost", "warning_closed"):
                raise StripeFakeError(400, f"This dispute is already {dispute['status']}.")
            if dispute["status"].startswith("warning_"):
                dispute["status"] = "warning_closed"
            else:
                dispute["status"] = "won" if won else "lost"
            self._emit("charge.dispute.closed", dispute)
            return copy.deepcopy(dispute)
