"""The check-in app at the door: offline check-in and sync, two devices, accessibility.

Each device is its own browser context (its own IndexedDB and service worker), signed in
as a member of event staff; ``context.set_offline`` cuts its network as a venue's Wi-Fi
would."""

import json

from django.contrib.auth.models import Group
from django.utils.dateparse import parse_datetime

import pytest
from playwright.sync_api import expect

from courses.models import DoorAction, Registration
from demo import content
from demo.aftersale import CANCELLED_UPCOMING, UPCOMING_LABEL
from demo.groups import EVENT_STAFF
from tests.e2e.conftest import Shots, axe_run, close_context
from tests.e2e.test_staff_check_in_journey import log_in
from tests.factories import DEFAULT_PASSWORD, TEST_TOTP_SECRET, UserFactory

SECOND_STAFF_EMAIL = "riley.door@example.com"


def upcoming(name: str) -> Registration:
    return Registration.objects.get(attendee_name=name, session__label=UPCOMING_LABEL)


def second_staff() -> None:
    user = UserFactory(email=SECOND_STAFF_EMAIL, full_name="Riley Door", is_staff=True)
    user.groups.add(Group.objects.get(name=EVENT_STAFF))


def device(browser, live, email, password, totp_secret, width=390):
    """A signed-in door phone on the upcoming session's check-in page, list loaded."""
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live, email, password, totp_secret)
    session = upcoming("Ana Torres").session
    page.goto(f"{live.url}/staff/sessions/{session.pk}/check-in/")
    ready(page)
    return context, page


def ready(page) -> None:
    page.wait_for_selector("[data-door-ready=true]")
    expect(page.locator(".door-banner")).to_have_text(
        "Online — all check-ins synced. The list also works offline."
    )


def check_in_by_code(page, code: str) -> None:
    page.get_by_label("Or type the ticket code").fill(code)
    page.get_by_role("button", name="Check in", exact=True).click()


def queued_actions(page) -> list[dict]:
    return page.evaluate(
        """() => new Promise((resolve) => {
            const opening = indexedDB.open("door");
            opening.onsuccess = () => {
              const all = opening.result.transaction("queue").objectStore("queue").getAll();
              all.onsuccess = () => resolve(all.result);
            };
        })"""
    )


def close(context) -> None:
    close_context(context)  # and wait until the live server has answered everything


