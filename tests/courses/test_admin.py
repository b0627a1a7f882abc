"""Editors and event staff work on sessions and ticket types in the Wagtail admin."""

import datetime

from django.contrib.auth.models import Group
from django.urls import reverse

from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

import pytest

from cms.models import WorkshopIndexPage, WorkshopPage
from courses.models import Session, SessionStatus, TicketType, Venue, Workshop
from demo.groups import EVENT_STAFF
from tests.factories import (
    InstructorFactory,
    MasterclassFactory,
    RegistrationFactory,
    SessionFactory,
    TicketTypeFactory,
    UserFactory,
    VenueFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def session_form(workshop, venue, tickets, **overrides) -> dict:
    data = {
        "workshop": workshop.pk,
        "label": "",
        "starts_at": "2027-02-21 09:00",
        "ends_at": "2027-02-22 17:00",
        "venue": venue.pk,
        "time_zone": "",
        "capacity": "24",
        "status": "scheduled",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "ticket_types": inline_formset(tickets, initial=overrides.pop("initial", 0)),
    }
    data.update(overrides)
    return nested_form_data(data)


def dollars(amount: int) -> str:
    return f"{amount / 100:.2f}"


def ticket(name="Standard", price="449", **extra) -> dict:
    return {
        "name": name,
        "price_amount": price,
        "description": "",
        "sales_start": "",
        "sales_end": "",
        "quantity_limit": "",
        "min_per_order": "1",
        "max_per_order": "6",
        "members_price_amount": "",
        "currency": "usd",
        **extra,
    }


def session_admin_save(client, ticket_type, **changes):
    """Save the session's admin form as it is (one ticket type), with ``changes``."""
    session = ticket_type.session
    data = session_form(
        session.workshop,
        session.venue,
        [ticket(ticket_type.name, dollars(ticket_type.price_amount), id=str(ticket_type.pk))],
        initial=1,
        starts_at=f"{session.local_starts_at:%Y-%m-%d %H:%M}",
        ends_at=f"{session.local_ends_at:%Y-%m-%d %H:%M}",
        **changes,
    )
    return client.post(reverse("workshop_sessions:edit", args=[session.pk]), data)


def test_admin_creates_a_session_with_ticket_types_that_saves_at_once(admin_client):
    workshop, venue = WorkshopFactory(), VenueFactory()
    url = reverse("workshop_sessions:add")
    assert admin_client.get(url, {"workshop": workshop.pk}).status_code == 200
    response = admin_client.post(
        url,
        session_form(
            workshop,
            venue,
            [ticket("Early bird", "349.00", sales_end="2027-01-10 23:59"), ticket()],
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    session = Session.objects.get()
    assert session.local_starts_at == datetime.datetime(2027, 2, 21, 9, 0, tzinfo=session.tz)
    assert sorted(session.ticket_types.values_list("name", "price_amount")) == [
        ("Early bird", 34900),
        ("Standard", 44900),
    ]


def test_admin_add_form_prefills_the_workshop(admin_client):
    workshop = WorkshopFactory()
    html = admin_client.get(
        reverse("workshop_sessions:add"), {"workshop": workshop.pk}
    ).content.decode()
    assert f'name="workshop" value="{workshop.pk}"' in html


def test_end_before_start_is_refused_in_the_form(admin_client):
    workshop, venue = WorkshopFactory(), VenueFactory()
    response = admin_client.post(
        reverse("workshop_sessions:add"),
        session_form(workshop, venue, [ticket()], ends_at="2027-02-20 17:00"),
    )
    assert response.status_code == 200
    assert "The session must end after it starts." in response.content.decode()
    assert not Session.objects.exists()


def test_unsellable_sales_windows_are_refused(admin_client):
    workshop, venue = WorkshopFactory(), VenueFactory()
    response = admin_client.post(
        reverse("workshop_sessions:add"),
        session_form(
            workshop,
            venue,
            [ticket("Early bird", sales_end="2027-01-01 00:00")],
            registration_opens_at="2027-01-15 09:00",
        ),
    )
    assert response.status_code == 200
    assert "No ticket type is on sale while registration is open" in response.content.decode()
    assert not Session.objects.exists()


def test_capacity_below_seats_taken_is_refused_on_edit(admin_client):
    ticket_type = TicketTypeFactory(session__capacity=10)
    session = ticket_type.session
    RegistrationFactory.create_batch(5, ticket_type=ticket_type)
    url = reverse("workshop_sessions:edit", args=[session.pk])
    existing = ticket(ticket_type.name, dollars(ticket_type.price_amount), id=str(ticket_type.pk))
    data = session_form(
        session.workshop,
        session.venue,
        [existing],
        initial=1,
        capacity="4",
        starts_at=f"{session.local_starts_at:%Y-%m-%d %H:%M}",
        ends_at=f"{session.local_ends_at:%Y-%m-%d %H:%M}",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "5 seats are already taken" in response.content.decode()
    session.refresh_from_db()
    assert session.capacity == 10
    data["capacity"] = "30"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.capacity == 30


def test_removing_a_sold_ticket_type_is_refused(admin_client):
    registration = RegistrationFactory()
    session, ticket_type = registration.session, registration.ticket_type
    data = session_form(
        session.workshop,
        session.venue,
        [ticket(ticket_type.name, id=str(ticket_type.pk), DELETE="1"), ticket("New")],
        initial=1,
        starts_at=f"{session.local_starts_at:%Y-%m-%d %H:%M}",
        ends_at=f"{session.local_ends_at:%Y-%m-%d %H:%M}",
    )
    response = admin_client.post(reverse("workshop_sessions:edit", args=[session.pk]), data)
    assert response.status_code == 200
    assert "has registrations and cannot be removed" in response.content.decode()
    assert TicketType.objects.filter(pk=ticket_type.pk).exists()


def test_deleting_a_session_with_registrations_is_refused_with_a_message(admin_client):
    registration = RegistrationFactory()
    url = reverse("workshop_sessions:delete", args=[registration.session.pk])
    response = admin_client.post(url, follow=True)
    assert "cannot be deleted. Cancel the session instead" in response.content.decode()
    assert Session.objects.filter(pk=registration.session.pk).exists()
    assert admin_client.get(url).status_code == 302


def test_deleting_an_empty_session_works(admin_client):
    session = TicketTypeFactory().session
    response = admin_client.post(reverse("workshop_sessions:delete", args=[session.pk]))
    assert response.status_code == 302
    assert not Session.objects.exists()


def test_session_listing_shows_seats_taken(admin_client):
    ticket_type = TicketTypeFactory()
    RegistrationFactory.create_batch(3, ticket_type=ticket_type)
    response = admin_client.get(reverse("workshop_sessions:index"))
    assert response.status_code == 200
    assert str(ticket_type.session.workshop) in response.content.decode()


def test_snippets_for_venues_instructors_and_course_records(admin_client):
    response = admin_client.post(
        reverse("wagtailsnippets_courses_venue:add"),
        {
            "name": "Harbor Therapy Collective",
            "address": "1550 India Street",
            "city": "San Diego",
            "region": "CA",
            "postal_code": "92101",
            "country": "US",
            "time_zone": "America/Los_Angeles",
            "directions": "",
        },
    )
    assert response.status_code == 302
    assert Venue.objects.filter(city="San Diego").exists()
    response = admin_client.post(
        reverse("wagtailsnippets_courses_workshop:add"),
        {
            "title": "Shoulder Clinic",
            "ce_title": "Myofascial Techniques for the Shoulder",
            "ce_hours": "7.0",
            "course_type": "hands_on",
            "provider_approval_number": "",
            "prerequisites": "",
            "refund_full_days": "14",
            "refund_partial_days": "",
            "refund_partial_percent": "50",
        },
    )
    assert response.status_code == 302
    assert Workshop.objects.filter(title="Shoulder Clinic").exists()
    assert admin_client.get(reverse("wagtailsnippets_courses_instructor:list")).status_code == 200


def test_workshop_page_editor_lists_sessions_with_edit_links(admin_client, page_tree):
    page = WorkshopPage.objects.get(slug="physiomassage-training")
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert "Dates and tickets" in html
    for session in Session.objects.filter(workshop=page.workshop):
        assert reverse("workshop_sessions:edit", args=[session.pk]) in html
    assert f"{reverse('workshop_sessions:add')}?workshop={page.workshop_id}" in html


def test_editor_creates_and_publishes_a_workshop_page(client, demo_site):
    from demo import content

    client.login(email=content.EDITOR_EMAIL, password=content.EDITOR_PASSWORD)
    index = WorkshopIndexPage.objects.get()
    workshop = WorkshopFactory(title="Hip Clinic")
    instructor = InstructorFactory()
    url = reverse("wagtailadmin_pages:add", args=["cms", "workshoppage", index.pk])
    assert client.get(url).status_code == 200
    data = nested_form_data(
        {
            "title": "Hip Clinic",
            "slug": "hip-clinic",
            "workshop": workshop.pk,
            "summary": "A day on the painful hip.",
            "body": streamfield([]),
            "what_to_bring": rich_text("<p>Sheets.</p>"),
            "instructors": [instructor.pk],
            "action-publish": "publish",
        }
    )
    data["instructors"] = [str(instructor.pk)]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    page = WorkshopPage.objects.get(slug="hip-clinic")
    assert page.live
    assert list(page.instructors.all()) == [instructor]


def test_event_staff_can_manage_sessions_but_not_pages(client, demo_site):
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name=EVENT_STAFF))
    client.force_login(staff)
    assert client.get(reverse("workshop_sessions:index")).status_code == 200
    page = WorkshopPage.objects.first()
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    session = SessionFactory(status=SessionStatus.SCHEDULED)
    assert client.get(reverse("workshop_sessions:edit", args=[session.pk])).status_code == 200


def test_deleting_a_venue_or_course_record_in_use_is_refused_with_a_message(admin_client):
    session = SessionFactory()
    for name, obj in [("venue", session.venue), ("workshop", session.workshop)]:
        url = reverse(f"wagtailsnippets_courses_{name}:delete", args=[obj.pk])
        response = admin_client.post(url, follow=True)
        assert response.status_code == 200
        assert "is still used by" in response.content.decode()
        assert type(obj).objects.filter(pk=obj.pk).exists()
    unused = VenueFactory(name="Unused Hall")
    admin_client.post(reverse("wagtailsnippets_courses_venue:delete", args=[unused.pk]))
    assert not Venue.objects.filter(pk=unused.pk).exists()


# --- Status: cancelling goes through "Cancel this session" (refunds, e-mails) ---------


def _status_select(response) -> str:
    html = response.content.decode()
    start = html.index('name="status"')
    return html[html.rindex("<select", 0, start) : html.index("</select>", start)]


def test_the_session_form_does_not_offer_cancelled_and_points_to_the_action(admin_client):
    session = TicketTypeFactory().session
    for url in (
        reverse("workshop_sessions:edit", args=[session.pk]),
        reverse("workshop_sessions:add"),
    ):
        response = admin_client.get(url)
        select = _status_select(response)
        assert 'value="scheduled"' in select and 'value="cancelled"' not in select
        assert "use “Cancel this session”" in response.content.decode()


def test_a_crafted_cancel_through_the_form_is_refused_and_changes_nothing(admin_client):
    ticket_type = TicketTypeFactory(session__capacity=10)
    RegistrationFactory(ticket_type=ticket_type)
    session = ticket_type.session
    response = session_admin_save(admin_client, ticket_type, capacity="12", status="cancelled")
    assert response.status_code == 200
    assert response.context["form"].errors["status"] == [
        "A session cannot be canceled from this form. To cancel a session, use “Cancel "
        "this session” in the session's actions menu: it refunds every paid order and "
        "e-mails attendees and the waiting list."
    ]
    session.refresh_from_db()
    assert (session.status, session.capacity) == (SessionStatus.SCHEDULED, 10)
    assert session.registrations.get().status == "confirmed"


def test_a_new_session_cannot_be_created_cancelled(admin_client):
    workshop, venue = WorkshopFactory(), VenueFactory()
    response = admin_client.post(
        reverse("workshop_sessions:add"),
        session_form(workshop, venue, [ticket()], status="cancelled"),
    )
    assert response.status_code == 200 and "status" in response.context["form"].errors
    assert not Session.objects.exists()


def test_a_cancelled_sessions_status_is_read_only(admin_client):
    ticket_type = TicketTypeFactory(session__status=SessionStatus.CANCELLED)
    session = ticket_type.session
    url = reverse("workshop_sessions:edit", args=[session.pk])
    select = _status_select(admin_client.get(url))
    assert "disabled" in select and 'value="cancelled" selected' in select
    # Other fields still save; a posted status is ignored.
    response = session_admin_save(
        admin_client, ticket_type, label="Moved online", status="scheduled"
    )
    assert response.status_code == 302, response.context["form"].errors
    session.refresh_from_db()
    assert (session.status, session.label) == (SessionStatus.CANCELLED, "Moved online")


def test_editors_type_ticket_prices_in_dollars_with_the_currency_shown(admin_client):
    ticket_type = TicketTypeFactory(price_amount=34900)
    html = admin_client.get(
        reverse("workshop_sessions:edit", args=[ticket_type.session.pk])
    ).content.decode()
    assert 'value="349.00"' in html
    assert "USD" in html
    assert "(cents)" not in html


def _save_with_price(client, ticket_type, price: str, **confirm):
    session = ticket_type.session
    data = session_form(
        session.workshop,
        session.venue,
        [ticket(ticket_type.name, price, id=str(ticket_type.pk))],
        initial=1,
        starts_at=f"{session.local_starts_at:%Y-%m-%d %H:%M}",
        ends_at=f"{session.local_ends_at:%Y-%m-%d %H:%M}",
    )
    data.update(confirm)
    return client.post(reverse("workshop_sessions:edit", args=[session.pk]), data)


@pytest.mark.parametrize(
    ("typed", "stored", "warning"),
    [
        ("34900", 3490000, "$34,900.00 is an unusually high price"),
        ("1.99", 199, "$1.99 is an unusually low price"),
    ],
)
def test_an_unusual_price_is_saved_only_once_the_editor_confirms_it(
    admin_client, typed, stored, warning
):
    ticket_type = TicketTypeFactory(price_amount=34900)

    response = _save_with_price(admin_client, ticket_type, typed)
    assert response.status_code == 200
    html = response.content.decode()
    assert warning in html
    assert 'name="ticket_types-0-price_amount_confirm"' in html
    assert "I confirm this unusual price" in html
    ticket_type.refresh_from_db()
    assert ticket_type.price_amount == 34900

    confirmed = {"ticket_types-0-price_amount_confirm": "1"}
    response = _save_with_price(admin_client, ticket_type, typed, **confirmed)
    assert response.status_code == 302, response.context["form"].errors
    ticket_type.refresh_from_db()
    assert ticket_type.price_amount == stored
    # Saved once, the price is shown as confirmed: saving again needs no new tick.
    html = admin_client.get(
        reverse("workshop_sessions:edit", args=[ticket_type.session.pk])
    ).content.decode()
    assert (
        'name="ticket_types-0-price_amount_confirm" id="id_ticket_types-0-price_amount_confirm" value="1" checked'
        in html
    )


def test_a_negative_price_is_refused_even_when_confirmed(admin_client):
    ticket_type = TicketTypeFactory(price_amount=34900)
    confirmed = {"ticket_types-0-price_amount_confirm": "1"}
    response = _save_with_price(admin_client, ticket_type, "-349", **confirmed)
    assert response.status_code == 200
    assert "A price cannot be negative" in response.content.decode()
    ticket_type.refresh_from_db()
    assert ticket_type.price_amount == 34900


def test_an_unusual_masterclass_price_needs_the_same_confirmation(admin_client):
    masterclass = MasterclassFactory(price_amount=14900)
    url = reverse("wagtailsnippets_courses_masterclass:edit", args=[masterclass.pk])
    form = admin_client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["price_amount"] = "14900"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "$14,900.00 is an unusually high price" in response.content.decode()
    masterclass.refresh_from_db()
    assert masterclass.price_amount == 14900

    response = admin_client.post(url, {**data, "price_amount_confirm": "1"})
    assert response.status_code == 302
    masterclass.refresh_from_db()
    assert masterclass.price_amount == 1490000
