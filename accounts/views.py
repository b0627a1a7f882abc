from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cms.masterclasses import continue_watching
from courses.locators import masterclass_url
from courses.selectors import masterclasses_purchased

from .forms import ProfileForm


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
