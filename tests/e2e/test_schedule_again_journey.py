"""An editor runs the Los Angeles workshop again for three new dates in one form; the
public page, the calendar and the dashboard show them at once."""

import datetime

from django.utils import timezone

from playwright.sync_api import expect

from cms.models import WorkshopPage
from courses.formatting import local_date
from courses.models import Session
from demo import content
from tests.e2e.conftest import Shots, enter_totp_code


def test_editor_schedules_the_la_workshop_again_for_three_dates(
    page, shots, phone_page, live, demo_site, request
):
    # The demo's upcoming run (its history has past ones at the same venue).
    source = Session.objects.get(
        venue__city="Los Angeles",
        workshop__title__startswith="PhysioMassage Training",
        starts_at__gt=timezone.now(),
    )
    tz = source.tz
    today = timezone.localdate(timezone.now(), tz)
    # Within the dashboard's 60 days, and far enough out for a six-week early bird.
    new_days = [today + datetime.timedelta(days=n) for n in (45, 52, 59)]

    page.goto(live.url + "/accounts/login/?next=/admin/")
    page.get_by_label("Email").fill(content.EDITOR_EMAIL)
    page.get_by_label("Password").fill(content.EDITOR_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    enter_totp_code(page, content.DEMO_TOTP_SECRET)
    page.wait_for_url("**/admin/")

    page.goto(f"{live.url}/admin/workshop-sessions/edit/{source.pk}/")
    page.get_by_role("link", name="Schedule again").click()
    page.wait_for_url("**/schedule-again/")
    expect(page.get_by_text("6 weeks before the start")).to_be_visible()
    for number, day in enumerate(new_days):
        row = page.get_by_role("group", name=f"New date {number + 1}")
        row.get_by_label("New start date").fill(day.isoformat())
    page.get_by_role("group", name="New date 2").get_by_label("Capacity").fill("30")
    shots("schedule-again-filled")
    page.get_by_role("button", name="Schedule these dates").click()
    page.wait_for_url("**/workshop-calendar/?month=*")
    page.get_by_text("Scheduled 3 new dates").wait_for()
    shots("calendar-after")

    copies = list(
        Session.objects.filter(workshop=source.workshop, starts_at__date__in=new_days).order_by(
            "starts_at"
        )
    )
    assert [s.local_starts_at.date() for s in copies] == new_days
    assert [s.capacity for s in copies] == [source.capacity, 30, source.capacity]
    first_month = page.locator(".planning__grid")
    expect(first_month.get_by_text(source.workshop.title).first).to_be_visible()

    workshop_page = WorkshopPage.objects.get(workshop=source.workshop)
    page.goto(live.url + workshop_page.url)
    for day in new_days:
        early_bird_ends = day - datetime.timedelta(weeks=6)
        page.get_by_text(f"Until {local_date(early_bird_ends)}").first.wait_for()
    shots("public-page")

    page.goto(live.url + "/admin/")
    panel = page.locator("section[aria-labelledby=coming-up-heading]")
    for copy in copies:
        expect(panel.get_by_text(f"0 of {copy.capacity} sold").first).to_be_visible()
    expect(panel.get_by_text("0 of 30 sold")).to_be_visible()
    shots("dashboard")

    phone, phone_shots = phone_page, Shots(phone_page, request.node.name + "-phone")
    phone.goto(live.url + "/accounts/login/?next=/admin/workshop-calendar/")
    phone.get_by_label("Email").fill(content.EDITOR_EMAIL)
    phone.get_by_label("Password").fill(content.EDITOR_PASSWORD)
    phone.get_by_role("button", name="Sign In", exact=True).click()
    enter_totp_code(phone, content.DEMO_TOTP_SECRET)
    phone.wait_for_url("**/admin/workshop-calendar/")
    phone.goto(f"{live.url}/admin/workshop-calendar/?month={new_days[0]:%Y-%m}")
    expect(
        phone.locator(".planning__list").get_by_text(source.workshop.title).first
    ).to_be_visible()
    phone_shots("calendar-phone")
    phone.goto(f"{live.url}/admin/workshop-sessions/{source.pk}/schedule-again/")
    phone_shots("schedule-again-phone")
    phone.goto(live.url + "/admin/")
    phone_shots("dashboard-phone")
