from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from .calendar import session_ics
from .models import Session


@require_GET
def session_calendar(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session as an .ics file for the attendee's calendar (local time with TZID)."""
    session = get_object_or_404(Session.objects.select_related("workshop", "venue"), pk=session_id)
    referer_url = request.GET.get("from", "")
    url = referer_url if referer_url.startswith("/") and not referer_url.startswith("//") else ""
    body = session_ics(session=session, url=request.build_absolute_uri(url) if url else "")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    filename = f"workshop-{session.local_starts_at:%Y-%m-%d}-{session.pk}.ics"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
