"""The steps of `make deploy-check` (deploy/check.py). Each returns a one-line detail or
raises AssertionError; every request goes through nginx (check_http.Browser). The ORM is
used only to find ids (a bookable session, a lesson) and to read what a step changed."""

import email
import email.header
import re
import time
from pathlib import Path

from check_http import Browser

HASHED_STATIC = re.compile(r"/static/[\w/.-]+\.[0-9a-f]{12}\.(?:css|js)")
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def headers_ok(browser: Browser, path: str) -> str:
    """Brotli for a browser that accepts it, gzip for one that does not, CSP and HSTS."""
    response = browser.get(path, headers={"Accept-Encoding": "br, gzip"})
    expect(response.status == 200, f"{path}: status {response.status}")
    expect(response.header("content-encoding") == "br", f"{path}: not brotli-compressed")
    plain_gzip = browser.get(path, headers={"Accept-Encoding": "gzip"})
    expect(plain_gzip.header("content-encoding") == "gzip", f"{path}: not gzip-compressed")
    expect(bool(response.header("content-security-policy")), f"{path}: no CSP header")
    hsts = response.header("strict-transport-security")
    expect("max-age=" in hsts, f"{path}: no HSTS header")
    return f"{path} 200 br (gzip without br), CSP, HSTS {hsts.split(';')[0]}"


def pages(port: int) -> str:
    from cms.models import WorkshopIndexPage

    browser = Browser(port)
    listing = WorkshopIndexPage.objects.live().first()
    expect(listing is not None, "no live workshop listing page")
    return f"{headers_ok(browser, '/')}; {headers_ok(browser, listing.url)}"


def static(port: int) -> str:
    browser = Browser(port)
    found = HASHED_STATIC.search(browser.get("/").text)
    expect(found is not None, "no hashed static file linked from the home page")
    path = found.group(0)
    response = browser.get(path)
    cache = response.header("cache-control")
    expect(response.status == 200, f"{path}: status {response.status}")
    expect("max-age=31536000" in cache and "immutable" in cache, f"{path}: Cache-Control {cache}")
    return f"{path} 200, Cache-Control {cache}, {response.header('content-encoding') or 'identity'}"


def _bookable():
    from django.utils import timezone

    from courses.models import TicketType

    return TicketType.objects.filter(
        price_amount__gt=0, session__status="scheduled", session__starts_at__gt=timezone.now()
    ).order_by("session__starts_at", "pk")


def book(browser: Browser, attendee_email: str, skip_sessions: tuple = ()) -> dict:
    """A paid seat through the attendee form and the fake's test-payment page."""
    from payments.models import Order

    for ticket in _bookable().exclude(session_id__in=skip_sessions):
        path = f"/payments/register/{ticket.session_id}/?ticket_{ticket.pk}=1"
        page = browser.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if page.status != 200 or token is None or "form-0-attendee_email" not in page.text:
            continue
        held = browser.request(
            "POST",
            path,
            body={
                "csrfmiddlewaretoken": token.group(1),
                "form-TOTAL_FORMS": "1",
                "form-INITIAL_FORMS": "0",
                "form-MIN_NUM_FORMS": "1",
                "form-MAX_NUM_FORMS": "50",
                "form-0-ticket_type": str(ticket.pk),
                "form-0-attendee_name": "Deploy Check",
                "form-0-attendee_email": attendee_email,
            },
        )
        _, order_path = browser.follow(held)
        expect("/payments/orders/" in order_path, f"hold ended on {order_path or held.status}")
        # The order page's "Pay" button opens the (fake) Stripe Checkout page.
        pay = browser.form_post(order_path, {}, action=f"{order_path.split('?')[0]}pay/")
        _, checkout_path = browser.follow(pay)
        expect("/test-checkout/" in checkout_path, f"Pay ended on {checkout_path or pay.status}")
        paid = browser.form_post(checkout_path, {"action": "pay"})
        order_page, order_path = browser.follow(paid)
        reference = re.search(r"/orders/([0-9a-f-]{36})/", order_path)
        expect(order_page.status == 200 and reference is not None, f"paid → {order_path}")
        order = Order.objects.get(reference=reference.group(1))
        registration = order.lines.select_related("registration").get().registration
        return {
            "order": order.number,
            "session": ticket.session_id,
            "title": ticket.session.workshop.title,
            "code": registration.code,
            "registration": registration.pk,
            "status": order.status,
        }
    raise AssertionError("no session with a paid ticket type open for booking")


