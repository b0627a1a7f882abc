"""Waiting-list pages: thin; the rules live in ``services`` (``waitlist_*``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from . import selectors, services
from .errors import WaitlistError
from .forms import WaitlistJoinForm
from .models import Session, WaitlistEntry, WaitlistStatus
from .ratelimits import rate_limited
from .templatetags.waitlist_tags import waitlist_form_prefix
from .views import staff_required


def _session(session_id: int) -> Session:
    return get_object_or_404(Session.objects.select_related("workshop", "venue"), pk=session_id)


def _safe_next(request: HttpRequest, default: str) -> str:
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


@rate_limited("waitlist_join")
def waitlist_join(request: HttpRequest, session_id: int) -> HttpResponse:
    """GET: the session's waiting list as the viewer sees it (join, their place in line,
    or "sign in to join"). POST: join, then show their place (the confirmation)."""
    session = _session(session_id)
    form = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        form = WaitlistJoinForm(
            request.POST,
            session=session,
            seat_limit=selectors.waitlist_seat_limit(session=session),
            prefix=waitlist_form_prefix(session.pk),
        )
        if form.is_valid():
            ticket_type = form.cleaned_data["ticket_type"]
            try:
                entry = services.waitlist_join(
                    session_id=session.pk,
                    user=request.user,
                    seats=form.cleaned_data["seats"],
                    ticket_type_id=ticket_type.pk if ticket_type else None,
                )
            except WaitlistError as error:
                form.add_error(None, str(error))
            else:
                position = selectors.waitlist_position(entry=entry)
                messages.success(
                    request,
                    gettext("You're on the waiting list: number %(position)s in line.")
                    % {"position": position},
                )
                return redirect("courses:waitlist_join", session_id=session.pk)
    availability = selectors.session_seat_counts(session=session)
    return render(
        request,
        "courses/waitlist.html",
        {
            "session": session,
            "availability": availability,
            "form": form,
            "registration_open": session.registration_is_open(),
            "register_url": reverse("payments:register", kwargs={"session_id": session.pk}),
        },
    )


@require_POST
@login_required
def waitlist_leave(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        entry = services.waitlist_leave(entry_id=entry_id, user=request.user)
    except WaitlistError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("You have left the waiting list for %(workshop)s.")
            % {"workshop": entry.session.workshop.title},
        )
    return redirect(_safe_next(request, reverse("accounts:dashboard")))


# --- Event staff ----------------------------------------------------------------------


@staff_required
def staff_waitlist(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(session_id)
    entries = list(selectors.session_waitlist(session=session))
    position = 0
    for entry in entries:
        if entry.status == WaitlistStatus.WAITING:
            position += 1
            entry.position = position
    return render(
        request,
        "courses/staff_waitlist.html",
        {
            "session": session,
            "entries": entries,
            "waiting_count": position,
            "availability": selectors.session_seat_counts(session=session),
            "history": selectors.session_waitlist_history(session=session),
        },
    )


def _staff_entry(session_id: int, entry_id: int) -> WaitlistEntry:
    return get_object_or_404(WaitlistEntry, pk=entry_id, session_id=session_id)


def _back_to_staff_waitlist(session_id: int) -> HttpResponse:
    return redirect(reverse("courses:staff_waitlist", args=[session_id]) + "#queue")


@require_POST
@staff_required
def staff_waitlist_move(request: HttpRequest, session_id: int, entry_id: int) -> HttpResponse:
    entry = _staff_entry(session_id, entry_id)
    direction = request.POST.get("direction", "")
    try:
        services.waitlist_move(entry_id=entry.pk, direction=direction)
    except WaitlistError as error:
        messages.error(request, str(error))
    else:
        text = (
            gettext("%(person)s moved up.")
            if direction == "up"
            else gettext("%(person)s moved down.")
        )
        messages.success(request, text % {"person": entry.user})
    return _back_to_staff_waitlist(session_id)


@require_POST
@staff_required
def staff_waitlist_remove(request: HttpRequest, session_id: int, entry_id: int) -> HttpResponse:
    entry = _staff_entry(session_id, entry_id)
    try:
        services.waitlist_remove(entry_id=entry.pk)
    except WaitlistError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("%(person)s was removed from the waiting list.") % {"person": entry.user},
        )
    return _back_to_staff_waitlist(session_id)
