"""Waiting-list panels, self-contained so the pages that show them (workshop page,
checkout, My account) need no view changes."""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from courses import selectors
from courses.forms import WaitlistJoinForm
from courses.models import Session, WaitlistStatus
from courses.waitlist_links import waitlist_offer_checkout_url

register = template.Library()


def waitlist_form_prefix(session_id: int) -> str:
    """Several sessions share one workshop page: each join form gets its own ids."""
    return f"waitlist-{session_id}"


def _entry_state(entry, now) -> None:
    """Set what the templates show for one active entry."""
    if entry.status == WaitlistStatus.OFFERED:
        entry.offer_url = waitlist_offer_checkout_url(entry=entry, absolute=False)
        entry.local_deadline = timezone.localtime(entry.offer_expires_at, entry.session.tz)
    elif not hasattr(entry, "position"):
        entry.position = selectors.waitlist_position(entry=entry)


@register.simple_tag(takes_context=True)
def waitlist_panel(
    context, session: Session, sold_out: bool = True, form: WaitlistJoinForm | None = None
) -> str:
    """Join the waiting list (signed in), sign in to join (anonymous), or the viewer's
    place in line / open offer. Nothing at all, without rendering a template, when there
    is nothing to say (most sessions: not sold out, no entry)."""
    request = context["request"]
    user = request.user
    now = timezone.now()
    # One query per page for the viewer's entries, however many sessions show a panel.
    if not hasattr(request, "_waitlist_active_entries"):
        request._waitlist_active_entries = selectors.user_active_waitlist_entries(user=user)
    entry = request._waitlist_active_entries.get(session.pk)
    if (
        entry is not None
        and entry.status == WaitlistStatus.OFFERED
        and not entry.offer_is_open(now)
    ):
        entry = None  # lapsed: the beat job is about to move the list on
    show_join = sold_out and entry is None and session.registration_is_open(now)
    if entry is None and not show_join:
        return ""
    if entry is not None:
        entry.session = session
        _entry_state(entry, now)
    join_url = reverse("courses:waitlist_join", kwargs={"session_id": session.pk})
    if show_join and user.is_authenticated and form is None:
        form = WaitlistJoinForm(
            session=session,
            seat_limit=selectors.waitlist_seat_limit(session=session),
            prefix=waitlist_form_prefix(session.pk),
        )
    panel = context.template.engine.get_template("courses/includes/waitlist_panel.html")
    return panel.render(
        context.new(
            {
                "request": request,
                "user": user,
                "session": session,
                "entry": entry,
                "show_join": show_join,
                "form": form,
                "join_url": join_url,
                "login_url": f"{reverse('account_login')}?next={join_url}",
                "offer_hours": settings.WAITLIST_OFFER_HOURS,
                "back_url": request.get_full_path(),
                "csrf_token": context.get("csrf_token"),
            }
        )
    )


@register.inclusion_tag("courses/includes/account_waitlist.html", takes_context=True)
def account_waitlist(context) -> dict:
    """My account: open offers ("complete your purchase") and places in line."""
    request = context["request"]
    now = timezone.now()
    entries = selectors.user_waitlist_entries(user=request.user, now=now)
    for entry in entries:
        _entry_state(entry, now)
    return {
        "entries": entries,
        "back_url": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
