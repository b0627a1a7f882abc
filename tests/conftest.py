from django.conf import settings
from django.core.management import call_command

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.page_tree import PageTree, page_tree_create

POSTGRES_ONLY = pytest.mark.skip(
    reason="needs PostgreSQL (set DATABASE_URL): SQLite serialises every writer, "
    "so row-lock races and concurrent workers prove nothing there"
)


def pytest_collection_modifyitems(items):
    """The one place PostgreSQL-only tests are skipped: mark them `postgres`."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(POSTGRES_ONLY)


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def page_tree(db) -> PageTree:
    """Home, one workshop and one masterclass with their pages: what page tests need."""
    return page_tree_create()


@pytest.fixture
def demo_site(db):
    """The demo content, built by the same command `make run` uses. Slow: only for tests
    about the demo itself; other page tests use `page_tree`."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache, as a fresh process would."""
    from django.core.cache import cache

    from accounts.middleware import activity_written
    from cms import fragments
    from cms.middleware import kept_pages
    from payments.selectors import memberships

    forgets = (
        cache.clear,
        kept_pages.clear,
        fragments.forget,
        activity_written.clear,
        memberships._past_due_here.clear,
    )
    for forget in forgets:
        forget()
    yield
    for forget in forgets:
        forget()
