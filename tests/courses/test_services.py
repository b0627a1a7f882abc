import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

import pytest

from courses import services
from courses.errors import CoursesError, SessionHasRegistrations, SessionInvalid
from courses.models import Session, SessionStatus, TicketType
from tests.factories import RegistrationFactory, SessionFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
DAY = datetime.timedelta(days=1)


def errors_of(session, tickets) -> dict:
    with pytest.raises(SessionInvalid) as caught:
        services.session_validate(session=session, ticket_types=tickets)
    assert isinstance(caught.value, CoursesError)
    return caught.value.errors


def test_valid_session_passes():
    ticket = TicketTypeFactory()
    services.session_validate(session=ticket.session, ticket_types=[ticket])


def test_end_before_start_is_refused_with_a_clear_message():
    session = SessionFactory.build(starts_at=NOW + 10 * DAY, ends_at=NOW + 9 * DAY)
    errors = errors_of(session, [TicketTypeFactory.build(session=session)])
    assert errors["ends_at"] == ["The session must end after it starts."]


def test_capacity_below_seats_taken_is_refused():
    ticket = TicketTypeFactory(session__capacity=10)
    RegistrationFactory.create_batch(4, ticket_type=ticket)
    session = ticket.session
    session.capacity = 3
    errors = errors_of(session, [ticket])
    assert "4 seats are already taken" in errors["capacity"][0]
    session.capacity = 4
    services.session_validate(session=session, ticket_types=[ticket])


def test_session_without_ticket_types_cannot_be_sold():
    session = SessionFactory()
    assert "Add at least one ticket type" in errors_of(session, [])[None][0]


def test_sales_windows_that_all_close_before_registration_opens_are_refused():
    session = SessionFactory(
        starts_at=NOW + 60 * DAY,
        ends_at=NOW + 61 * DAY,
        registration_opens_at=NOW + 30 * DAY,
    )
    early = TicketTypeFactory.build(session=session, name="Early bird", sales_end=NOW + 20 * DAY)
    message = errors_of(session, [early])[None][0]
    assert "No ticket type is on sale while registration is open" in message
    standard = TicketTypeFactory.build(session=session, sales_start=NOW + 20 * DAY)
    services.session_validate(session=session, ticket_types=[early, standard])


def test_sales_starting_after_the_session_starts_is_refused():
    session = SessionFactory(starts_at=NOW + 10 * DAY, ends_at=NOW + 11 * DAY)
    late = TicketTypeFactory.build(session=session, sales_start=NOW + 12 * DAY)
    assert "nobody could register" in errors_of(session, [late])[None][0]


def test_cancelled_session_needs_no_sellable_ticket():
    session = SessionFactory(status=SessionStatus.CANCELLED)
    services.session_validate(session=session, ticket_types=[])


def test_ticket_limit_above_capacity_and_reversed_window_are_refused():
    session = SessionFactory(capacity=10)
    ticket = TicketTypeFactory.build(
        session=session, quantity_limit=12, sales_start=NOW + 2 * DAY, sales_end=NOW + DAY
    )
    messages = errors_of(session, [ticket])[None]
    assert any("more than the session's capacity of 10" in m for m in messages)
    assert any("ends before it starts" in m for m in messages)


def test_registration_window_must_open_before_it_closes():
    session = SessionFactory.build(
        starts_at=NOW + 10 * DAY,
        ends_at=NOW + 11 * DAY,
        registration_opens_at=NOW + 10 * DAY,
    )
    assert (
        "Registration must open before it closes"
        in (errors_of(session, [])["registration_opens_at"][0])
    )


def test_deleting_a_session_with_registrations_is_refused_and_changes_nothing():
    registration = RegistrationFactory()
    session = registration.session
    with pytest.raises(SessionHasRegistrations, match="Cancel the session instead"):
        services.session_delete(session=session)
    assert Session.objects.filter(pk=session.pk).exists()
    services.session_cancel(session=session)
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED


def test_deleting_an_empty_session_deletes_its_tickets_too():
    ticket = TicketTypeFactory()
    services.session_delete(session=ticket.session)
    assert not Session.objects.exists()
    assert not TicketType.objects.exists()


def test_removing_a_ticket_type_with_registrations_is_refused():
    registration = RegistrationFactory()
    with pytest.raises(SessionHasRegistrations):
        services.ticket_type_removal_check(ticket_type=registration.ticket_type)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ends_at": NOW},  # equal to start
        {"capacity": -1},
    ],
)
def test_database_constraints_hold_without_the_services(kwargs):
    values = {"starts_at": NOW, "ends_at": NOW + DAY, "capacity": 5, **kwargs}
    session = SessionFactory.build(**values)
    session.workshop.save()
    session.venue.save()
    session.workshop_id, session.venue_id = session.workshop.pk, session.venue.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.bulk_create([session])


def test_negative_price_violates_constraint():
    session = SessionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketType.objects.bulk_create(
            [
                TicketType(
                    session=session, name="x", price_amount=0, min_per_order=2, max_per_order=1
                )
            ]
        )
