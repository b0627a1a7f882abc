"""Sign-up, log-in and password flows through allauth, with bad input changing nothing."""

import re

from django.core import mail
from django.urls import reverse

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from tests.factories import UserFactory, totp_code

pytestmark = pytest.mark.django_db


def test_signup_sends_verification_code_and_verifies(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "Kneading-Wisely-88",
            "password2": "Kneading-Wisely-88",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email="new@example.com").exists()
    assert len(mail.outbox) == 1
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[0].body, re.M).group(1)
    response = client.post(reverse("account_email_verification_sent"), {"code": code})
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new@example.com").verified
    assert client.get(reverse("accounts:dashboard")).status_code == 200


def test_signup_with_taken_email_shows_error_and_creates_nothing(client):
    UserFactory(email="taken@example.com")
    response = client.post(
        reverse("account_signup"),
        {
            "email": "taken@example.com",
            "password1": "Kneading-Wisely-88",
            "password2": "Kneading-Wisely-88",
        },
    )
    assert response.status_code == 200
    assert "A user is already registered with this email address." in response.content.decode()
    assert User.objects.filter(email="taken@example.com").count() == 1


def test_signup_with_mismatched_passwords_is_refused(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "x@example.com", "password1": "Kneading-Wisely-88", "password2": "different-99"},
    )
    assert response.status_code == 200
    assert "You must type the same password each time." in response.content.decode()
    assert not User.objects.filter(email="x@example.com").exists()


def test_login_with_wrong_password_shows_clear_message(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": "nope"})
    assert response.status_code == 200
    assert (
        "The email address and/or password you specified are not correct."
        in response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_login_and_logout(client, user, password):
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    client.post(reverse("account_logout"))
    assert client.get(reverse("accounts:dashboard")).status_code == 302


def test_password_reset_with_bad_token_explains_and_changes_nothing(client, user, password):
    response = client.get("/accounts/password/reset/key/zz-bad-token/", follow=True)
    assert response.status_code == 200
    assert "Bad Token" in response.content.decode() or "invalid" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(password)


def test_password_reset_sends_mail_for_known_address(client, user):
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "password" in mail.outbox[0].subject.lower()


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_editor_reaches_wagtail_dashboard(client, demo_site):
    from demo import content

    response = client.post(
        reverse("account_login"),
        {"login": content.EDITOR_EMAIL, "password": content.EDITOR_PASSWORD},
    )
    assert response["Location"] == reverse("mfa_authenticate")  # editors use a second factor
    client.post(reverse("mfa_authenticate"), {"code": totp_code(content.DEMO_TOTP_SECRET)})
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "wagtail" in response.content.decode().lower()


def test_therapist_without_admin_permission_cannot_open_admin(client, user, password):
    """One "no access" page, not a redirect to sign in (which signed them straight back
    to /admin/: issue 12, row "Non-staff on /admin/")."""
    client.post(reverse("account_login"), {"login": user.email, "password": password})
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "The staff area isn’t part of your account" in response.content.decode()


def test_profile_update_and_invalid_input(client, user, password):
    client.post(reverse("account_login"), {"login": user.email, "password": password})
    response = client.post(
        reverse("accounts:profile"),
        {
            "full_name": "Ana Torres",
            "licence_number": "CAMTC 12345",
            "licence_state": "CA",
            "phone": "",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.licence_number == "CAMTC 12345"
    response = client.post(reverse("accounts:profile"), {"full_name": "x" * 300})
    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters" in response.content.decode()
    user.refresh_from_db()
    assert user.full_name == "Ana Torres"


def test_my_account_requires_login(client):
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_user_manager_normalises_email():
    user = User.objects.create_user("Mixed@Example.COM", "pw-123456789")
    assert user.email == "mixed@example.com"
    assert str(user) == "mixed@example.com"


def test_wagtail_login_url_redirects_to_allauth(client):
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=/admin/pages/"


def test_login_by_emailed_code(client, user):
    response = client.post(reverse("account_request_login_code"), {"email": user.email})
    assert response.status_code == 302
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.M).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": "WRONG-CODE"})
    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200
