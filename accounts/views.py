from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from allauth.account.views import LogoutView as AllauthLogoutView

from cms.masterclasses import continue_watching
from courses.locators import masterclass_url
from courses.selectors import masterclasses_purchased, user_certificates
from courses.selectors.home_study import ce_hours_by_period

from .forms import AccountDeleteForm, ProfileForm
from .models import RETENTION_REASON
from .selectors.dashboard import account_sections
from .selectors.mfa import user_must_set_up_mfa
from .selectors.privacy import user_data_export, user_pending_deletion
from .services.devices import DeviceIsCurrent, DeviceNotFound
from .services.devices import device_sign_out as end_device_session
from .services.privacy import (
    DeletionAlreadyRequested,
    account_deletion_cancel,
    account_deletion_request,
)

_allauth_logout = AllauthLogoutView.as_view()


def logout(request: HttpRequest) -> HttpResponse:
    """allauth's sign-out, plus ``Clear-Site-Data`` once it signed someone out: the browser
    then drops this site's caches, IndexedDB and service worker, so the check-in app's
    offline attendee list does not outlive the staff member's sign-in on a shared phone."""
    was_signed_in = request.user.is_authenticated
    response = _allauth_logout(request)
    if request.method == "POST" and was_signed_in and not request.user.is_authenticated:
        response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """My account: each section read only if ``account_sections`` found rows for it."""
    from payments import selectors as payments_selectors

    user = request.user
    has = account_sections(user=user)
    context = {
        "has": has,
        "registrations": (
            list(payments_selectors.upcoming_tickets_for_user(user=user)) if has.tickets else []
        ),
        "orders": payments_selectors.orders_for_account(user=user) if has.orders else [],
        "continue_watching": continue_watching(user=user) if has.progress else [],
        "purchased_masterclasses": [
            (masterclass, masterclass_url(masterclass))
            for masterclass in (masterclasses_purchased(user=user) if has.grants else [])
        ],
        "refunds": payments_selectors.refunds_for_user(user=user)[:10] if has.refunds else [],
    }
    return render(request, "accounts/dashboard.html", context)


@login_required
def ce_transcript(request: HttpRequest) -> HttpResponse:
    """Every current CE certificate (workshops and home study) with hours per calendar
    year, printable for a license renewal."""
    certificates = list(user_certificates(user=request.user))
    return render(
        request,
        "accounts/ce_transcript.html",
        {
            "certificates": certificates,
            "periods": ce_hours_by_period(certificates=certificates),
            "printed_on": timezone.localdate(),
        },
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile has been saved."))
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


def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice: what we collect, why, for how long, and the person's rights."""
    return render(
        request,
        "accounts/privacy.html",
        {
            "cooling_off_days": settings.ACCOUNT_DELETION_COOLING_OFF_DAYS,
            "retention_reason": RETENTION_REASON,
        },
    )


@login_required
def device_sign_out(request: HttpRequest, device_pk: int) -> HttpResponse:
    """Sign out of one other device from the Devices page (allauth's page ends all others)."""
    if request.method != "POST":
        return redirect("usersessions_list")
    try:
        end_device_session(
            user=request.user, device_pk=device_pk, current_session_key=request.session.session_key
        )
    except (DeviceNotFound, DeviceIsCurrent) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("That device is signed out. It will need your password again."))
    return redirect("usersessions_list")


@login_required
def your_data(request: HttpRequest) -> HttpResponse:
    """Everything we hold about the person, readable, with the JSON download and the way
    to delete the account."""
    return render(
        request,
        "accounts/your_data.html",
        {
            "data": user_data_export(user=request.user),
            "pending_deletion": user_pending_deletion(user=request.user),
            "cooling_off_days": settings.ACCOUNT_DELETION_COOLING_OFF_DAYS,
            "retention_reason": RETENTION_REASON,
        },
    )


@login_required
def your_data_json(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(user_data_export(user=request.user), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="physiomassage-your-data.json"'
    return response


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Confirm with the password to schedule deletion; or cancel a scheduled one."""
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and request.POST.get("action") == "cancel":
        if account_deletion_cancel(user=request.user):
            messages.success(request, _("Your account will not be deleted."))
        return redirect("accounts:your_data")
    if request.method == "POST" and form.is_valid():
        try:
            deletion = account_deletion_request(user=request.user)
        except DeletionAlreadyRequested as already:
            messages.info(request, str(already))
        else:
            messages.success(
                request,
                gettext(
                    "Your account will be deleted on %(date)s. "
                    "Until then you can sign in and cancel."
                )
                % {"date": date_format(deletion.due_at, "F j, Y")},
            )
        return redirect("accounts:your_data")
    return render(
        request,
        "accounts/account_delete.html",
        {
            "form": form,
            "cooling_off_days": settings.ACCOUNT_DELETION_COOLING_OFF_DAYS,
            "retention_reason": RETENTION_REASON,
        },
    )


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
            values = {"name": registration.attendee_name}
            text = gettext("%(name)s's registration is canceled.")
            if result.refund is not None:
                from courses.formatting import money_amount

                values["amount"] = money_amount(result.refund.amount, result.refund.currency)
                text = gettext(
                    "%(name)s's registration is canceled. %(amount)s is being "
                    "refunded to your original payment method."
                )
            messages.success(request, text % values)
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
