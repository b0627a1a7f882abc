"""An editor publishes a workshop with two dates; a visitor finds it, filters by month,
opens it and downloads the .ics for one date."""

import re
from pathlib import Path

from playwright.sync_api import expect

from cms.models import WorkshopPage
from courses.models import Session
from demo import content
from tests.e2e.conftest import Shots, csp_refusals, enter_totp_code

TITLE = "Hip and Pelvis Clinic"


def choose_in_modal(page, button_name: str, item: str) -> None:
    page.get_by_role("button", name=button_name).click()
    modal = page.locator(".modal.fade.in, .modal[aria-hidden='false'], .modal.show").first
    modal.get_by_role("link", name=item).first.click()
    modal.wait_for(state="hidden")  # the choice is made once the chooser closes


def add_date(
    page, shots, starts: str, ends: str, ticket_name: str, price_dollars: str, slip: str = ""
) -> None:
    """Add a dated session with one ticket type; with ``slip``, the editor first types
    that price (cents for dollars), is warned, and corrects it."""
    page.get_by_role("link", name="Add a date").click()
    page.wait_for_url("**/admin/workshop-sessions/new/**")
    page.locator("#id_starts_at").fill(starts)
    page.locator("#id_ends_at").fill(ends)
    page.keyboard.press("Escape")
    choose_in_modal(page, "Choose venue", "Wilshire Training Studio")
    page.locator("#id_capacity").fill("18")
    page.get_by_role("button", name="Add ticket type").click()
    page.locator("#id_ticket_types-0-name").fill(ticket_name)
    price = page.locator("#id_ticket_types-0-price_amount")
    if slip:
        price.fill(slip)
        page.get_by_role("button", name="Create", exact=True).click()
        expect(page.get_by_text("is an unusually high price")).to_be_visible()
        expect(page.get_by_label(re.compile("I confirm this unusual price"))).not_to_be_checked()
        price.scroll_into_view_if_needed()
        shots(f"admin-session-{starts[:10]}-unusual-price")
        assert not Session.objects.filter(starts_at__date=starts[:10]).exists()
    price.fill(price_dollars)
    shots(f"admin-session-{starts[:10]}")
    page.get_by_role("button", name="Create", exact=True).click()
    page.wait_for_url("**/admin/pages/*/edit/**")


def test_editor_publishes_workshop_and_visitor_downloads_ics(
    page, shots, phone_page, live, demo_site, request
):
    # The admin runs under its Content-Security-Policy: nothing it needs may be refused.
    refused_by_csp = csp_refusals(page)
    page.goto(live.url + "/accounts/login/?next=/admin/")
    page.get_by_label("Email").fill(content.EDITOR_EMAIL)
    page.get_by_label("Password").fill(content.EDITOR_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    enter_totp_code(page, content.DEMO_TOTP_SECRET)
    page.wait_for_url("**/admin/")

    page.goto(live.url + "/admin/snippets/courses/workshop/add/")
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_ce_title").fill("Manual Therapy for Hip and Pelvic Girdle Pain")
    page.locator("#id_ce_hours").fill("7")
    shots("admin-course-record")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/snippets/courses/workshop/")

    index_id = WorkshopPage.objects.first().get_parent().pk
    page.goto(f"{live.url}/admin/pages/add/cms/workshoppage/{index_id}/")
    page.locator("#id_title").fill(TITLE)
    choose_in_modal(page, "Choose workshop", TITLE)
    page.locator("#id_summary").fill(
        "A one-day clinic on assessing and treating hip and pelvic girdle pain."
    )
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/admin/pages/*/edit/")
    shots("admin-page-draft")

    add_date(page, shots, "2027-03-20 09:00", "2027-03-20 17:00", "Standard", "249")
    add_date(page, shots, "2027-05-15 09:00", "2027-05-15 17:00", "Standard", "269", "26900")
    assert Session.objects.filter(workshop__title=TITLE).count() == 2
    shots("admin-page-with-dates")

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url("**/admin/pages/*/")
    assert WorkshopPage.objects.get(title=TITLE).live
    assert refused_by_csp == []

    # The visitor, on a phone.
    visitor = phone_page
    phone_shots = Shots(visitor, request.node.name + "-visitor")
    visitor.goto(live.url + "/")
    visitor.get_by_role("link", name="See upcoming workshops").click()
    visitor.wait_for_url("**/workshops/")
    expect(visitor.get_by_role("link", name=TITLE)).to_have_count(2)
    phone_shots("listing")
    visitor.get_by_label("Month").select_option("2027-03")
    visitor.get_by_role("button", name="Show workshops").click()
    visitor.wait_for_url("**/workshops/?month=2027-03**")
    expect(visitor.get_by_role("heading", name="Workshops in March 2027")).to_be_visible()
    expect(visitor.get_by_role("link", name=TITLE)).to_have_count(1)
    phone_shots("listing-march")
    visitor.get_by_role("link", name=TITLE).click()
    visitor.wait_for_url("**/workshops/hip-and-pelvis-clinic/**")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert "March 20, 2027" in visitor.content()
    phone_shots("workshop")
    with visitor.expect_download() as info:
        visitor.get_by_role("link", name=re.compile("Add to calendar")).first.click()
    ics = Path(info.value.path()).read_text()
    assert "DTSTART;TZID=America/Los_Angeles:20270320T090000" in ics
    assert f"SUMMARY:{TITLE}" in ics

    # Wide screenshots of the public pages.
    page.goto(live.url + "/workshops/")
    shots("listing-wide")
    page.goto(live.url + "/workshops/hip-and-pelvis-clinic/")
    shots("workshop-wide")
    page.goto(live.url + "/workshops/physiomassage-training/")
    shots("physiomassage-wide")
