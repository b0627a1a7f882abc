from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cms.masterclasses import continue_watching

from .forms import ProfileForm


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """My account: the hub later features (orders, tickets, videos) add sections to."""
    return render(
        request,
        "accounts/dashboard.html",
        {"continue_watching": continue_watching(user=request.user)},
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile has been saved.")
        return redirect("accounts:dashboard")
    return render(request, "accounts/profile.html", {"form": form})
