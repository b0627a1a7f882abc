"""The checkout rush's losers answered before sessions, auth, CSRF and messages.

In a rush most buyers press "Reserve" after the last seat went. A refusal changes
nothing, so it needs no session, no user, no CSRF check and no lock: when the remembered
seats figure (``courses.selectors.session_seats_left_hint``: Redis, two seconds, forgotten
by every path that frees seats) says 0 for a registration POST, this middleware answers
the short sold-out page at once. The page names the session and links to its waiting
list; it carries nothing of the person, so it is rendered once per session, host and
content version and kept for ``PAGE_CACHE_SECONDS`` per process. A missing figure, any
other number, a waiting-list offer (``?offer=``), a closed or cancelled session: the
request goes on to the view, which counts (and grants only under the session lock).

The per-address rate limit on holding seats is counted here as in the view (the same
counter); the per-person one needs the person, whom this path does not load: a
sold-out refusal is cheaper than the 429 page that limit would send.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext

from django_ratelimit import UNSAFE
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from cms.content_version import CONTENT_VERSION_KEY, content_version
from config.kept import Kept
from courses import selectors as courses_selectors
from courses.models import Session, SessionStatus
from courses.ratelimits import too_many_requests

# (session id, host, signed-in chrome, content version) -> the page's bytes.
_pages = Kept(size=256)


class SoldOutFastPathMiddleware:
    """Place right after the anonymous page cache, before sessions and auth."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session_id = _register_post_session_id(request)
        if session_id is None:
            return self.get_response(request)
        # One cache round trip: the remembered figure (never counted here: a missing one
        # is the view's to count) and the content version the kept page is keyed on.
        hint_key = courses_selectors.seats_hint_key(session_id)
        kept = cache.get_many([hint_key, CONTENT_VERSION_KEY])
        if kept.get(hint_key) != 0:
            return self.get_response(request)
        version = kept.get(CONTENT_VERSION_KEY) or content_version()
        if version is None:  # the cache cannot say which content is current
            return self.get_response(request)
        content = _sold_out_page(request, session_id, version)
        if content is None:
            return self.get_response(request)
        if _address_limited(request):
            return too_many_requests(request, Ratelimited())
        response = HttpResponse(content)
        # What XFrameOptions and the session middleware would have said.
        response["X-Frame-Options"] = "DENY"
        response["Cache-Control"] = "private, no-store"
        response["Vary"] = "Cookie"
        return response


def _register_post_session_id(request: HttpRequest) -> int | None:
    """The session of a POST to the register view without a waiting-list offer."""
    if request.method != "POST" or "offer" in request.GET:
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name != "payments:register":
        return None
    request.resolver_match = match  # the 429 page names the action from it
    return match.kwargs["session_id"]


def _address_limited(request: HttpRequest) -> bool:
    rate = settings.RATE_LIMITS.get("seat_hold", {}).get("ip")
    if not rate or not getattr(settings, "RATELIMIT_ENABLE", True):
        return False
    return is_ratelimited(
        request, group="seat_hold:ip", key="ip", rate=rate, method=UNSAFE, increment=True
    )


def _sold_out_page(request: HttpRequest, session_id: int, version: str) -> bytes | None:
    """The page's bytes, or None when the view must answer (no such open session)."""
    # A session cookie: most likely signed in, so the header offers "My account" (a link
    # every visitor may follow) rather than "Log in"; nothing of the person is shown.
    signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES
    key = (session_id, request.get_host(), signed_in, version)
    now = time.monotonic()
    kept = _pages.get(key, now)
    if kept is not None:
        return kept
    session = (
        Session.objects.select_related("workshop", "venue")
        .exclude(status=SessionStatus.CANCELLED)
        .filter(pk=session_id)
        .first()
    )
    at = timezone.now()
    if session is None or not session.registration_is_open(at):
        return None
    context = {
        "session": session,
        "workshop": session.workshop,
        "now": at,
        "error": gettext("This session is sold out."),
        "signed_in_chrome": signed_in,
    }
    content = render_to_string("payments/register_sold_out.html", context, request=request)
    # Never kept past the moment registration closes: then the view says so instead.
    seconds = getattr(settings, "PAGE_CACHE_SECONDS", 5)
    closes_in = (session.effective_registration_closes_at - at).total_seconds()
    return _pages.put(key, content.encode(), until=now + min(seconds, closes_in))


def sold_out_pages_forget() -> None:
    """Tests: start from no kept pages."""
    _pages.clear()
