import time

from django.core.cache.backends import locmem
from django.test import RequestFactory

import pytest

from cms import middleware
from config.kept import Kept
from courses.models import Session
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def _get(path: str):
    return RequestFactory().get(path)


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


def test_seats_left_are_at_most_a_few_seconds_stale(client, demo_site, page_cache, monkeypatch):
    client.get("/workshops/")
    session = Session.objects.get(starts_at__date="2027-03-13")
    RegistrationFactory(ticket_type=session.ticket_types.first())
    assert "Only 2 seats left" in client.get("/workshops/").content.decode()
    # PAGE_CACHE_SECONDS later, for the shared cache and every process's kept copy.
    later = time.time() + 5.01
    monkeypatch.setattr(locmem.time, "time", lambda: later)
    monkeypatch.setattr(middleware.time, "time", lambda: later)
    assert "Only 1 seat left" in client.get("/workshops/").content.decode()


def test_a_process_keeps_its_copy_no_longer_than_the_shared_entry(
    client, page_tree, page_cache, monkeypatch
):
    from django.core.cache import cache

    assert client.get("/workshops/")["X-Page-Cache"] == "miss"
    cache.clear()  # another process's view: the shared entry is gone, this copy is not
    assert client.get("/workshops/")["X-Page-Cache"] == "hit"
    stored = middleware.kept_pages.get(middleware.page_cache_key(_get("/workshops/")), 0)
    assert stored is not None and stored[3] <= time.time() + 5
    monkeypatch.setattr(middleware.time, "time", lambda: stored[3])
    assert client.get("/workshops/")["X-Page-Cache"] == "miss"


def test_a_process_keeps_a_bounded_number_of_pages():
    kept = Kept(size=2)
    for n in range(3):
        kept.put(f"k{n}", (200, [], b"", 10.0), until=10.0)
    assert kept.get("k0", 0) is None
    assert kept.get("k2", 0) is not None
    assert kept.get("k2", 10.0) is None  # expired at the shared entry's moment


def test_logged_in_visitors_and_other_urls_are_never_cached(client, page_tree, page_cache, user):
    client.force_login(user)
    assert "X-Page-Cache" not in client.get("/workshops/")
    client.logout()
    assert "X-Page-Cache" not in client.get("/no-such-page/")
    assert "X-Page-Cache" not in client.get("/search/?q=neck")
    response = client.get("/workshops/", {"month": "2027-02"})
    assert response["X-Page-Cache"] == "miss"
