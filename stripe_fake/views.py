"""The local "test payment" page that stands in for Stripe's hosted Checkout when no
Stripe keys are set (``STRIPE_USE_FAKE``). Never reachable otherwise (404)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from payments import gateway

from .billing_views import subscription_lines
from .delivery import outbox_deliver
from .fake import StripeFakeError, fake_stripe


@require_http_methods(["GET", "POST"])
def test_checkout(request: HttpRequest, checkout_session_id: str) -> HttpResponse:
    if not gateway.uses_fake():
        raise Http404
    checkout = fake_stripe.checkout_sessions.get(checkout_session_id)
    if checkout is None:
        raise Http404
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "pay":
                fake_stripe.checkout_pay(checkout_session_id)
                outbox_deliver()
                return redirect(checkout["success_url"])
            if action == "pay_dispute":
                # The buyer pays, then their bank disputes the charge (a chargeback).
                paid = fake_stripe.checkout_pay(checkout_session_id)
                fake_stripe.dispute_open(paid["payment_intent"])
                outbox_deliver()
                return redirect(checkout["success_url"])
            if action == "pay_later":
                fake_stripe.checkout_pay(checkout_session_id, delayed=True)
                outbox_deliver()
                return redirect(checkout["success_url"])
            if action == "abandon":
                fake_stripe.checkout_expire(checkout_session_id)
                outbox_deliver()
                return redirect(checkout["cancel_url"] or "/")
            if action == "fail":
                # Like Stripe: a declined card keeps the buyer on the page; nothing is sent.
                error = "Your card was declined (test). Try again or choose another outcome."
            else:
                error = "Choose one of the outcomes below."
        except StripeFakeError as failure:
            error = str(failure)
    if checkout["mode"] == "subscription":
        lines = subscription_lines(checkout)
    else:
        lines = [
            {
                "name": item["price_data"]["product_data"]["name"],
                "description": item["price_data"]["product_data"].get("description", ""),
                "quantity": int(item.get("quantity", 1)),
                "amount": int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1)),
            }
            for item in checkout.get("_line_items", [])
        ]
    return render(
        request,
        "stripe_fake/test_checkout.html",
        {"checkout": checkout, "lines": lines, "error": error},
        status=400 if error else 200,
    )