def test_offline_check_ins_sync_with_device_times_and_a_replay_changes_nothing(
    browser, live, demo_site, request
):
    context, page = device(
        browser, live, content.STAFF_EMAIL, content.STAFF_PASSWORD, content.DEMO_TOTP_SECRET
    )
    shots = Shots(page, request.node.name)
    # Once the service worker runs, opening the page again keeps it for offline use.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    ready(page)
    shots("online")

    context.set_offline(True)
    expect(page.locator(".door-banner")).to_have_text("Offline — 0 check-ins waiting to sync")
    page.reload()  # from the service worker's copy: the door still opens with no network
    page.wait_for_selector("[data-door-ready=true]")
    expect(page.locator(".door-banner")).to_have_text("Offline — 0 check-ins waiting to sync")

    page.get_by_label("Search by name or ticket type").fill("okafor")
    page.get_by_role("button", name="Check in Ben Okafor").click()
    expect(page.get_by_text("Ben Okafor checked in. Welcome!")).to_be_visible()
    page.get_by_label("Search by name or ticket type").fill("")
    check_in_by_code(page, upcoming("Ana Torres").code)
    expect(page.get_by_text("Ana Torres checked in. Welcome!")).to_be_visible()
    page.get_by_role("button", name="Check in Chloe Martin").click()
    expect(page.get_by_text("Chloe Martin checked in. Welcome!")).to_be_visible()

    felix = upcoming(CANCELLED_UPCOMING[0])
    check_in_by_code(page, felix.code)
    expect(page.locator(".scan-feedback")).to_contain_text(
        "Ticket canceled: Felix Wagner's registration was canceled"
    )
    expect(page.locator(".scan-feedback")).to_contain_text("Do not admit")
    expect(page.locator(".door-banner")).to_have_text("Offline — 3 check-ins waiting to sync")
    expect(page.locator("[data-count=checked-in]")).to_have_text("3")
    shots("offline-three-waiting")

    queued = queued_actions(page)
    assert len(queued) == 3
    assert not Registration.objects.filter(
        session__label=UPCOMING_LABEL, checked_in_at__isnull=False
    ).exists()

    context.set_offline(False)
    expect(page.locator(".door-banner")).to_have_text(
        "Online — all check-ins synced. The list also works offline."
    )
    expect(page.locator(".badge", has_text="Waiting to sync")).to_have_count(0)
    shots("synced")

    checked_in = Registration.objects.filter(
        session__label=UPCOMING_LABEL, checked_in_at__isnull=False
    )
    assert sorted(r.attendee_name for r in checked_in) == [
        "Ana Torres",
        "Ben Okafor",
        "Chloe Martin",
    ]
    device_times = {a["registration"]: parse_datetime(a["device_time"]) for a in queued}
    assert {r.pk: r.checked_in_at for r in checked_in} == device_times
    assert {r.checked_in_by.email for r in checked_in} == {content.STAFF_EMAIL}

    # The same batch again (a lost answer, a retry): the same outcomes, nothing changes.
    batch = [{k: a[k] for k in ("id", "kind", "registration", "device_time")} for a in queued]
    replay = page.evaluate(
        """(batch) => fetch(document.querySelector("[data-door]").dataset.syncUrl, {
            method: "POST",
            headers: {"Content-Type": "application/json",
                      "X-CSRFToken": document.querySelector("[name=csrfmiddlewaretoken]").value},
            body: JSON.stringify({actions: batch}),
        }).then((r) => r.json())""",
        batch,
    )
    assert [r["outcome"] for r in replay["results"]] == ["applied"] * 3
    assert DoorAction.objects.count() == 3
    assert {r.pk: r.checked_in_at for r in checked_in.all()} == device_times

    # Signing out wipes the offline list and the queue from this phone.
    page.goto(live.url + "/account/")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(live.url + "/")
    page.wait_for_function(
        "() => indexedDB.databases().then((dbs) => !dbs.some((db) => db.name === 'door'))"
    )
    assert page.evaluate("caches.keys()") == []
    close(context)


def test_two_devices_disagree_offline_and_end_with_the_same_answer(
    browser, live, demo_site, request
):
    second_staff()
    sam_context, sam = device(
        browser, live, content.STAFF_EMAIL, content.STAFF_PASSWORD, content.DEMO_TOTP_SECRET
    )
    riley_context, riley = device(
        browser, live, SECOND_STAFF_EMAIL, DEFAULT_PASSWORD, TEST_TOTP_SECRET
    )
    ben = upcoming("Ben Okafor")

    riley_context.set_offline(True)
    sam_context.set_offline(True)
    # Riley scans Ben first; Sam, at the other door, scans him a moment later.
    riley.get_by_role("button", name="Check in Ben Okafor").click()
    expect(riley.get_by_text("Ben Okafor checked in. Welcome!")).to_be_visible()
    # A function, not an expression: Playwright evaluates expressions with eval, which our
    # Content-Security-Policy refuses.
    sam.wait_for_function("(t) => Date.now() > t", arg=riley.evaluate("Date.now()") + 50)
    sam.get_by_role("button", name="Check in Ben Okafor").click()
    expect(sam.get_by_text("Ben Okafor checked in. Welcome!")).to_be_visible()

    # Sam's later scan reaches the server first; Riley's earlier one still wins.
    sam_context.set_offline(False)
    expect(sam.locator(".door-banner")).to_contain_text("all check-ins synced")
    riley_context.set_offline(False)
    expect(riley.locator(".door-banner")).to_contain_text("all check-ins synced")

    ben.refresh_from_db()
    assert ben.checked_in_by.email == SECOND_STAFF_EMAIL
    time = f"{ben.checked_in_at.astimezone(ben.session.tz):%-I:%M %p}"
    for page in (sam, riley):
        expect(page.locator(f"#attendee-{ben.pk} .attendee__status")).to_contain_text(
            f"Checked in {time} by Riley Door"
        )
        check_in_by_code(page, ben.code)
        expect(page.locator(".scan-feedback")).to_have_text(
            f"Already checked in: Ben Okafor was checked in at {time} by Riley Door."
        )
    Shots(sam, request.node.name)("sam-after-conflict")
    Shots(riley, request.node.name + "-riley")("riley-after-conflict")
    close(sam_context)
    close(riley_context)


