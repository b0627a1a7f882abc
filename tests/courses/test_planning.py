"""Editors run a workshop again, see every session on a calendar and what's next on the
dashboard; the admin never loads anything from another host."""

import datetime
import re
import zoneinfo

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from courses import services
from courses.errors import SessionInvalid
from courses.models import Session, SessionStatus, TicketType
from tests.factories import (
    InstructorFactory,
    RegistrationFactory,
    SessionFactory,
    TicketTypeFactory,
    UserFactory,
    WaitlistEntryFactory,
)

pytestmark = pytest.mark.django_db
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LA)


@pytest.fixture
def source():
    """A two-day LA session in March with an early bird ending six weeks before."""
    session = SessionFactory(
        starts_at=local(2026, 3, 14, 9), ends_at=local(2026, 3, 15, 17), capacity=20
    )
    session.instructors.add(InstructorFactory(name="Dana Reyes"))
    TicketTypeFactory(
        session=session, name="Early bird", price_amount=29900, sales_end=local(2026, 1, 31, 23, 59)
    )
    TicketTypeFactory(session=session, name="Standard", price_amount=34900, quantity_limit=15)
    return session


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_schedule_again_shifts_every_date_in_local_time(source):
    # 14 March -> 7 November: across the end of daylight saving time.
    new = services.NewDate(
        starts_on=datetime.date(2027, 11, 6), starts_at_time=datetime.time(9), capacity=16
    )
    [copy] = services.session_schedule_again(source=source, new_dates=[new])
    assert copy.local_starts_at == local(2027, 11, 6, 9)
    assert copy.local_ends_at == local(2027, 11, 7, 17)
    assert copy.capacity == 16 and copy.status == SessionStatus.SCHEDULED
    assert [i.name for i in copy.instructors.all()] == ["Dana Reyes"]
    early, standard = copy.ticket_types.order_by("price_amount")
    # 31 Jan is 6 weeks before 14 March; 6 weeks before 6 November is 25 September.
    assert timezone.localtime(early.sales_end, LA) == local(2027, 9, 25, 23, 59)
    assert (early.name, early.price_amount) == ("Early bird", 29900)
    assert standard.quantity_limit == 15 and standard.sales_end is None


def test_several_dates_are_all_or_nothing(source):
    good = services.NewDate(
        starts_on=datetime.date(2027, 5, 1), starts_at_time=datetime.time(9), capacity=20
    )
    too_small = services.NewDate(
        starts_on=datetime.date(2027, 6, 5), starts_at_time=datetime.time(9), capacity=10
    )
    before = (Session.objects.count(), TicketType.objects.count())
    with pytest.raises(SessionInvalid) as raised:
        services.session_schedule_again(source=source, new_dates=[good, too_small])
    # The Standard ticket's own limit (15) is above the capacity of 10.
    assert "June 5, 2027" in str(raised.value) and "capacity of 10" in str(raised.value)
    assert (Session.objects.count(), TicketType.objects.count()) == before


def test_past_and_duplicate_dates_are_refused(source):
    past = services.NewDate(
        starts_on=datetime.date(2020, 1, 4), starts_at_time=datetime.time(9), capacity=20
    )
    same = services.NewDate(
        starts_on=datetime.date(2026, 3, 14), starts_at_time=datetime.time(9), capacity=20
    )
    with pytest.raises(SessionInvalid, match="in the past"):
        services.session_schedule_again(source=source, new_dates=[past])
    with pytest.raises(SessionInvalid, match="already has a session"):
        services.session_schedule_again(source=source, new_dates=[same], now=local(2026, 1, 1, 0))
    with pytest.raises(SessionInvalid, match="at least one"):
        services.session_schedule_again(source=source, new_dates=[])


def _form(source, rows, **extra):
    data = {
        "venue": source.venue_id,
        "dates-TOTAL_FORMS": len(rows),
        "dates-INITIAL_FORMS": 0,
        "dates-MIN_NUM_FORMS": 0,
        "dates-MAX_NUM_FORMS": 24,
    }
    for i, (day, capacity) in enumerate(rows):
        data[f"dates-{i}-starts_on"] = day
        data[f"dates-{i}-starts_at_time"] = "09:00"
        data[f"dates-{i}-capacity"] = capacity
    data.update(extra)
    return data


