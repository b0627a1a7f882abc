"""The pages people see when they may not do something: a therapist who opens /admin/
(one friendly page, no redirect loop) and someone who holds seats too often (429)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Shots, axe_run, close_context, csp_refusals
from tests.e2e.test_staff_check_in_journey import log_in
from tests.factories import DEFAULT_PASSWORD, TicketTypeFactory, UserFactory


@pytest.mark.parametrize("width", [390, 1280])
def test_no_access_and_too_many_requests_pages(browser, live, page_tree, request, settings, width):
    settings.RATELIMIT_ENABLE = True
    settings.RATE_LIMITS = {"seat_hold": {"user": "1/h", "ip": "10/h"}}
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    refused_by_csp = csp_refusals(page)
    shots = Shots(page, request.node.name)
    therapist = UserFactory(email="ana.torres@example.com", full_name="Ana Torres")
    log_in(page, live, therapist.email, DEFAULT_PASSWORD)

    redirects = []
    page.on("response", lambda r: redirects.append(r.url) if 300 <= r.status < 400 else None)
    response = page.goto(live.url + "/admin/")
    assert response.status == 403
    assert redirects == []
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The staff area isn’t part of your account"
    )
    expect(page.get_by_role("link", name="Go to My account")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_run(page) == []
    shots("admin-no-access")

    ticket = TicketTypeFactory(session=page_tree.sessions[0], price_amount=0)
    for _ in range(2):
        page.goto(f"{live.url}/payments/register/{ticket.session_id}/?ticket_{ticket.pk}=1")
        page.get_by_role("button", name="Confirm registration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Slow down a little")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_run(page) == []
    shots("too-many-requests")
    assert refused_by_csp == []
    close_context(context)
