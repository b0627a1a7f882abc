"""The local stand-in for Stripe's Customer Portal when no Stripe keys are set
(``STRIPE_USE_FAKE``): see the membership, cancel at the end of the period, resume, or
settle a failed payment with a "new card". Never reachable otherwise (404)."""

import datetime
from functools import partial

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from payments import gateway

from .billing import (
    ENDED,
    subscription_cancel,
    subscription_pay_open_invoice,
    subscription_renew,
    subscription_resume,
)
from .delivery import outbox_deliver
from .fake import StripeFakeError, fake_stripe

ACTIONS = {
    "cancel": (
        partial(subscription_cancel, at_period_end=True),
        "Your membership will end at the end of the current period.",
    ),
    "resume": (subscription_resume, "Your membership will renew as usual."),
    "pay": (subscription_pay_open_invoice, "Payment received: your membership is active again."),
    "renew": (subscription_renew, "Renewed: the next period was paid."),
    "renew_declined": (
        partial(subscription_renew, paid=False),
        "Renewal declined: the subscription is past due and Stripe would retry.",
    ),
}


@require_http_methods(["GET", "POST"])
def test_portal(request: HttpRequest, portal_session_id: str) -> HttpResponse:
    if not gateway.uses_fake():
        raise Http404
    portal = fake_stripe.portal_sessions.get(portal_session_id)
    if portal is None:
        raise Http404
    subscriptions = [
        s
        for s in fake_stripe.subscriptions.values()
        if s["customer"] == portal["customer"] and s["status"] not in ENDED
    ]
    error = notice = ""
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        subscription_id = request.POST.get("subscription", "")
        if action is None or subscription_id not in {s["id"] for s in subscriptions}:
            error = "Choose one of the actions below."
        else:
            change, notice = action
            try:
                change(subscription_id)
            except StripeFakeError as failure:
                error, notice = str(failure), ""
            else:
                outbox_deliver()
                return redirect(f"{request.path}?done={request.POST['action']}")
    done = ACTIONS.get(request.GET.get("done", ""))
    if done and not error:
        notice = done[1]
    rows = []
    for subscription in subscriptions:
        item = subscription["items"]["data"][0]
        invoice = fake_stripe.invoices.get(subscription.get("latest_invoice") or "") or {}
        rows.append(
            {
                "id": subscription["id"],
                "status": subscription["status"],
                "name": item["price"].get("nickname") or "Membership",
                "amount": item["price"]["unit_amount"],
                "currency": item["price"]["currency"],
                "interval": item["price"]["recurring"]["interval"],
                "period_end": datetime.datetime.fromtimestamp(
                    item["current_period_end"], tz=datetime.UTC
                ),
                "cancel_at_period_end": subscription["cancel_at_period_end"],
                "open_invoice": invoice.get("status") == "open",
            }
        )
    customer = fake_stripe.customers.get(portal["customer"]) or {}
    return render(
        request,
        "stripe_fake/test_portal.html",
        {
            "portal": portal,
            "customer": customer,
            "subscriptions": rows,
            "error": error,
            "notice": notice,
        },
        status=400 if error else 200,
    )


def subscription_lines(checkout: dict) -> list[dict]:
    """The test-payment page's lines for a subscription checkout ("/ month")."""
    return [
        {
            "name": price.get("nickname") or "Subscription",
            "description": "",
            "quantity": int(item.get("quantity", 1)),
            "amount": price["unit_amount"] * int(item.get("quantity", 1)),
            "interval": price["recurring"]["interval"],
        }
        for price, item in zip(checkout["_prices"], checkout["_line_items"], strict=True)
    ]
