"""Registration, order, ticket and webhook views: thin; the rules live in services."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from courses import selectors as courses_selectors
from courses.calendar import session_ics
from courses.errors import CoursesError, SessionFull, WaitlistOfferInvalid
from courses.links import absolute_url
from courses.locators import masterclass_url
from courses.models import Masterclass, Session, SessionStatus
from courses.ratelimits import rate_limited
from courses.services import SeatRequest
from courses.waitlist_links import waitlist_offer_read

from . import gateway, selectors, services, webhooks
from .emails import ticket_qr_svg
from .errors import AlreadyHasAccess, PaymentsError
from .forms import AttendeeFormSet, QuantityRefused, parse_quantities
from .models import OrderStatus
from .ticket_links import KEY_PARAM, order_link_is_valid, order_link_path, ticket_link_is_valid


def _session_context(session: Session, ticket_types, now, offer=None, seats_left=None) -> dict:
    quantities = courses_selectors.ticket_type_quantity_choices(
        session=session, now=now, offer=offer, seats_left=seats_left, ticket_types=ticket_types
    )
    shown = []
    for row in quantities.ticket_types:
        ticket_type = row.ticket_type
        ticket_type.available_now = row.on_sale
        ticket_type.left = row.left
        ticket_type.choices = row.choices
        shown.append(ticket_type)
    return {
        "session": session,
        "workshop": session.workshop,
        "ticket_types": shown,
        "seats_left": quantities.seats_left,
        "sold_out": quantities.sold_out,
        "registration_open": session.registration_is_open(now),
        "now": now,
        "offer": offer,
    }


def _waitlist_offer(request: HttpRequest, session: Session):
    """The open waiting-list offer ``?offer=`` stands for: (entry, problem to show)."""
    token = request.GET.get("offer", "")
    if not token:
        return None, ""
    try:
        entry = waitlist_offer_read(token=token, user=request.user, session_id=session.pk)
    except WaitlistOfferInvalid as error:
        return None, str(error)
    return entry, ""


@rate_limited("seat_hold")
def register(request: HttpRequest, session_id: int) -> HttpResponse:
    """Step 1 (no quantities): choose tickets. Step 2: sign in, then one attendee per seat.
    POST holds the seats and opens the order's payment step."""
    session, ticket_types = courses_selectors.session_with_ticket_types(session_id=session_id)
    if session is None or session.status == SessionStatus.CANCELLED:
        raise Http404  # a cancelled one as if it did not exist
    now = timezone.now()
    if request.GET.get("offer") and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())  # the offer is for one account
    seats_left = None
    if "offer" not in request.GET and session.registration_is_open(now):
        # Seats as last counted (at most seconds ago, forgotten by every change that
        # frees seats): what the steps show and offer, without a count per page.
        seats_left = courses_selectors.session_seats_left_hint(session_id=session.pk)
        if request.method == "POST" and request.user.is_authenticated and seats_left == 0:
            # In a rush most buyers land here, and they hear it without a count, the
            # ticket rules or the seat lock. Otherwise the form is checked against that
            # figure; the seats are counted live under the lock.
            return _sold_out(request, session, now, _("This session is sold out."))
    offer, offer_problem = _waitlist_offer(request, session)
    context = _session_context(session, ticket_types, now, offer, seats_left)
    context["offer_problem"] = offer_problem
    try:
        quantities = parse_quantities(request.GET, context["ticket_types"])
    except QuantityRefused as refused:
        context["error"] = str(refused)
        return render(request, "payments/register_tickets.html", context, status=400)
    if not quantities or not context["registration_open"]:
        if request.method == "GET" and not request.GET:
            services.funnel_count_record(workshop_id=session.workshop_id)
        if request.GET and not quantities and context["registration_open"]:
            context["error"] = _("Choose at least one ticket.")
        return render(request, "payments/register_tickets.html", context)

    by_id = {t.pk: t for t in context["ticket_types"]}
    context["quantities"] = [(by_id[pk], qty) for pk, qty in quantities.items()]
    context["total"] = sum(by_id[pk].price_amount * qty for pk, qty in quantities.items())
    context["currency"] = context["ticket_types"][0].currency
    context["seat_count"] = sum(quantities.values())
    if not request.user.is_authenticated:
        context["next"] = request.get_full_path()
        return render(request, "payments/register_sign_in.html", context)

    if request.method == "POST":
        if context["sold_out"]:
            # Sold out on the count just made: say so at once.
            return _sold_out(request, session, now, _("This session is sold out."), context)
        formset = AttendeeFormSet(request.POST)
        if any("ticket_type" in form.errors for form in formset):
            # The ticket is a hidden field: its error would otherwise show nowhere.
            context["error"] = _("A ticket in this form is not one this session offers.")
        if formset.is_valid():
            seat_requests = [
                SeatRequest(
                    ticket_type_id=form.cleaned_data["ticket_type"],
                    attendee_name=form.cleaned_data["attendee_name"],
                    attendee_email=form.cleaned_data["attendee_email"],
                    licence_number=form.cleaned_data["licence_number"],
                )
                for form in formset
            ]
            try:
                order = services.order_create(
                    buyer=request.user,
                    session_id=session.pk,
                    requests=seat_requests,
                    waitlist_entry_id=offer.pk if offer else None,
                )
            except SessionFull as error:
                context["error"] = str(error)
                if (
                    offer is None
                    and courses_selectors.session_seats_left_hint(session_id=session.pk) == 0
                ):
                    # Someone was quicker: a short page, not the whole form.
                    return _sold_out(request, session, now, str(error), context)
            except (CoursesError, PaymentsError) as error:
                context["error"] = str(error)
            else:
                if order.status == OrderStatus.PENDING:
                    order.session = session  # with its workshop and venue: no re-read
                    _start_checkout(request, order, created=True)
                else:
                    messages.success(request, _("You're booked. Your tickets are on their way."))
                return redirect(order)
    else:
        initial = []
        for ticket_type, quantity in context["quantities"]:
            initial += [{"ticket_type": ticket_type.pk}] * quantity
        user = request.user
        initial[0] |= {
            "attendee_name": user.full_name,
            "attendee_email": user.email,
            "licence_number": user.licence_number,
        }
        formset = AttendeeFormSet(initial=initial)
    for form in formset:
        form.ticket_type_obj = by_id.get(_int(form["ticket_type"].value()))
    context["formset"] = formset
    context["change_url"] = reverse("payments:register", kwargs={"session_id": session.pk})
    if offer is not None:
        context["change_url"] += "?" + urlencode({"offer": request.GET["offer"]})
    return render(request, "payments/register_attendees.html", context)


