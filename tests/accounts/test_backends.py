"""The sign-in backend: one password check per attempt, and sessions signed in through
the backends it replaced stay signed in until they expire."""

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.signals import user_login_failed
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_tree")]


@pytest.fixture
def password_checks(monkeypatch):
    """How many times a password was hashed to be checked."""
    checks = []
    original = MD5PasswordHasher.verify

    def verify(self, password, encoded):
        checks.append(password)
        return original(self, password, encoded)

    monkeypatch.setattr(MD5PasswordHasher, "verify", verify)
    return checks


def test_a_wrong_password_is_checked_once_and_signs_nobody_in(client, user, password_checks):
    failures = []
    user_login_failed.connect(lambda **kwargs: failures.append(kwargs), weak=False)
    try:
        response = client.post(reverse("account_login"), {"login": user.email, "password": "no"})
    finally:
        user_login_failed.receivers.clear()
    assert response.status_code == 200
    assert "are not correct" in response.content.decode()
    assert password_checks == ["no"]
    assert len(failures) == 1
    assert SESSION_KEY not in client.session


def test_the_email_signs_in_whatever_its_case(client, password):
    user = UserFactory(email="ana.lopez@example.com")
    response = client.post(
        reverse("account_login"), {"login": "Ana.Lopez@Example.COM", "password": password}
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.session[BACKEND_SESSION_KEY] == "accounts.backends.AuthenticationBackend"


@pytest.mark.parametrize(
    "backend",
    [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ],
)
def test_sessions_signed_in_through_the_earlier_backends_stay_signed_in(client, user, backend):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    client.cookies["sessionid"] = store.session_key
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200
    assert user.email in response.content.decode()


def test_a_deactivated_user_is_signed_out_on_the_next_request(client, user):
    client.force_login(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302
