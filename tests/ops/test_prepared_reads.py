"""Reads compiled once per process (``config.prepared``) answer exactly as the querysets
they are built from, for every value they are given, and stay ordinary queries."""

import datetime

from django.contrib.sessions.models import Session as StoredSession
from django.db import connection
from django.db.models import CharField, Count, DateTimeField, IntegerField
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from config.prepared import Param, PreparedRead
from courses.models import Registration, Session
from tests.factories import RegistrationFactory, SessionFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _session_read() -> PreparedRead:
    return PreparedRead(
        lambda: (
            Session.objects.select_related("workshop", "venue")
            .annotate(tickets=Count("ticket_types"))
            .filter(pk=Param("session", IntegerField()))
        )
    )


def test_a_prepared_read_builds_what_the_queryset_builds_for_each_value():
    sessions = [TicketTypeFactory().session, SessionFactory(), TicketTypeFactory().session]
    read = _session_read()
    for session in sessions:
        expected = (
            Session.objects.select_related("workshop", "venue")
            .annotate(tickets=Count("ticket_types"))
            .get(pk=session.pk)
        )
        found = read.first(session=session.pk)
        assert found.pk == session.pk
        fields = [f.attname for f in Session._meta.concrete_fields]
        assert [getattr(found, f) for f in fields] == [getattr(expected, f) for f in fields]
        assert found.tickets == expected.tickets
        with CaptureQueriesContext(connection) as ctx:
            assert found.workshop.title == expected.workshop.title  # joined: no query
            assert found.venue.city == expected.venue.city
        assert not ctx.captured_queries
    assert read.first(session=0) is None
    assert len(read._compiled) == 1  # compiled once, whatever the values


def test_each_run_is_an_ordinary_query_with_the_values_given():
    session = SessionFactory()
    read = _session_read()
    read.first(session=session.pk)
    with CaptureQueriesContext(connection) as ctx:
        read.first(session=session.pk)
    assert len(ctx.captured_queries) == 1
    assert str(session.pk) in ctx.captured_queries[0]["sql"]


def test_values_and_moments_are_converted_as_the_column_would_convert_them():
    ticket = TicketTypeFactory(session__capacity=5)
    held_until = timezone.now() + datetime.timedelta(minutes=10)
    RegistrationFactory(ticket_type=ticket, status="held", hold_expires_at=held_until)
    read = PreparedRead(
        lambda: Registration.objects.filter(
            session_id=Param("session", IntegerField()),
            hold_expires_at__gt=Param("at", DateTimeField()),
        ).values("attendee_email", "hold_expires_at")
    )
    before = read.all(session=ticket.session_id, at=held_until - datetime.timedelta(seconds=1))
    assert [row["hold_expires_at"] for row in before] == [held_until]
    assert read.all(session=ticket.session_id, at=held_until) == []


def test_a_signed_in_visitor_stays_signed_in_until_the_session_expires(client, page_tree):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/account/").status_code == 200
    key = client.cookies["sessionid"].value
    StoredSession.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/account/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_read_by_text_key_finds_only_that_key():
    user = UserFactory()
    other = UserFactory()
    read = PreparedRead(
        lambda: type(user).objects.filter(email=Param("email", CharField())).order_by("pk")
    )
    assert [u.pk for u in read.all(email=user.email)] == [user.pk]
    assert [u.pk for u in read.all(email=other.email)] == [other.pk]
    assert read.all(email="nobody@example.com") == []