def _sold_out(request: HttpRequest, session: Session, now, error: str, context=None):
    """The short "we could not reserve these seats" page (with the waiting list)."""
    context = context or {"session": session, "workshop": session.workshop, "now": now}
    context["error"] = error
    return render(request, "payments/register_sold_out.html", context)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _start_checkout(request: HttpRequest, order, created: bool = False) -> None:
    """``created``: ``order`` is the one ``order_create`` just wrote (not read back)."""
    success = absolute_url(
        reverse("payments:checkout_return", kwargs={"reference": order.reference})
    )
    try:
        services.order_checkout_start(
            order_id=order.pk,
            success_url=success + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=absolute_url(order.get_absolute_url()),
            created=order if created else None,
        )
    except PaymentsError as error:
        messages.error(request, str(error))


@login_required
@require_http_methods(["GET", "POST"])
def masterclass_buy(request: HttpRequest, masterclass_id: int) -> HttpResponse:
    """Buy one masterclass outright. POST (the paywall's button) opens the checkout; GET is
    where a visitor lands after signing in: the same offer, one click from paying."""
    masterclass = get_object_or_404(Masterclass, pk=masterclass_id)
    context = {"masterclass": masterclass, "watch_url": masterclass_url(masterclass)}
    if request.method == "POST":
        try:
            order = services.masterclass_order_create(
                buyer=request.user, masterclass_id=masterclass.pk
            )
        except AlreadyHasAccess as error:
            messages.info(request, str(error))
            return redirect(context["watch_url"] or "accounts:dashboard")
        except PaymentsError as error:
            context["error"] = str(error)
            return render(request, "payments/masterclass_buy.html", context, status=400)
        _start_checkout(request, order)
        order.refresh_from_db()
        return redirect(order.stripe_checkout_url or order.get_absolute_url())
    if courses_selectors.user_can_watch_masterclass(user=request.user, masterclass=masterclass):
        messages.info(
            request,
            gettext("You can already watch %(masterclass)s.") % {"masterclass": masterclass.title},
        )
        return redirect(context["watch_url"] or "accounts:dashboard")
    if not masterclass.is_purchasable:
        context["error"] = _("This masterclass is not for sale on its own.")
    return render(request, "payments/masterclass_buy.html", context)


