import pytest

from courses.models import Session
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 5


def test_anonymous_pages_are_served_from_cache_without_queries(
    client, page_tree, page_cache, django_assert_num_queries
):
    first = client.get("/workshops/")
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get("/workshops/")
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "Set-Cookie" not in second


def test_seats_left_are_at_most_a_few_seconds_stale(client, demo_site, page_cache):
    from django.core.cache import cache

    client.get("/workshops/")
    session = Session.objects.get(starts_at__date="2027-03-13")
    RegistrationFactory(ticket_type=session.ticket_types.first())
    assert "Only 2 seats left" in client.get("/workshops/").content.decode()
    cache.clear()  # what the expiry after PAGE_CACHE_SECONDS does
    assert "Only 1 seat left" in client.get("/workshops/").content.decode()


def test_logged_in_visitors_and_other_urls_are_never_cached(client, page_tree, page_cache, user):
    client.force_login(user)
    assert "X-Page-Cache" not in client.get("/workshops/")
    client.logout()
    assert "X-Page-Cache" not in client.get("/no-such-page/")
    assert "X-Page-Cache" not in client.get("/search/?q=neck")
    response = client.get("/workshops/", {"month": "2027-02"})
    assert response["X-Page-Cache"] == "miss"
