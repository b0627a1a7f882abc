"""Queries per public page, pinned: a change that adds one fails here before it costs
throughput (``make bench``). Two figures per page: a render that computes everything
(the shared cache empty: after a deploy, a publish, or for a few seconds after a seat
changes) and the usual render, with routes and session cards kept (cms.routing,
cms.fragments). Signed-in pages also read the session and the user."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from cms.routing import routes_forget
from tests.ops import test_flat_cost
from tests.ops.test_flat_cost import NINEFOLD, ONEFOLD

pytestmark = pytest.mark.django_db
people = test_flat_cost.people  # the same fixture: a member and a therapist with a booking

# page: (computing, kept); SQLite and PostgreSQL alike. Computing counts include the
# renditions Wagtail finds in the database when the cache is empty and, signed in, the
# session's activity record (written at most once a minute). Lower them when a change
# makes a page cheaper.
BUDGET = {
    "home": (18, 1),
    "workshop_index": (18, 0),
    "workshop_page": (18, 0),
    "workshop_page_member": (22, 3),
    "library_member": (19, 3),
    "lesson_member": (23, 3),
    "account_therapist": (13, 5),
    "register_step": (15, 6),
}


def _count(client, path: str, *, computing: bool) -> int:
    if computing:
        cache.clear()
        routes_forget()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200, path
    return len(ctx.captured_queries)


def _targets(page_tree) -> dict[str, tuple[str | None, str]]:
    """The public pages of the flat-cost test's list."""
    return {
        name: target
        for name, target in test_flat_cost._targets(page_tree).items()
        if name in BUDGET
    }


def _counts(client, people, targets) -> dict[str, tuple[int, int]]:
    counts = {}
    for name, (who, path) in targets.items():
        client.logout()
        if who:
            client.force_login(people[who])
        client.get(path)  # warm-up: templates, the session's activity record
        computing = _count(client, path, computing=True)
        client.get(path)
        counts[name] = (computing, _count(client, path, computing=False))
    return counts


def test_each_public_page_stays_within_its_query_budget(client, page_tree, people):
    counts = _counts(client, people, _targets(page_tree))
    over = {
        name: counts[name]
        for name, (most_computing, most_kept) in BUDGET.items()
        if counts[name][0] > most_computing or counts[name][1] > most_kept
    }
    assert not over, f"over the pinned budget (computing, kept): {over}; budget {BUDGET}"


def test_a_computing_render_costs_the_same_queries_with_ten_times_the_data(
    client, page_tree, people
):
    from demo.scale import seed_scale

    targets = _targets(page_tree)
    seed_scale(ONEFOLD)
    small = _counts(client, people, targets)
    seed_scale(NINEFOLD)
    large = _counts(client, people, targets)
    grew = {name: (small[name], large[name]) for name in small if large[name] != small[name]}
    assert not grew, f"query counts grew with the data (small, large): {grew}"