def test_an_online_device_sees_the_other_doors_check_in_within_seconds(browser, live, demo_site):
    second_staff()
    sam_context, sam = device(
        browser, live, content.STAFF_EMAIL, content.STAFF_PASSWORD, content.DEMO_TOTP_SECRET
    )
    riley_context, riley = device(
        browser, live, SECOND_STAFF_EMAIL, DEFAULT_PASSWORD, TEST_TOTP_SECRET, width=1280
    )
    daniel = upcoming("Daniel Kim")

    sam.get_by_role("button", name="Check in Daniel Kim").click()
    expect(riley.locator(f"#attendee-{daniel.pk} .attendee__status")).to_contain_text(
        "by Sam Staff", timeout=5_000
    )
    expect(riley.locator("[data-count=checked-in]")).to_have_text("1", timeout=5_000)
    close(sam_context)
    close(riley_context)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_check_in_page_passes_axe_and_fits_the_screen(browser, live, demo_site, request, width):
    context, page = device(
        browser, live, content.STAFF_EMAIL, content.STAFF_PASSWORD, content.DEMO_TOTP_SECRET, width
    )
    context.set_offline(True)
    page.get_by_role("button", name="Check in Ana Torres").click()
    check_in_by_code(page, upcoming(CANCELLED_UPCOMING[0]).code)
    expect(page.locator(".door-banner")).to_have_text("Offline — 1 check-in waiting to sync")
    Shots(page, f"{request.node.name}")("offline-with-refusal")

    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in axe_run(page)]
    assert violations == [], json.dumps(violations, indent=1)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    close(context)


def test_staff_without_the_permission_get_nothing_kept_on_the_device(page, live, demo_site):
    log_in(page, live, content.THERAPIST_EMAIL, content.THERAPIST_PASSWORD)
    session = upcoming("Ana Torres").session
    response = page.goto(f"{live.url}/staff/sessions/{session.pk}/check-in/")
    assert response.status == 403
    api = page.evaluate(
        "(url) => fetch(url).then((r) => r.status)",
        f"/staff/sessions/{session.pk}/door/attendees/",
    )
    assert api == 403
    assert page.evaluate("caches.keys()") == []
    assert page.evaluate("indexedDB.databases().then((dbs) => dbs.map((db) => db.name))") == []
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then((r) => r.length)") == 0


def test_a_device_forgets_a_session_once_it_is_over(browser, live, demo_site):
    context, page = device(
        browser, live, content.STAFF_EMAIL, content.STAFF_PASSWORD, content.DEMO_TOTP_SECRET
    )
    session = upcoming("Ana Torres").session
    assert page.evaluate(
        "(s) => new Promise((done) => { indexedDB.open('door').onsuccess = (e) =>"
        " { e.target.result.transaction('meta').objectStore('meta').get(s).onsuccess ="
        " (r) => done(Boolean(r.target.result)); }; })",
        session.pk,
    )
    # The session ended more than 12 hours ago: the next staff page this device opens
    # forgets its list.
    page.evaluate(
        "(s) => new Promise((done) => { indexedDB.open('door').onsuccess = (e) => {"
        " const meta = e.target.result.transaction('meta', 'readwrite').objectStore('meta');"
        " meta.get(s).onsuccess = (r) => { const row = r.target.result;"
        " row.expires_at = '2000-01-01T00:00:00Z'; meta.put(row).onsuccess = () => done(); };"
        " }; })",
        session.pk,
    )
    page.goto(f"{live.url}/staff/sessions/")
    page.wait_for_function(
        """(s) => new Promise((done) => { indexedDB.open('door').onsuccess = (e) => {
            const db = e.target.result;
            db.transaction('attendees').objectStore('attendees').count().onsuccess = (c) =>
              db.transaction('meta').objectStore('meta').get(s).onsuccess = (r) =>
                done(c.target.result === 0 && !r.target.result);
        }; })""",
        arg=session.pk,
    )
    close(context)