def test_the_form_schedules_three_dates_and_skips_blank_rows(admin_client, source):
    url = reverse("courses_schedule_again", args=[source.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "Early bird" in page.text and "6 weeks before the start" in page.text
    rows = [("2027-04-03", 20), ("2027-05-01", 30), ("", 20), ("2027-06-05", 20)]
    response = admin_client.post(url, _form(source, rows))
    assert response.status_code == 302
    assert response["Location"].endswith("month=2027-04")
    copies = Session.objects.filter(workshop=source.workshop).exclude(pk=source.pk)
    assert sorted((s.local_starts_at.date().isoformat(), s.capacity) for s in copies) == [
        ("2027-04-03", 20),
        ("2027-05-01", 30),
        ("2027-06-05", 20),
    ]


def test_the_form_shows_what_is_wrong_and_creates_nothing(admin_client, source):
    url = reverse("courses_schedule_again", args=[source.pk])
    rows = [("2027-04-03", 20), ("2027-05-01", 8)]
    response = admin_client.post(url, _form(source, rows))
    assert response.status_code == 400
    assert "Nothing was scheduled" in response.text
    assert "capacity of 8" in response.text
    assert Session.objects.count() == 1
    bad = admin_client.post(url, _form(source, [("not a date", "-1")]))
    assert bad.status_code == 400 and Session.objects.count() == 1


def test_schedule_again_needs_the_add_session_permission(client, source):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    url = reverse("courses_schedule_again", args=[source.pk])
    assert client.get(url).status_code in (302, 403)
    assert client.post(url, _form(source, [("2027-04-03", 20)])).status_code in (302, 403)
    assert Session.objects.count() == 1


def _many_sessions(count: int, month_start: datetime.datetime) -> None:
    sessions = SessionFactory.create_batch(
        count,
        starts_at=month_start + datetime.timedelta(days=3),
        ends_at=month_start + datetime.timedelta(days=3, hours=8),
    )
    for session in sessions[:5]:
        RegistrationFactory(ticket_type=TicketTypeFactory(session=session))
        WaitlistEntryFactory(session=session, seats=2)


def test_calendar_shows_sessions_with_a_fixed_number_of_queries(admin_client):
    start = timezone.now().replace(day=1, hour=12) + datetime.timedelta(days=40)
    start = start.replace(day=1)
    url = reverse("courses_session_calendar") + f"?month={start:%Y-%m}"
    _many_sessions(3, start)
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        page = admin_client.get(url)
    assert page.status_code == 200
    _many_sessions(1000, start)
    admin_client.get(url)  # per-process caches (site, menus) refill after writes
    with CaptureQueriesContext(connection) as many:
        page = admin_client.get(url)
    assert page.status_code == 200
    assert len(many) == len(few)
    assert page.text.count("planning__session-title") == 2 * 1003


def test_calendar_filters_and_bad_month(admin_client, source):
    other = SessionFactory(starts_at=local(2026, 3, 20, 9), ends_at=local(2026, 3, 20, 17))
    url = reverse("courses_session_calendar")
    page = admin_client.get(url, {"month": "2026-03", "workshop": other.workshop_id})
    assert other.workshop.title in page.text
    assert source.workshop.title not in page.text.split("planning__grid")[1]
    page = admin_client.get(url, {"month": "2026-13"})
    assert page.status_code == 200 and "is not a month" in page.text


def _calendar_cells(page_text: str) -> dict[int, str]:
    """The grid's cells of the month shown, by day of the month."""
    grid = page_text.split('class="planning__grid"')[1].split("</table>")[0]
    cells = re.findall(
        r'<td class="(?!planning__other)[^"]*">\s*<span class="planning__day">(\d+)</span>(.*?)</td>',
        grid,
        re.S,
    )
    return {int(day): body for day, body in cells}


def test_a_multi_day_session_spans_every_day_it_covers_in_the_calendar(admin_client):
    # Friday 9 AM to Sunday 5 PM in Los Angeles, across the end of January.
    three_days = SessionFactory(starts_at=local(2027, 1, 29, 9), ends_at=local(2027, 1, 31, 17))
    # 7 PM to 11 PM LA is past midnight UTC, and ending at midnight reaches no next day.
    evening = SessionFactory(starts_at=local(2027, 1, 12, 19), ends_at=local(2027, 1, 13, 0))
    # Starts on the last day of December, ends on New Year's Day: January shows it too.
    new_year = SessionFactory(starts_at=local(2026, 12, 31, 9), ends_at=local(2027, 1, 1, 17))
    url = reverse("courses_session_calendar")
    cells = _calendar_cells(admin_client.get(url, {"month": "2027-01"}).text)
    title = three_days.workshop.title
    assert [day for day, body in cells.items() if title in body] == [29, 30, 31]
    assert "Day 2 of 3" in cells[30] and "Day 3 of 3" in cells[31]
    assert [day for day, body in cells.items() if evening.workshop.title in body] == [12]
    assert [day for day, body in cells.items() if new_year.workshop.title in body] == [1]
    assert "Day 2 of 2" in cells[1]
    phone_list = admin_client.get(url, {"month": "2027-01"}).text.split("planning__list")[1]
    assert new_year.workshop.title in phone_list  # listed in both months it covers


def test_dashboard_answers_whats_next_with_a_fixed_number_of_queries(admin_client):
    soon = timezone.now() + datetime.timedelta(days=10)
    SessionFactory.create_batch(3, starts_at=soon, ends_at=soon + datetime.timedelta(hours=8))
    admin_client.get(reverse("wagtailadmin_home"))
    with CaptureQueriesContext(connection) as few:
        page = admin_client.get(reverse("wagtailadmin_home"))
    assert "0 of 20 sold" in page.text
    SessionFactory.create_batch(1000, starts_at=soon, ends_at=soon + datetime.timedelta(hours=8))
    admin_client.get(reverse("wagtailadmin_home"))  # caches refill after writes
    with CaptureQueriesContext(connection) as many:
        page = admin_client.get(reverse("wagtailadmin_home"))
    assert len(many) == len(few)
    assert "More sessions in the calendar" in page.text


def test_dashboard_panels_follow_permissions(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    page = client.get(reverse("wagtailadmin_home"))
    assert page.status_code == 200
    assert "What's next: the next" not in page.text
    assert "Workshops with no date to come" not in page.text
    staff.user_permissions.add(Permission.objects.get(codename="check_in_attendees"))
    page = client.get(reverse("wagtailadmin_home"))
    assert "What's next: the next" in page.text
    assert "Workshops with no date to come" not in page.text


# What a browser would fetch by itself: scripts, images, styles, fonts, form targets.
# (Plain links the editor may choose to follow, such as Wagtail's user guide, are not
# requests and are allowed.)
EXTERNAL = re.compile(
    r"""(?:\b(?:src|srcset|action|poster)=["']?|<link\b[^>]*\bhref=["']?|url\(["']?)"""
    r"""(?:https?:)?//(?!testserver)""",
    re.I,
)


@pytest.mark.parametrize(
    "name",
    [
        "wagtailadmin_home",
        "courses_session_calendar",
        "workshop_sessions:index",
        "wagtailadmin_account",
        "wagtailusers_users:index",
    ],
)
def test_admin_pages_reference_no_other_host(admin_client, source, name):
    page = admin_client.get(reverse(name))
    assert page.status_code == 200
    assert not EXTERNAL.findall(page.text), EXTERNAL.findall(page.text)
    assert "gravatar" not in page.text


def test_schedule_again_page_references_no_other_host(admin_client, source):
    page = admin_client.get(reverse("courses_schedule_again", args=[source.pk]))
    assert not EXTERNAL.findall(page.text)
