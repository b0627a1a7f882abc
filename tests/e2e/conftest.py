"""Browser journeys: Playwright for Python driving Debian's Chromium against live_server.

Screenshots of every page visited land in test-artifacts/screenshots/ (git-ignored).
"""

import os
import re
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (make e2e-browser)")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Shots:
    """Saves a numbered full-page screenshot per step of one journey."""

    def __init__(self, page, name: str) -> None:
        self.page = page
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def __call__(self, label: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', label.lower())}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def _new_page(browser, request, viewport: dict):
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


class InFlight:
    """Counts the live server's requests until their responses are closed (Django
    closes its database connection then). Django flushes the database after each
    browser test; a request still running at that moment deadlocks the flush on
    PostgreSQL, so a test ends only once the server is idle."""

    def __init__(self, app):
        self.app = app
        self.running = 0
        self.idle = threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            self.running += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _ClosingBody(body, self._done)

    def _done(self) -> None:
        with self.idle:
            self.running -= 1
            self.idle.notify_all()

    def wait_idle(self, timeout: float = 60) -> None:
        with self.idle:
            if not self.idle.wait_for(lambda: self.running == 0, timeout=timeout):
                raise AssertionError(f"{self.running} live-server requests still running")


class _ClosingBody:
    def __init__(self, body, done):
        self.body, self.done = body, done

    def __iter__(self):
        return iter(self.body)

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.done()


IN_FLIGHT: list[InFlight] = []


def _server_counted(live_server) -> None:
    """Wrap the (session-wide) live server's WSGI app once."""
    httpd = live_server.thread.httpd
    if not isinstance(httpd.get_app(), InFlight):
        httpd.set_app(InFlight(httpd.get_app()))
        IN_FLIGHT[:] = [httpd.get_app()]


def close_context(context) -> None:
    """Leave every page (leaving fires the player's last progress save), close the
    browser context (no more requests, service workers included), then wait until the
    live server has answered everything it was asked."""
    for open_page in context.pages:
        open_page.goto("about:blank")
    context.close()
    for server in IN_FLIGHT:
        server.wait_idle()


@pytest.fixture
def live(live_server, settings, request):
    """The running site. Transactional: Django flushes the database after each test, so
    journeys build what they need with page_tree or, for the demo's accounts and orders,
    demo_site (both restore Wagtail's roots first). SITE_URL is the live server's address,
    as it is the public address in production: Stripe's return URLs, e-mail links and
    calendars are built from it (courses/links.py)."""
    settings.SITE_URL = live_server.url
    _server_counted(live_server)
    yield live_server
    # Torn down before Django flushes the database: whatever contexts the test opened
    # (some open their own), none may still be talking to the server then.
    if "browser" in request.fixturenames:
        for context in list(request.getfixturevalue("browser").contexts):
            close_context(context)
    for server in IN_FLIGHT:
        server.wait_idle()


@pytest.fixture
def page(browser, request):
    context, page = _new_page(browser, request, {"width": 1280, "height": 900})
    yield page
    close_context(context)


@pytest.fixture
def phone_page(browser, request):
    context, page = _new_page(browser, request, {"width": 390, "height": 844})
    yield page
    close_context(context)


@pytest.fixture
def shots(page, request):
    return Shots(page, request.node.name)


_TOTP_CODES_USED: set[tuple[str, int]] = set()


@pytest.fixture(autouse=True)
def _totp_codes_forgotten():
    """allauth remembers used codes in the cache, which every test starts empty; so do we."""
    _TOTP_CODES_USED.clear()


def _unused_totp_code(secret: str) -> str:
    """A code the server accepts (MFA_TOTP_TOLERANCE allows one step either side) and that
    this process has not typed yet: allauth refuses a code used once, so a journey that signs
    the same account in twice within 30 seconds takes the next step's code, without waiting."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    now = int(time.time()) // 30
    step = next(s for s in (now, now + 1, now - 1) if (secret, s) not in _TOTP_CODES_USED)
    _TOTP_CODES_USED.add((secret, step))
    return format_hotp_value(hotp_value(secret, step))


def enter_totp_code(page, secret: str) -> None:
    """The second sign-in step staff accounts have: the code an authenticator app shows."""
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_role("textbox", name="Code").fill(_unused_totp_code(secret))
    page.get_by_role("button", name="Sign In", exact=True).click()


def axe_run(page) -> list[dict]:
    """axe-core's violations on the page. axe is evaluated, not added as a <script>: our
    Content-Security-Policy refuses inline scripts, a test's included."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )


def csp_refusals(page) -> list[str]:
    """From now on, every Content-Security-Policy refusal the browser reports on ``page``
    (the list fills as they happen)."""
    found: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            found.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return found
