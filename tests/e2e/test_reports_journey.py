"""The owner's reports in a real browser: the admin opens Reports from the menu, sees
each report's chart and table on the demo's year of history (at 1280 and 390 px),
downloads a CSV that holds the table's figures, and gets a clear message for a date
range that ends before it starts. Screenshots of every report at both widths."""

import csv
import io

from django.urls import reverse

import pytest
from playwright.sync_api import expect

from demo import content
from payments.reports.definitions import REPORTS
from tests.e2e.conftest import Shots
from tests.e2e.test_every_page_a11y import PHONE, _problems
from tests.e2e.test_refund_journeys import _log_in


@pytest.fixture
def admin(page, live, demo_site):
    _log_in(page, live, content.ADMIN_EMAIL, content.ADMIN_PASSWORD, content.DEMO_TOTP_SECRET)
    return page


def test_admin_reads_every_report_and_downloads_its_csv(admin, live, request):
    page = admin
    shots = Shots(page, request.node.name)
    page.goto(live.url + reverse("wagtailadmin_home"))
    page.get_by_role("button", name="Reports", exact=True).first.click()
    page.get_by_role("link", name="Revenue", exact=True).click()
    page.wait_for_url("**/admin/reports/revenue/")
    for slug, report in REPORTS.items():
        page.goto(live.url + reverse("payments_report", args=[slug]))
        expect(page.get_by_role("heading", name=str(report.title), level=1)).to_be_visible()
        expect(page.get_by_test_id("report-chart").first).to_be_visible()
        expect(page.locator("svg.chart-svg[role=img]").first).to_be_attached()
        table = page.get_by_test_id("report-table")
        expect(table).to_be_visible()
        expect(table.locator("tbody tr").first).to_be_visible()
        shots(f"{slug}-1280")
        page.set_viewport_size(PHONE)
        expect(page.get_by_test_id("report-chart").first).to_be_visible()
        assert _problems(page, page.url) == []
        shots(f"{slug}-390")
        page.set_viewport_size({"width": 1280, "height": 900})

        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download CSV").click()
        rows = list(csv.reader(io.StringIO(download_info.value.path().read_text())))
        headers = table.locator("thead th").all_inner_texts()
        assert rows[0] == [h.strip() for h in headers]
        assert len(rows) - 1 == table.locator("tbody tr").count()


def test_a_bad_date_range_is_explained_and_the_default_shown(admin, live, request):
    page = admin
    shots = Shots(page, request.node.name)
    url = live.url + reverse("payments_report", args=["revenue"])
    page.goto(url + "?start=2026-05-01&end=2026-01-01")
    expect(page.get_by_test_id("report-error")).to_contain_text(
        "The start date must be on or before the end date."
    )
    expect(page.get_by_test_id("report-table")).to_be_visible()
    shots("revenue-bad-range")
    page.goto(url + "?start=2001-01-01&end=2001-01-31")
    expect(page.get_by_test_id("report-empty")).to_contain_text("Nothing in this range")
    shots("revenue-empty-range")
    page.set_viewport_size(PHONE)
    shots("revenue-empty-range-phone")
