"""Membership pages: join (choose a plan → Stripe Checkout), the return from Checkout,
and "Manage membership" (Stripe's Customer Portal). Thin: rules live in
``payments.services.memberships``."""

import uuid
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from courses.links import absolute_url

from . import selectors
from .errors import AlreadyMember, CheckoutAlreadyOpen, ConfirmationDelayed, PaymentsError
from .models import MembershipPlan
from .services import memberships


def _next_url(request: HttpRequest) -> str:
    """Where to go once the member is in (e.g. the lesson behind the paywall): a path on
    this site, or nothing."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _join_url(next_url: str, **params: str) -> str:
    query = {"next": next_url} | params if next_url else params
    url = reverse("payments:membership_join")
    if query:
        url += "?" + "&".join(f"{key}={quote(value, safe='/')}" for key, value in query.items())
    return url


@require_http_methods(["GET", "POST"])
def membership_join(request: HttpRequest) -> HttpResponse:
    """The plans, what membership includes, the viewer's current membership. POST (signed
    in) opens Stripe Checkout for the chosen plan."""
    next_url = _next_url(request)
    offers = selectors.membership_plan_offers()
    context = {
        "offers": list(offers.values()),
        "annual_saving": max(0, offers["monthly"].amount * 12 - offers["annual"].amount),
        "summary": selectors.membership_summary(user=request.user),
        "next": next_url,
        "join_path": _join_url(next_url),
        "chosen": request.POST.get("plan") or request.GET.get("plan") or "",
        "attempt": uuid.uuid4(),
        "cancelled": request.GET.get("cancelled") == "1",
    }
    status = 200
    if context["cancelled"] and request.user.is_authenticated:
        memberships.membership_checkout_abandoned(user=request.user)
    if request.method == "POST":
        if not request.user.is_authenticated:
            login = reverse("account_login")
            return redirect(f"{login}?next={quote(_join_url(next_url), safe='')}")
        return_url = absolute_url(reverse("payments:membership_return"))
        return_url += "?session_id={CHECKOUT_SESSION_ID}"
        if next_url:
            return_url += f"&next={quote(next_url, safe='/')}"
        try:
            checkout_url = memberships.membership_checkout_start(
                user=request.user,
                plan=request.POST.get("plan", ""),
                attempt=request.POST.get("attempt", ""),
                success_url=return_url,
                cancel_url=absolute_url(_join_url(next_url, cancelled="1")),
            )
        except AlreadyMember as error:
            context["error"], status = str(error), 409
        except CheckoutAlreadyOpen as error:
            context["error"], context["continue_url"], status = str(error), error.url, 409
        except PaymentsError as error:
            context["error"], status = str(error), 400
        else:
            return redirect(checkout_url)
        context["summary"] = selectors.membership_summary(user=request.user)
    if context["chosen"] not in MembershipPlan.values:
        context["chosen"] = MembershipPlan.ANNUAL
    return render(request, "payments/membership_join.html", context, status=status)


@login_required
def membership_return(request: HttpRequest) -> HttpResponse:
    """Stripe's success URL: sync now, so the member watches at once."""
    try:
        membership = memberships.membership_checkout_return(
            user=request.user, checkout_session_id=request.GET.get("session_id", "")
        )
    except ConfirmationDelayed as delayed:
        messages.warning(request, str(delayed))
        return redirect(_join_url(_next_url(request)))
    summary = selectors.membership_summary(user=request.user)
    if summary.has_access:
        messages.success(
            request, _("Welcome to the membership! Every masterclass is yours to watch.")
        )
        return redirect(_next_url(request) or reverse("payments:membership_join"))
    if membership is not None:
        messages.warning(
            request,
            _(
                "Your payment is still being confirmed. Your access starts as soon as it is; "
                "we'll e-mail you if anything needs your attention."
            ),
        )
    else:
        messages.error(
            request, _("We could not find a completed membership payment. Nothing was charged.")
        )
    return redirect(_join_url(_next_url(request)))


@login_required
@require_http_methods(["GET", "POST"])
def membership_manage(request: HttpRequest) -> HttpResponse:
    """Open Stripe's Customer Portal (card, invoices, cancel or resume)."""
    return_url = absolute_url(reverse("accounts:dashboard"))
    try:
        portal_url = memberships.membership_portal_url(user=request.user, return_url=return_url)
    except PaymentsError as error:
        messages.error(request, str(error))
        return redirect("payments:membership_join")
    return redirect(portal_url)