def mails(mail_dir: Path) -> list[tuple[str, str]]:
    """(subject, to) of every message the worker wrote to the filemail directory."""
    found = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_bytes().split(MAIL_SEPARATOR):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk)
            subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
            found.append((subject, message["To"] or ""))
    return found


def booking_mails(mail_dir: Path, booking: dict, attendee: str) -> tuple[int, int]:
    sent = mails(mail_dir)
    receipts = sum(1 for s, _ in sent if f"Receipt for order {booking['order']}" in s)
    tickets = sum(
        1 for s, to in sent if s.endswith(f"Your ticket: {booking['title']}") and attendee in to
    )
    return receipts, tickets


def wait_for_mail(mail_dir: Path, booking: dict, attendee: str, seconds: float = 60) -> float:
    started = time.monotonic()
    while booking_mails(mail_dir, booking, attendee) < (1, 1):
        expect(time.monotonic() - started < seconds, f"no receipt + ticket within {seconds:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - started


def video(port: int) -> str:
    from cms.models import LessonPage
    from demo import content

    lesson = LessonPage.objects.live().filter(is_preview=False, video__isnull=False).first()
    expect(lesson is not None, "no members-only lesson with a video")
    anonymous = Browser(port)
    member = Browser(port)
    member.sign_in(content.MEMBER_EMAIL, content.MEMBER_PASSWORD)
    found = re.search(r'<source src="(/learn/video/[^"]+)"', member.get(lesson.url).text)
    expect(found is not None, f"{lesson.url}: no playback URL for the member")
    response = member.get(found.group(1), headers={"Range": "bytes=100-1123"})
    expect(response.status == 206, f"Range request: status {response.status}")
    expect(len(response.body) == 1024, f"Range request: {len(response.body)} bytes, not 1024")
    expect(not response.header("x-accel-redirect"), "X-Accel-Redirect leaked to the client")
    refused = anonymous.get(found.group(1), headers={"Range": "bytes=0-99"})
    expect(refused.status in (403, 404), f"anonymous viewer got {refused.status}")
    hidden = anonymous.get("/protected-video/videos/")
    expect(hidden.status == 404, f"/protected-video/ is public ({hidden.status})")
    return (
        f"member 206 {response.header('content-range')} ({response.header('content-type')}); "
        f"anonymous {refused.status}; /protected-video/ direct {hidden.status}"
    )


def check_in(port: int, booking: dict) -> str:
    from courses.models import Registration
    from demo import content

    expect(bool(booking), "no booking to check in (the booking step failed)")
    staff = Browser(port)
    staff.sign_in(content.STAFF_EMAIL, content.STAFF_PASSWORD, content.DEMO_TOTP_SECRET)
    page = staff.get(f"/staff/sessions/{booking['session']}/check-in/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    expect(page.status == 200 and token is not None, f"check-in page: {page.status}")
    response = staff.request(
        "POST",
        f"/staff/sessions/{booking['session']}/check-in/scan/",
        body={"csrfmiddlewaretoken": token.group(1), "code": booking["code"]},
        headers={"Accept": "application/json"},
    )
    expect(response.status == 200, f"scan: status {response.status} {response.text[:200]}")
    registration = Registration.objects.get(pk=booking["registration"])
    expect(registration.checked_in_at is not None, "ticket not checked in")
    return f"staff (password + TOTP) scanned ticket {booking['code'][:6]}…: checked in"


def failover(port: int, stack, upstreams: dict[str, int], requests: int = 30) -> str:
    browser = Browser(port)
    served = browser.get("/").header("x-check-upstream").split(", ")[-1]
    victim = next((n for n, p in upstreams.items() if served.endswith(f":{p}")), None)
    expect(victim is not None, f"unknown upstream {served!r}")
    stack.kill(victim)
    statuses, seen = [], set()
    for _ in range(requests):
        response = browser.get("/")
        statuses.append(response.status)
        seen.add(response.header("x-check-upstream"))
    ok = statuses.count(200)
    expect(ok == requests, f"{requests - ok} of {requests} requests failed: {set(statuses)}")
    return f"killed {victim} (served /), then {ok}/{requests} requests 200 via {sorted(seen)}"
