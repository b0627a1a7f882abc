"""The local stand-in for a dispute in Stripe's dashboard (``STRIPE_USE_FAKE`` only):
submit evidence, or play the bank and decide. Each action sends the webhook event Stripe
would. Never reachable otherwise (404)."""

from functools import partial

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from payments import gateway

from .delivery import outbox_deliver
from .fake import StripeFakeError, fake_stripe

ACTIONS = {
    "evidence": (fake_stripe.dispute_submit_evidence, "Evidence submitted: the bank reviews it."),
    "won": (partial(fake_stripe.dispute_close, won=True), "The bank decided for you: won."),
    "lost": (
        partial(fake_stripe.dispute_close, won=False),
        "The bank decided for the buyer: lost.",
    ),
}


@require_http_methods(["GET", "POST"])
def test_dispute(request: HttpRequest, dispute_id: str) -> HttpResponse:
    if not gateway.uses_fake() or dispute_id not in fake_stripe.disputes:
        raise Http404
    error = notice = ""
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            error = "Choose one of the actions below."
        else:
            change, notice = action
            try:
                change(dispute_id)
                outbox_deliver()
            except StripeFakeError as failure:
                error, notice = str(failure), ""
    return render(
        request,
        "stripe_fake/test_dispute.html",
        {"dispute": fake_stripe.disputes[dispute_id], "error": error, "notice": notice},
        status=400 if error else 200,
    )
