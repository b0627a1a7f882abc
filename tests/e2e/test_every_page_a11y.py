"""Every kind of page a person reaches, on a 390 px phone: nothing scrolls sideways and
axe-core (vendored, tests/e2e/vendor/) finds no violation.

One test per kind of visitor (anonymous, buyer, member, staff) so each signs in once.
"""

import json

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest

from cms.models import (
    ArticleIndexPage,
    ArticlePage,
    HomePage,
    LessonPage,
    MasterclassIndexPage,
    MasterclassPage,
    WorkshopIndexPage,
    WorkshopPage,
)
from courses import selectors as courses_selectors
from courses.models import Certificate, Registration, RegistrationStatus, Session, SessionStatus
from courses.services import SeatRequest
from demo import content
from payments import services as payments_services
from payments.models import Order
from tests.e2e.conftest import Shots, axe_run, close_context, csp_refusals, enter_totp_code
from tests.factories import DEFAULT_PASSWORD, UserFactory

PHONE = {"width": 390, "height": 844}


def _problems(page, url: str) -> list[str]:
    """Sideways scrolling and axe violations on the page at ``url``, in words."""
    response = page.goto(url)
    expected = 404 if "/no-such-page/" in url else 403 if url.endswith("/admin/") else 200
    assert response is not None and response.status == expected, f"{url}: HTTP {response.status}"
    page.wait_for_load_state("load")
    found = []
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if widths[0] > widths[1]:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .slice(0, 3).map(e => e.tagName + '.' + e.className)"""
        )
        found.append(f"{url}: {widths[0]} px wide on a {widths[1]} px screen ({wide})")
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('.table-wrap')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.scrollWidth)"""
    )
    if clipped:
        found.append(f"{url}: a table scrolls sideways inside its box ({clipped} px)")
    found += [
        f"{url}: axe {v['id']} at {json.dumps([n['target'] for n in v['nodes'][:3]])}"
        for v in axe_run(page)
    ]
    return found


def _walk(
    browser,
    live,
    request,
    urls: list[str],
    login: tuple[str, str] | None = None,
    totp_secret: str | None = None,
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused_by_csp = csp_refusals(page)
    shots = Shots(page, request.node.name)
    try:
        if login:
            page.goto(live.url + reverse("account_login"))
            page.get_by_label("Email").fill(login[0])
            page.get_by_label("Password").fill(login[1])
            page.get_by_role("button", name="Sign In", exact=True).click()
            if totp_secret:
                enter_totp_code(page, totp_secret)
            page.wait_for_url("**/account/**")
        problems = []
        for url in urls:
            problems += _problems(page, live.url + url)
            shots(url.strip("/").replace("/", "-") or "home")
        assert not problems + refused_by_csp, "\n".join(problems + refused_by_csp)
    finally:
        close_context(context)


def _first_url(model) -> str:
    return model.objects.live().first().url


@pytest.fixture
def sites(demo_site):
    return demo_site


def test_public_pages_fit_a_phone_and_pass_axe(browser, live, sites, request):
    certificate = Certificate.objects.first()
    urls = [
        "/",
        _first_url(WorkshopIndexPage),
        _first_url(WorkshopPage),
        _first_url(ArticleIndexPage),
        _first_url(ArticlePage),
        _first_url(MasterclassIndexPage),
        _first_url(MasterclassPage),
        _first_url(LessonPage),
        reverse("search") + "?q=neck",
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("courses:certificate_verify", args=[certificate.code]),
        "/no-such-page/",
    ]
    assert HomePage.objects.exists()
    _walk(browser, live, request, urls)


def test_account_and_checkout_pages_fit_a_phone_and_pass_axe(browser, live, sites, request):
    session = Session.objects.filter(status=SessionStatus.SCHEDULED).order_by("starts_at").last()
    ticket = session.ticket_types.first()
    register = reverse("payments:register", args=[session.pk])
    orders = Order.objects.filter(buyer__email=content.THERAPIST_EMAIL, session__isnull=False)
    registration = Registration.objects.filter(
        attendee_email=content.THERAPIST_EMAIL, status=RegistrationStatus.CONFIRMED
    ).first()
    urls = [
        reverse("accounts:dashboard"),
        reverse("accounts:profile"),
        reverse("usersessions_list"),
        reverse("mfa_index"),
        reverse("accounts:your_data"),
        reverse("accounts:account_delete"),
        reverse("accounts:privacy"),
        register,
        f"{register}?ticket_{ticket.pk}=2",
        *(order.get_absolute_url() for order in orders[:3]),
        reverse("payments:ticket", kwargs={"code": registration.code}),
        reverse("payments:membership_join"),
        "/admin/",  # signed in without staff access: the friendly 403, not a redirect loop
    ]
    _walk(
        browser,
        live,
        request,
        urls,
        login=(content.THERAPIST_EMAIL, content.THERAPIST_PASSWORD),
    )


def test_member_lesson_fits_a_phone_and_passes_axe(browser, live, sites, request):
    urls = [_first_url(MasterclassPage), _first_url(LessonPage)]
    _walk(browser, live, request, urls, login=(content.MEMBER_EMAIL, content.MEMBER_PASSWORD))


def test_a_new_account_without_a_name_fits_a_phone(browser, live, page_tree, request):
    """My account greets a new sign-up by e-mail address; a long one must wrap."""
    user = UserFactory(
        email="new.therapist.with.a.long.address@wellness-clinic.example", full_name=""
    )
    urls = [reverse("accounts:dashboard"), reverse("accounts:profile")]
    _walk(browser, live, request, urls, login=(user.email, DEFAULT_PASSWORD))


def test_staff_pages_fit_a_phone_and_pass_axe(browser, live, sites, request):
    session = Session.objects.filter(registrations__isnull=False).distinct().first()
    upcoming = next(
        s
        for s in Session.objects.filter(status=SessionStatus.SCHEDULED).order_by("starts_at")
        if s.registration_is_open() and courses_selectors.session_seats_available(session=s)
    )
    staff = get_user_model().objects.get(email=content.STAFF_EMAIL)
    phone_order = payments_services.phone_order_create(
        taken_by=staff,
        session_id=upcoming.pk,
        buyer_email="caller@example.com",
        buyer_phone="310 555 0100",
        requests=[SeatRequest(upcoming.ticket_types.first().pk, "Ana Caller", "ana@example.com")],
        payment_method="online",
    )
    urls = [
        reverse("courses:staff_sessions"),
        reverse("courses:staff_check_in", args=[session.pk]),
        reverse("courses:staff_walk_in", args=[session.pk]),
        reverse("courses:staff_message", args=[session.pk]),
        reverse("courses:staff_waitlist", args=[session.pk]),
        # Bookings taken by phone (Wagtail admin): the form and a booking awaiting its link.
        reverse("payments_session_phone_booking", args=[upcoming.pk]),
        reverse("payments_phone_order", args=[phone_order.pk]),
    ]
    _walk(
        browser,
        live,
        request,
        urls,
        login=(content.STAFF_EMAIL, content.STAFF_PASSWORD),
        totp_secret=content.DEMO_TOTP_SECRET,
    )
