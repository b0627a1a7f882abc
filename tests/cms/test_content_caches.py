"""What each process and the shared cache keep for public pages (cms.routing,
cms.fragments) never outlives the change that makes it wrong: a publish, unpublish,
move or delete shows on the next request; a hold, confirmation, release or cancellation
shows on the next render; seats freed by the clock alone within SEATS_CACHE_SECONDS."""

import datetime

from django.core.cache.backends import locmem
from django.utils import timezone

import pytest

from courses import services
from courses.models import Registration, RegistrationStatus
from courses.seats_version import cache_seconds
from courses.services import SeatRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _seats_left(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["sessions"][0].availability.left


def _hold(session, seats: int = 1) -> list[Registration]:
    ticket = session.ticket_types.order_by("pk").first()
    buyer = UserFactory()
    requests = [
        SeatRequest(ticket_type_id=ticket.pk, attendee_name="Ana Diaz", attendee_email=buyer.email)
    ] * seats
    return services.seat_hold_create(session_id=session.pk, requests=requests, buyer=buyer)


def test_a_published_change_shows_on_the_next_request(client, page_tree):
    page = page_tree.workshop
    assert page.title in client.get(page.url).content.decode()  # routed and kept
    page.title = "Shoulder Complex Intensive"
    page.save_revision().publish()
    assert "Shoulder Complex Intensive" in client.get(page.url).content.decode()


def test_an_unpublished_or_deleted_page_is_gone_on_the_next_request(client, page_tree):
    lesson, preview = page_tree.lesson, page_tree.preview
    assert client.get(preview.url).status_code == 200
    url = preview.url
    preview.unpublish()
    assert client.get(url).status_code == 404
    url = lesson.url
    assert client.get(url).status_code == 200
    lesson.delete()
    assert client.get(url).status_code == 404


def test_a_moved_page_answers_at_its_new_address(client, page_tree):
    from cms.models import StandardPage

    about = page_tree.home.add_child(instance=StandardPage(title="About", slug="about"))
    faq = page_tree.home.add_child(instance=StandardPage(title="FAQ", slug="faq"))
    assert client.get(faq.url).status_code == 200
    old_url = faq.url
    faq.move(about, pos="last-child")
    faq.refresh_from_db()
    moved = client.get(old_url)  # no longer served here: Wagtail's redirect to the new place
    assert (moved.status_code, moved.url) == (301, faq.url)
    assert client.get(faq.url).status_code == 200


def test_a_hold_shows_in_the_seats_figure_on_the_next_render(client, page_tree):
    url, session = page_tree.workshop.url, page_tree.sessions[0]
    before = _seats_left(client, url)
    assert _seats_left(client, url) == before  # kept: the same figure, not recounted
    registrations = _hold(session, seats=2)
    assert _seats_left(client, url) == before - 2
    services.seat_hold_release(reservation=registrations[0].reservation)
    assert _seats_left(client, url) == before


def test_a_cancelled_session_shows_its_seats_freed_on_the_next_render(client, page_tree):
    url, session = page_tree.workshop.url, page_tree.sessions[0]
    registrations = _hold(session)
    services.seat_hold_confirm(reservation=registrations[0].reservation)
    after_booking = _seats_left(client, url)
    services.session_registrations_cancel(session=session, reason="Venue flooded")
    assert _seats_left(client, url) == after_booking + 1


def test_seats_freed_by_the_clock_show_within_the_cache_seconds(client, page_tree, monkeypatch):
    url, session = page_tree.workshop.url, page_tree.sessions[0]
    _hold(session)
    held = _seats_left(client, url)
    # The hold lapses with no write at all (what the clock does): no version changes.
    Registration.objects.filter(session=session, status=RegistrationStatus.HELD).update(
        hold_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert _seats_left(client, url) == held  # still the kept figure: at most 5 s old
    assert cache_seconds() <= 5
    later = locmem.time.time() + cache_seconds() + 1
    monkeypatch.setattr(locmem.time, "time", lambda: later)
    assert _seats_left(client, url) == held + 1


def test_the_listing_and_home_cards_show_a_hold_on_the_next_render(client, page_tree):
    session = page_tree.sessions[0]

    def left(url: str, name: str) -> int:
        response = client.get(url)
        cards = response.context[name]
        cards = cards.cards if hasattr(cards, "cards") else cards
        return next(c.availability.left for c in cards if c.session.pk == session.pk)

    home, listing = left("/", "upcoming_workshops"), left(page_tree.workshops.url, "listing")
    _hold(session)
    assert left("/", "upcoming_workshops") == home - 1
    assert left(page_tree.workshops.url, "listing") == listing - 1


# --- HTML kept with {% keep %} (cms.templatetags.keep_tags) ---------------------------


def test_the_kept_html_shows_a_hold_on_the_next_render(client, page_tree):
    """Not only the figures: the page's HTML, kept per process, changes with them."""
    url, session = page_tree.workshop.url, page_tree.sessions[0]
    before = _seats_left(client, url)
    _hold(session, seats=2)
    html = client.get(url).content.decode()
    capacity = session.capacity
    assert f"{before - 2} of {capacity} seats left" in html
    assert f"{before} of {capacity} seats left" not in html


def test_kept_html_never_carries_one_visitors_waiting_list_place_to_another(client, page_tree):
    from tests.factories import WaitlistEntryFactory

    session = page_tree.sessions[0]
    waiting = WaitlistEntryFactory(session=session).user
    url = page_tree.workshop.url
    client.force_login(waiting)
    assert "You're on the waiting list" in client.get(url).content.decode()
    client.force_login(UserFactory())
    other = client.get(url).content.decode()
    assert "You're on the waiting list" not in other
    assert "My account" in other
    client.logout()
    anonymous = client.get(url).content.decode()
    assert "You're on the waiting list" not in anonymous
    assert "Log in" in anonymous and "My account" not in anonymous


def test_the_header_marks_the_page_being_shown(client, page_tree):
    marked = f'<a href="{page_tree.workshops.url}" aria-current="page">'
    assert marked in client.get(page_tree.workshops.url).content.decode()
    assert marked not in client.get("/").content.decode()


def test_saved_contact_details_show_in_the_footer_on_the_next_request(client, page_tree):
    from wagtail.models import Site

    from cms.models import SiteSettings

    assert "+1 213 555 0199" not in client.get("/").content.decode()
    settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    settings.contact_phone = "+1 213 555 0199"
    settings.save()
    assert "+1 213 555 0199" in client.get("/").content.decode()


def test_the_kept_footer_turns_to_the_new_year_at_midnight(client, page_tree, monkeypatch):
    import datetime

    from django.utils import timezone

    this_year = timezone.localdate()
    assert f"&copy; {this_year.year} " in client.get("/").content.decode()
    new_year = datetime.date(this_year.year + 1, 1, 1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: new_year)
    client.cookies.clear()
    body = client.get("/workshops/").content.decode()
    assert f"&copy; {new_year.year} " in body


def test_a_preview_is_never_kept(client, page_tree, django_user_model):
    """An editor's unsaved draft must not reach visitors through the kept HTML."""
    from wagtail.models import Page

    page = page_tree.workshop
    page.title = "Draft title nobody published"
    request_html = page.make_preview_request(original_request=None)
    assert "Draft title nobody published" in request_html.content.decode()
    assert "Draft title nobody published" not in client.get(page.url).content.decode()
    assert Page.objects.get(pk=page.pk).title != "Draft title nobody published"
