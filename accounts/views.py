from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from cms.masterclasses import continue_watching
from courses.locators import masterclass_url
from courses.selectors import masterclasses_purchased

from .forms import ProfileForm
from .selectors.mfa import user_must_set_up_mfa


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """My account: the hub later features (orders, tickets, videos) add sections to."""
    from payments import selectors as payments_selectors

    context = {
        "registrations": payments_selectors.upcoming_tickets_for_user(user=request.user),
        "orders": payments_selectors.orders_for_user(user=request.user)[:20],
        "continue_watching": continue_watching(user=request.user),
        "purchased_masterclasses": [
            (masterclass, masterclass_url(masterclass))
            for masterclass in masterclasses_purchased(user=request.user)
        ],
        "refunds": payments_selectors.refunds_for_user(user=request.user)[:10],
    }
    return render(request, "accounts/dashboard.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile has been saved.")
        return redirect("accounts:dashboard")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def mfa_required(request: HttpRequest) -> HttpResponse:
    """Why staff must add a second factor, with the way to do it. Once they have one, the
    page sends them on to where they were going."""
    from allauth.account.utils import get_next_redirect_url

    next_url = get_next_redirect_url(request) or reverse("accounts:dashboard")
    if not user_must_set_up_mfa(user=request.user):
        return redirect(next_url)
    return render(request, "accounts/mfa_required.html", {"next_url": next_url})


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def registration_cancel(request: HttpRequest, registration_id: int) -> HttpResponse:
    """Show exactly what cancelling gives back (and why) before confirming; POST cancels
    the seat and sends the refund. Only the registration's buyer gets here (404)."""
    from payments import selectors as payments_selectors
    from payments import services as payments_services
    from payments.errors import PaymentsError, QuoteChanged

    registration = payments_selectors.registration_for_canceller(
        registration_id=registration_id, user=request.user
    )
    quote = payments_selectors.registration_refund_quote(registration=registration)
    error, status = "", 200
    if request.method == "POST":
        try:
            result = payments_services.registration_cancel_with_refund(
                registration_id=registration.pk,
                requested_by=request.user,
                expected_amount=_int_or_none(request.POST.get("expected_amount")),
            )
        except QuoteChanged as changed:
            quote, error, status = changed.quote, str(changed), 409
        except PaymentsError as refused:
            quote = payments_selectors.registration_refund_quote(registration=registration)
            error, status = str(refused), 409
        else:
            text = f"{registration.attendee_name}'s registration is cancelled."
            if result.refund is not None:
                from courses.formatting import money_amount

                text += (
                    f" {money_amount(result.refund.amount, result.refund.currency)} is being "
                    "refunded to your original payment method."
                )
            messages.success(request, text)
            return redirect("accounts:dashboard")
    return render(
        request,
        "accounts/registration_cancel.html",
        {
            "registration": registration,
            "session": registration.session,
            "quote": quote,
            "error": error,
        },
        status=status,
    )
