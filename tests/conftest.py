from django.core.management import call_command

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def demo_site(db):
    """The demo content, built by the same command `make run` uses."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache, as a fresh process would."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