def _signed_order_key(request: HttpRequest, reference) -> str:
    """The ``?key=`` of a signed order link (a phone booking's e-mails), if valid."""
    key = request.GET.get(KEY_PARAM, "")
    return key if order_link_is_valid(reference=reference, key=key) else ""


def order_detail(request: HttpRequest, reference) -> HttpResponse:
    signed_key = _signed_order_key(request, reference)
    if not signed_key and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    order = selectors.order_for_viewer(
        reference=reference, user=request.user, signed_link=bool(signed_key)
    )
    dispute = selectors.order_dispute(order=order)
    state = selectors.order_display_state(order=order, dispute=dispute)
    if order.masterclass_id is not None:
        return render(
            request,
            "payments/order_masterclass.html",
            {
                "order": order,
                "masterclass": order.masterclass,
                "watch_url": masterclass_url(order.masterclass),
                "state": state,
                "dispute": dispute,
            },
        )
    return render(
        request,
        "payments/order_detail.html",
        {
            "order": order,
            "session": order.session,
            "lines": order.lines.all(),
            "state": state,
            "dispute": dispute,
            "signed_key": signed_key,
        },
    )


@login_required
@require_POST
def order_pay(request: HttpRequest, reference) -> HttpResponse:
    """The "Pay" button: go to Stripe Checkout (creating the session if an earlier
    attempt failed; the idempotency key makes that safe)."""
    order = selectors.order_for_viewer(reference=reference, user=request.user)
    if order.stripe_checkout_url and order.hold_is_active:
        return redirect(order.stripe_checkout_url)
    if not order.hold_is_active:
        messages.error(request, _("This order is no longer awaiting payment."))
        return redirect(order)
    _start_checkout(request, order)
    order.refresh_from_db()
    if order.stripe_checkout_url:
        return redirect(order.stripe_checkout_url)
    return redirect(order)


def checkout_return(request: HttpRequest, reference) -> HttpResponse:
    """Stripe's success URL: fulfil now through the same service as the webhook. A phone
    booking's link returns here signed, for a buyer who may not be signed in."""
    signed_key = _signed_order_key(request, reference)
    if not signed_key and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    order = selectors.order_for_viewer(
        reference=reference, user=request.user, signed_link=bool(signed_key)
    )
    order = services.checkout_fulfil_on_return(order=order)
    if order.status == OrderStatus.PAID and order.masterclass_id is not None:
        messages.success(request, _("Payment received. The masterclass is yours: enjoy watching!"))
    elif order.status == OrderStatus.PAID:
        messages.success(request, _("Payment received. You're booked!"))
    if signed_key:
        return redirect(order_link_path(reference=order.reference))
    return redirect(order)


def ticket_detail(request: HttpRequest, code: str) -> HttpResponse:
    signed = ticket_link_is_valid(code=code, key=request.GET.get(KEY_PARAM, ""))
    if not signed and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    ticket = selectors.ticket_for_viewer(code=code, user=request.user, signed_link=signed)
    return render(
        request,
        "payments/ticket_detail.html",
        {"ticket": ticket, "session": ticket.session, "qr_svg": ticket_qr_svg(ticket.code)},
    )


def ticket_ics(request: HttpRequest, code: str) -> HttpResponse:
    signed = ticket_link_is_valid(code=code, key=request.GET.get(KEY_PARAM, ""))
    if not signed and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    ticket = selectors.ticket_for_viewer(code=code, user=request.user, signed_link=signed)
    url = absolute_url(reverse("payments:ticket", kwargs={"code": code}))
    response = HttpResponse(
        session_ics(session=ticket.session, url=url), content_type="text/calendar"
    )
    response["Content-Disposition"] = 'attachment; filename="workshop.ics"'
    return response


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Verify on the raw body, store the event once, process it in a task after commit."""
    try:
        event = gateway.event_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except gateway.SignatureError:
        return HttpResponseBadRequest("Invalid Stripe signature.")
    except gateway.EventMalformed:
        return HttpResponseBadRequest("Not a Stripe event.")
    webhooks.stripe_event_record(event=event)
    return HttpResponse("ok")
