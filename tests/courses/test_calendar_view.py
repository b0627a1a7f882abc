import datetime
import zoneinfo

from django.urls import reverse

import pytest
from icalendar import Calendar

from courses.models import Session
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def test_ics_download_is_in_the_venue_time_zone(client):
    session = SessionFactory(
        starts_at=datetime.datetime(2027, 2, 21, 9, 0, tzinfo=LA),
        ends_at=datetime.datetime(2027, 2, 22, 17, 0, tzinfo=LA),
        workshop__title="PhysioMassage Training",
    )
    url = reverse("courses:session_calendar", kwargs={"session_id": session.pk})
    response = client.get(url, {"from": "/workshops/physiomassage-training/"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.ics"')
    text = response.content.decode()
    assert "DTSTART;TZID=America/Los_Angeles:20270221T090000" in text
    # Two days of 9:00-17:00, not one 32-hour event.
    assert "DTEND;TZID=America/Los_Angeles:20270221T170000" in text
    assert "RRULE:FREQ=DAILY;COUNT=2" in text
    assert "BEGIN:VTIMEZONE" in text
    event = next(c for c in Calendar.from_ical(response.content).walk("VEVENT"))
    assert str(event["summary"]) == "PhysioMassage Training"
    assert "Wilshire Training Studio" in str(event["location"])
    assert str(event["url"]) == "http://testserver/workshops/physiomassage-training/"


def test_ics_ignores_offsite_return_urls(client):
    session = SessionFactory()
    url = reverse("courses:session_calendar", kwargs={"session_id": session.pk})
    text = client.get(url, {"from": "//evil.example/"}).content.decode()
    assert "evil.example" not in text


def test_unknown_session_is_a_404_and_changes_nothing(client):
    count = Session.objects.count()
    assert client.get("/workshops/sessions/999999/calendar.ics").status_code == 404
    assert client.get("/workshops/sessions/abc/calendar.ics").status_code == 404
    assert client.post("/workshops/sessions/1/calendar.ics").status_code == 405
    assert Session.objects.count() == count
