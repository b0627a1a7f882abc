"""iCalendar (.ics) files for sessions, shared by the download view and e-mails."""

from django.conf import settings
from django.utils import timezone

from icalendar import Calendar, Event, vText

from .models import Session

PRODID = "-//PhysioMassage Academy//Workshops//EN"


def session_ics(*, session: Session, url: str = "") -> bytes:
    """One VEVENT (repeating daily for a multi-day session) in the venue's time zone (TZID plus a VTIMEZONE), so calendars show the
    local start time even when the attendee's device is elsewhere."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"session-{session.pk}@{settings.SITE_URL.split('://')[-1]}")
    event.add("dtstamp", timezone.now())
    start, end = session.local_starts_at, session.local_ends_at
    days = (end.date() - start.date()).days + 1
    if days > 1 and end.time() > start.time():
        # A multi-day workshop meets the same hours each day ("9:00 AM-5:00 PM each day"):
        # one event per day, not one event running through the nights.
        event.add("dtstart", start)
        event.add("dtend", start.replace(hour=end.hour, minute=end.minute, second=end.second))
        event.add("rrule", {"freq": "daily", "count": days})
    else:
        event.add("dtstart", start)
        event.add("dtend", end)
    event.add("summary", session.workshop.title)
    venue = session.venue
    location = ", ".join(
        part for part in [venue.name, venue.address.replace("\n", ", "), venue.city] if part
    )
    event["location"] = vText(location)
    description = [session.workshop.ce_title, f"{session.workshop.ce_hours} CE hours"]
    if venue.directions:
        description.append(venue.directions)
    if url:
        description.append(url)
        event.add("url", url)
    event.add("description", "\n".join(description))
    if session.is_cancelled:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
