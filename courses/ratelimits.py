"""Rate limits on the actions a script could repeat to hurt others: holding seats,
joining waiting lists, saving lesson progress.

Each action is counted twice, per signed-in user (or per address when signed out) and
per client address, with the rates in ``settings.RATE_LIMITS``. Counting is
django-ratelimit's, on the default cache: when the cache is unreachable the counts
cannot be kept and every request goes through (``RATELIMIT_FAIL_OPEN``; config/cache.py
logs the outage). A refused request raises ``Ratelimited``; its middleware hands it to
``too_many_requests``: a page people can read, or JSON for the progress API.
"""

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext, pgettext, pgettext_lazy

from django_ratelimit import UNSAFE
from django_ratelimit.decorators import ratelimit

RETRY_AFTER_SECONDS = 60
# What the refused person was doing, as in "you tried to %(doing)s too often".
ACTION_NAMES = {
    "seat_hold": pgettext_lazy("you tried to ___ too often", "hold seats"),
    "waitlist_join": pgettext_lazy("you tried to ___ too often", "join waiting lists"),
    "lesson_progress": pgettext_lazy("you tried to ___ too often", "save lesson progress"),
}


def client_ip(request: HttpRequest) -> str:
    """The client's address: the header our proxy sets (``CLIENT_IP_HEADER``) when
    there is one, else the connection's; an unreadable one counts as 0.0.0.0."""
    header = settings.CLIENT_IP_HEADER
    for candidate in (
        request.headers.get(header, "") if header else "",
        request.META.get("REMOTE_ADDR", ""),
    ):
        try:
            return str(ipaddress.ip_address(candidate.strip()))
        except ValueError:
            continue
    return "0.0.0.0"  # noqa: S104 (an address to count by, not one to bind to)


def _rate(action: str, per: str) -> Callable[[str, HttpRequest], str | None]:
    # Read on each request, so settings can be tuned (and tests can turn them on).
    return lambda group, request: settings.RATE_LIMITS.get(action, {}).get(per)


def rate_limited(action: str):
    """Limit POSTs to the view to ``settings.RATE_LIMITS[action]`` per user and per IP."""

    def decorator(view):
        for per, key in (("user", "user_or_ip"), ("ip", "ip")):
            view = ratelimit(
                group=f"{action}:{per}", key=key, rate=_rate(action, per), method=UNSAFE
            )(view)
        view.rate_limit_action = action
        return view

    return decorator


def too_many_requests(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 429 for a refused request (``RATELIMIT_VIEW``)."""
    match = getattr(request, "resolver_match", None)
    action = getattr(match.func, "rate_limit_action", "") if match else ""
    doing = ACTION_NAMES.get(action) or pgettext("you tried to ___ too often", "do this")
    wants_json = "application/json" in (
        request.headers.get("Content-Type", "") + request.headers.get("Accept", "")
    )
    if wants_json:
        response: HttpResponse = JsonResponse(
            {
                "error": gettext(
                    "Too many requests: you tried to %(doing)s too often. "
                    "Wait a minute, then try again."
                )
                % {"doing": doing},
                "retry_after": RETRY_AFTER_SECONDS,
            },
            status=429,
        )
    else:
        response = render(request, "429.html", {"doing": doing, "action": action}, status=429)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "private, no-store"
    return response
