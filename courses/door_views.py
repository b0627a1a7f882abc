"""The check-in app at the door: its JSON API, service worker and web manifest.

Thin: the door list is ``selectors.session_door_list``, syncing is
``services.check_in_actions_apply``. The API answers JSON 403s (not a login redirect) so
the device's script can tell "signed out" from "offline"; POSTs need the CSRF token.
"""

import hashlib
import json
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .errors import DoorBatchInvalid
from .models import Session
from .views import CHECK_IN_PERMISSION, NO_STORE

# A batch of 500 actions is well under this; anything bigger is refused unread.
MAX_SYNC_BODY_BYTES = 256 * 1024


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = NO_STORE
    return response


def door_api(view):
    """Signed in with the check-in permission, or a JSON 403 and nothing else."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return _json({"error": gettext("Sign in again to check attendees in.")}, 403)
        if not request.user.has_perm(CHECK_IN_PERMISSION):
            return _json(
                {"error": gettext("You do not have permission to check attendees in.")}, 403
            )
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@door_api
def door_attendees(request: HttpRequest, session_id: int) -> JsonResponse:
    """The session's door list, whole or (with ``?since=<cursor>``) only what changed."""
    session = get_object_or_404(Session, pk=session_id)
    since = None
    if raw := request.GET.get("since"):
        since = parse_datetime(raw)
        if since is None or since.tzinfo is None:
            return _json(
                {"error": gettext("“since” must be the cursor of an earlier answer.")}, 400
            )
    door = selectors.session_door_list(session=session, since=since)
    return _json(
        {
            "session": session.pk,
            "full": since is None,
            "cursor": door.cursor.isoformat(),
            "expires_at": door.expires_at.isoformat(),
            "counts": {
                "confirmed": door.counts.confirmed,
                "checked_in": door.counts.checked_in,
                "checked_out": door.counts.checked_out,
            },
            "attendees": door.attendees,
            "flags": door.flags,
        }
    )


@require_POST
@door_api
def door_sync(request: HttpRequest, session_id: int) -> JsonResponse:
    """Apply a device's queued actions; a replay answers the stored outcomes."""
    session = get_object_or_404(Session, pk=session_id)
    if len(request.body) > MAX_SYNC_BODY_BYTES:
        return _json(
            {"error": gettext("The batch is too large; send fewer actions at a time.")}, 400
        )
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _json({"error": gettext("The body is not JSON.")}, 400)
    try:
        actions = services.door_actions_parse(payload=payload)
        results = services.check_in_actions_apply(
            session=session, staff=request.user, actions=actions
        )
    except DoorBatchInvalid as error:
        return _json({"error": str(error)}, 400)
    return _json(
        {
            "results": [
                {
                    "id": result.client_id,
                    "registration": result.registration_id,
                    "outcome": result.outcome,
                    "message": result.message,
                }
                for result in results
            ]
        }
    )


@require_GET
def door_service_worker(request: HttpRequest) -> HttpResponse:
    """The check-in app's service worker, served under /staff/ so its scope covers the
    staff pages; a template so it names the hashed static files it keeps offline."""
    version = hashlib.sha256(static("js/checkin.js").encode()).hexdigest()[:12]
    # makemessages reads no .js template: the words of its offline page are made here.
    words = {
        "offline_title": gettext("Offline"),
        "offline_text": gettext(
            "This page was not opened on this device while online, so it is not available "
            "offline. Reconnect and open it once."
        ),
    }
    response = render(
        request,
        "courses/door_sw.js",
        {"version": version, **words},
        content_type="text/javascript",
    )
    response["Service-Worker-Allowed"] = "/staff/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def door_manifest(request: HttpRequest) -> HttpResponse:
    """The web manifest that makes the check-in pages installable from the home screen."""
    return render(
        request, "courses/door_manifest.webmanifest", content_type="application/manifest+json"
    )
