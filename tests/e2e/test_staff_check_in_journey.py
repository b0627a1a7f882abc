"""Event staff check attendees in on a phone; a therapist downloads a CE certificate."""

import shutil
import subprocess

from django.urls import reverse

import pytest
import segno
from playwright.sync_api import expect

from courses.models import Certificate, Registration, Session
from demo import content
from demo.aftersale import CANCELLED_UPCOMING, PAST_LABEL, UPCOMING_LABEL, WORKSHOP_TITLE
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, Shots, enter_totp_code


def log_in(page, live, email, password, totp_secret=None):
    page.goto(live.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()
    if totp_secret:
        enter_totp_code(page, totp_secret)
    page.wait_for_url("**/account/")


def test_staff_checks_in_on_a_phone_and_a_cancelled_ticket_is_refused(
    phone_page, live, demo_site, request
):
    page, shots = phone_page, Shots(phone_page, request.node.name)
    log_in(page, live, content.STAFF_EMAIL, content.STAFF_PASSWORD, content.DEMO_TOTP_SECRET)
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="My account").click()
    page.get_by_role("link", name="Check-in and attendees").click()
    page.wait_for_url("**/staff/sessions/")
    shots("sessions")

    page.get_by_role("link", name="Neck and Shoulder Myofascial Release").first.click()
    page.wait_for_url("**/check-in/")
    page.wait_for_selector("[data-door-ready=true]")
    expect(page.get_by_role("heading", name="Scan a ticket")).to_be_visible()
    shots("check-in")

    page.get_by_label("Search by name or ticket type").fill("okafor")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Check in Ben Okafor").click()
    page.get_by_text("Ben Okafor checked in. Welcome!").wait_for()
    page.get_by_text("Online — all check-ins synced").wait_for()
    expect(page.locator("#attendees").get_by_text("Checked in")).to_be_visible()
    shots("checked-in")
    ben = Registration.objects.get(attendee_name="Ben Okafor", session__label=UPCOMING_LABEL)
    assert ben.checked_in_at is not None

    cancelled = Registration.objects.get(attendee_email=CANCELLED_UPCOMING[1])
    page.get_by_label("Or type the ticket code").fill(cancelled.code)
    page.get_by_role("button", name="Check in", exact=True).click()
    refusal = page.get_by_text("Ticket canceled: Felix Wagner's registration was canceled")
    refusal.wait_for()
    expect(refusal).to_be_visible()
    shots("cancelled-ticket-refused")
    cancelled.refresh_from_db()
    assert cancelled.checked_in_at is None

    page.get_by_label("Or type the ticket code").fill(ben.code)
    page.get_by_role("button", name="Check in", exact=True).click()
    page.get_by_text("Already checked in: Ben Okafor was checked in").wait_for()
    shots("already-used")

    page.get_by_role("link", name="Add walk-in").click()
    shots("walk-in")
    page.get_by_role("link", name="E-mail attendees").click()
    shots("e-mail-attendees")


def test_desktop_pages_and_the_therapists_certificate(page, shots, live, demo_site):
    log_in(page, live, content.STAFF_EMAIL, content.STAFF_PASSWORD, content.DEMO_TOTP_SECRET)
    page.goto(live.url + "/staff/sessions/")
    shots("sessions")
    # The demo's finished cohort (the reports' history has older sessions of this workshop).
    past = Session.objects.get(workshop__title=WORKSHOP_TITLE, label=PAST_LABEL)
    page.locator(f"a[href='{reverse('courses:staff_check_in', args=[past.pk])}']").click()
    page.wait_for_url("**/check-in/")
    shots("finished-session")
    page.get_by_role("link", name="Add walk-in").click()
    shots("walk-in")
    page.get_by_role("link", name="E-mail attendees").click()
    page.get_by_label("Subject").fill("Parking on Saturday")
    page.get_by_role("textbox", name="Message").fill(
        "The garage closes at 18:00 on Saturday; use 12th Street."
    )
    page.get_by_role("button", name="Send to 6 attendees").click()
    page.get_by_text("Your message is on its way to 6 attendees.").wait_for()
    shots("message-sent")
    page.context.clear_cookies()
    log_in(page, live, content.THERAPIST_EMAIL, content.THERAPIST_PASSWORD)
    expect(page.get_by_role("heading", name="CE certificates")).to_be_visible()
    shots("my-account-certificates")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF of the certificate").click()
    assert download_info.value.suggested_filename.endswith(".pdf")

    certificate = Certificate.objects.get(participant_name="Jordan Rivera")
    page.goto(live.url + f"/certificates/{certificate.code}/")
    expect(page.get_by_role("heading", name="This CE certificate is valid")).to_be_visible()
    shots("verification")
    response = page.goto(live.url + "/certificates/not-a-real-code/")
    assert response.status == 404


def test_camera_scanner_checks_a_ticket_in(browser, live, demo_site, tmp_path, request):
    """Chromium's fake camera plays a video of the ticket's QR code; jsQR reads it."""
    if not shutil.which("ffmpeg"):
        pytest.skip("needs ffmpeg to make the fake camera video")
    ana = Registration.objects.get(attendee_name="Ana Torres", session__label=UPCOMING_LABEL)
    segno.make(ana.code, error="m").save(tmp_path / "qr.png", scale=10, border=4)
    video = tmp_path / "camera.y4m"
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            shutil.which("ffmpeg") or "ffmpeg",
            *("-loglevel", "error", "-loop", "1", "-i", str(tmp_path / "qr.png"), "-t", "2"),
            *("-vf", "scale=-2:400,pad=640:480:(ow-iw)/2:(oh-ih)/2:white,format=yuv420p"),
            *("-f", "yuv4mpegpipe", str(video)),
        ],
        check=True,
    )
    camera_args = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    # A second Chromium from the same Playwright: the camera flags only apply at launch.
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + camera_args
    )
    try:
        context = camera_browser.new_context(
            viewport={"width": 390, "height": 844}, permissions=["camera"]
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        shots = Shots(page, request.node.name)
        log_in(page, live, content.STAFF_EMAIL, content.STAFF_PASSWORD, content.DEMO_TOTP_SECRET)
        page.goto(live.url + f"/staff/sessions/{ana.session_id}/check-in/")
        page.wait_for_selector("[data-door-ready=true]")
        page.get_by_role("button", name="Start camera").click()
        page.get_by_text("Ana Torres checked in. Welcome!").wait_for()
        page.get_by_text("Online — all check-ins synced").wait_for()
        row = page.locator(f"#attendee-{ana.pk}")
        expect(row.get_by_text("Checked in")).to_be_visible()
        expect(row.get_by_role("button", name="Check in Ana Torres")).not_to_be_visible()
        shots("scanned")
    finally:
        camera_browser.close()
    ana.refresh_from_db()
    assert ana.checked_in_at is not None
