import datetime
import json
import re
import zoneinfo

from django.utils import timezone

import pytest

from cms.models import HomePage, WorkshopIndexPage, WorkshopPage
from courses.models import Session, SessionStatus
from tests.factories import (
    RegistrationFactory,
    SessionFactory,
    TicketTypeFactory,
    VenueFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db

LA = zoneinfo.ZoneInfo("America/Los_Angeles")
NY = zoneinfo.ZoneInfo("America/New_York")


def add_workshop_page(title: str, **session_kwargs) -> tuple[WorkshopPage, Session]:
    index = WorkshopIndexPage.objects.get()
    workshop = WorkshopFactory(title=title)
    page = WorkshopPage(title=title, workshop=workshop, summary=f"About {title}.")
    index.add_child(instance=page)
    page.save_revision().publish()
    session = SessionFactory(workshop=workshop, **session_kwargs)
    TicketTypeFactory(session=session, price_amount=19900)
    return page, session


def json_ld(html: str) -> list:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD script"
    return json.loads(match.group(1))


def test_listing_shows_demo_workshops_in_date_order_with_states(client, demo_site):
    response = client.get("/workshops/")
    html = response.content.decode()
    assert response.status_code == 200
    titles = re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', html)
    assert titles[:3] == [
        "Free Introductory Evening: Clinical Reasoning for Massage Therapists",
        "PhysioMassage Training: Low Back and Neck Pain",
        "Myofascial Release for the Shoulder Girdle",
    ]
    assert "February 21–22, 2027" in html
    assert "9:00 AM–5:00 PM PST each day" in html
    assert "Only 2 seats left" in html
    assert "From <strong>$349.00</strong>" in html
    assert "Free" in html
    assert "Past workshops" in html and "October 17, 2026" in html


def test_listing_filters_by_month_and_city(client, demo_site):
    html = client.get("/workshops/", {"month": "2027-02"}).content.decode()
    assert "February 21–22, 2027" in html
    assert "March 13, 2027" not in html
    assert "Workshops in February 2027" in html
    html = client.get("/workshops/", {"city": "pasadena"}).content.decode()
    assert "March 13, 2027" in html and "February 21–22, 2027" not in html
    html = client.get("/workshops/", {"month": "2027-02", "city": "San Diego"}).content.decode()
    assert "No workshops match these filters" in html
    html = client.get("/workshops/", {"month": "2031-07"}).content.decode()
    assert "We have no dates in July 2031" in html
    assert "Show all upcoming workshops" in html


@pytest.mark.parametrize(
    "params",
    [{"month": "2027-13"}, {"month": "<script>"}, {"city": "x" * 500}, {"month": "9" * 100}],
)
def test_bad_filters_get_a_friendly_page_and_change_nothing(client, page_tree, params):
    sessions = Session.objects.count()
    response = client.get("/workshops/", params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html.split("<main", 1)[1] or "&lt;script&gt;" in html
    if "month" in params:
        assert "We could not read that month" in html
    assert Session.objects.count() == sessions


def test_sold_out_session_shows_sold_out_and_no_register_button(client, page_tree):
    page, session = add_workshop_page("Sold Out Clinic", capacity=2)
    RegistrationFactory.create_batch(2, ticket_type=session.ticket_types.get())
    html = client.get(page.url).content.decode()
    assert "Sold out" in html
    assert "Register<" not in html
    listing = client.get("/workshops/").content.decode()
    assert "Sold out" in listing


def test_closed_registration_says_so(client, page_tree):
    page, _ = add_workshop_page(
        "Closed Clinic", registration_closes_at=timezone.now() - datetime.timedelta(hours=1)
    )
    html = client.get(page.url).content.decode()
    assert "Registration closed" in html


def test_cancelled_session_is_marked_and_left_out_of_the_listing(client, page_tree):
    page, _ = add_workshop_page("Cancelled Clinic", status=SessionStatus.CANCELLED)
    assert "Canceled" in client.get(page.url).content.decode()
    assert "Cancelled Clinic" not in client.get("/workshops/").content.decode()


def test_dates_are_shown_in_the_venue_time_zone(client, page_tree):
    venue = VenueFactory(name="Hudson Loft", city="New York", time_zone="America/New_York")
    page, _ = add_workshop_page(
        "East Coast Clinic",
        venue=venue,
        starts_at=datetime.datetime(2027, 5, 1, 0, 30, tzinfo=NY),
        ends_at=datetime.datetime(2027, 5, 1, 8, 0, tzinfo=NY),
    )
    html = client.get(page.url).content.decode()
    # 00:30 in New York is still 30 April in Los Angeles: the venue's date wins.
    assert "May 1, 2027" in html
    assert "12:30 AM–8:00 AM EDT" in html
    html = client.get("/workshops/", {"month": "2027-05"}).content.decode()
    assert "East Coast Clinic" in html


def test_workshop_page_shows_sessions_tickets_venue_and_json_ld(client, page_tree):
    page = WorkshopPage.objects.get(slug="physiomassage-training")
    response = client.get(page.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "February 21–22, 2027" in html and "April 17–18, 2027" in html
    assert "Early bird" in html and "$349" in html and "$449" in html
    assert "Until January 10, 2027" in html
    assert "openstreetmap.org" in html
    assert "14</strong> CE hours" in html
    assert "Dr. Elena Marsh" in html
    assert "calendar.ics" in html
    assert '<meta property="og:title"' in html
    events = json_ld(html)
    assert len(events) == 2
    first = events[0]
    assert first["@type"] == "Event"
    assert first["startDate"] == "2027-02-21T09:00:00-08:00"
    assert first["endDate"] == "2027-02-22T17:00:00-08:00"
    assert first["eventStatus"] == "https://schema.org/EventScheduled"
    assert first["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert first["location"]["@type"] == "Place"
    assert first["location"]["address"]["@type"] == "PostalAddress"
    assert first["location"]["address"]["addressLocality"] == "Los Angeles"
    prices = {o["name"]: o for o in first["offers"]}
    assert prices["Early bird"]["price"] == "349.00"
    assert prices["Standard"]["priceCurrency"] == "USD"
    assert prices["Standard"]["availability"] == "https://schema.org/InStock"
    assert first["url"].endswith("/workshops/physiomassage-training/")


def test_json_ld_escapes_markup_in_editor_text(client, page_tree):
    page, _ = add_workshop_page("Escapes")
    page.summary = "</script><script>alert(1)</script>"
    page.save_revision().publish()
    html = client.get(page.url).content.decode()
    events = json_ld(html)
    assert events[0]["description"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in html


def test_sold_out_offer_in_json_ld(client, page_tree):
    page, session = add_workshop_page("Full House", capacity=1)
    RegistrationFactory(ticket_type=session.ticket_types.get())
    events = json_ld(client.get(page.url).content.decode())
    assert events[0]["offers"][0]["availability"] == "https://schema.org/SoldOut"


def test_home_page_links_to_workshops_and_lists_upcoming(client, page_tree):
    html = client.get("/").content.decode()
    assert 'href="/workshops/"' in html
    assert "Upcoming workshops" in html
    assert HomePage.objects.get().hero_cta_page.specific.__class__ is WorkshopIndexPage
    assert re.search(r'class="button button--large" href="/workshops/"', html)


def test_workshop_page_query_count_does_not_grow_with_sessions(
    client, page_tree, django_assert_max_num_queries
):
    from django.core.cache import cache

    page, session = add_workshop_page("Many Dates")
    client.get(page.url)
    cache.clear()  # measure a render that computes everything (nothing kept)
    with django_assert_max_num_queries(20) as first:
        client.get(page.url)
    for days in range(70, 75):
        TicketTypeFactory(
            session=SessionFactory(
                workshop=session.workshop,
                starts_at=timezone.now() + datetime.timedelta(days=days),
            )
        )
    cache.clear()
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(page.url)


def test_listing_needs_four_queries_whatever_the_number_of_sessions(
    page_tree, django_assert_num_queries
):
    from cms.workshops import session_listing

    # View restrictions, a light row per upcoming session (filters, paging), the page's
    # sessions with seats and prices, their workshop pages.
    with django_assert_num_queries(4):
        before = session_listing().total
    _, session = add_workshop_page("Growing")
    for days in range(80, 86):
        TicketTypeFactory(
            session=SessionFactory(
                workshop=session.workshop,
                starts_at=timezone.now() + datetime.timedelta(days=days),
            )
        )
    with django_assert_num_queries(4):
        assert session_listing().total == before + 7


def test_editor_can_preview_a_workshop_page(client, page_tree):
    from django.urls import reverse

    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

    from tests.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = WorkshopPage.objects.get(slug="physiomassage-training")
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
    data = nested_form_data(
        {
            "title": "Preview title",
            "slug": page.slug,
            "workshop": page.workshop_id,
            "summary": "Previewed summary.",
            "body": streamfield([]),
            "what_to_bring": rich_text("<p>Sheets.</p>"),
        }
    )
    assert client.post(url, data).json()["is_valid"] is True
    html = client.get(url).content.decode()
    assert "Previewed summary." in html
    assert "February 21–22, 2027" in html


def _preview_form(workshop_id, title="Hip and Pelvis Clinic", slug="hip-and-pelvis-clinic"):
    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "workshop": workshop_id,
            "summary": "A one-day clinic on hip and pelvic girdle pain.",
            "body": streamfield([]),
            "what_to_bring": rich_text("<p>Sheets.</p>"),
        }
    )


def test_preview_of_a_page_never_saved_shows_a_labelled_empty_dates_state(client, page_tree):
    from django.urls import reverse

    from tests.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    index = WorkshopIndexPage.objects.get()
    url = reverse("wagtailadmin_pages:preview_on_add", args=["cms", "workshoppage", index.pk])
    new_course = WorkshopFactory(title="Hip and Pelvis Clinic")
    assert client.post(url, _preview_form(new_course.pk)).json()["is_valid"] is True
    html = client.get(url).content.decode()
    assert "A one-day clinic on hip and pelvic girdle pain." in html
    assert "Preview: no dates yet" in html
    assert "appear here as soon as they are saved" in html
    assert "We are planning the next run" not in html  # the visitors' wording is not shown


def test_preview_of_a_new_page_for_a_scheduled_course_shows_its_live_dates(client, page_tree):
    from django.urls import reverse

    from tests.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    index = WorkshopIndexPage.objects.get()
    url = reverse("wagtailadmin_pages:preview_on_add", args=["cms", "workshoppage", index.pk])
    course = WorkshopFactory(title="Hip and Pelvis Clinic")
    session = SessionFactory(
        workshop=course, starts_at=datetime.datetime(2027, 4, 10, 16, tzinfo=datetime.UTC)
    )
    TicketTypeFactory(session=session, name="Early bird", price_amount=24900)
    assert client.post(url, _preview_form(course.pk)).json()["is_valid"] is True
    html = client.get(url).content.decode()
    assert "Early bird" in html and "$249" in html
    assert "Preview: live dates and tickets" in html
