"""Two-factor sign-in: optional for everyone, required before any staff page for accounts
with an admin, refund, order or check-in permission."""

from django.contrib.auth.models import Permission
from django.urls import reverse

import pytest
from allauth.mfa.models import Authenticator

from accounts.selectors.mfa import user_requires_mfa
from tests.factories import DEFAULT_PASSWORD, TEST_TOTP_SECRET, UserFactory, totp_code

pytestmark = pytest.mark.django_db


def _with_permission(codename: str, **flags):
    user = UserFactory(second_factor=False, **flags)
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


@pytest.mark.parametrize(
    "codename", ["access_admin", "refund_order", "view_order", "check_in_attendees"]
)
def test_each_staff_permission_requires_a_second_factor(codename):
    assert user_requires_mfa(user=_with_permission(codename))


def test_therapists_and_members_do_not_need_one():
    assert not user_requires_mfa(user=UserFactory())
    assert not user_requires_mfa(user=_with_permission("change_user"))
    assert user_requires_mfa(user=UserFactory(is_superuser=True, second_factor=False))


@pytest.mark.parametrize("path", ["/staff/sessions/", "/admin/", "/admin/orders/"])
def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, path):
    staff = _with_permission("check_in_attendees", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    response = client.get(path)
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"{reverse('accounts:mfa_required')}?next={path.replace('/', '%2F')}"
    )
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "Set up two-factor sign-in to continue" in body
    assert reverse("mfa_activate_totp") in body and reverse("mfa_add_webauthn") in body


def test_staff_with_a_second_factor_reach_check_in(client):
    staff = _with_permission("check_in_attendees", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    assert client.get("/staff/sessions/").status_code == 302  # not yet
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(staff, TEST_TOTP_SECRET)
    assert client.get("/staff/sessions/").status_code == 200
    assert client.get(reverse("accounts:mfa_required") + "?next=/staff/sessions/").url == (
        "/staff/sessions/"
    )


def test_others_keep_using_the_site_without_a_second_factor(client, user):
    client.force_login(user)
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200  # optional, offered


def test_sign_in_asks_for_the_code_and_refuses_a_wrong_one(client):
    staff = UserFactory(is_staff=True, email="sam@example.com")
    assert Authenticator.objects.filter(user=staff).count() == 1  # the staff fixture
    response = client.post(
        reverse("account_login"), {"login": "sam@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_my_account_lists_signed_in_devices(client, user, password):
    client.post(reverse("account_login"), {"login": user.email, "password": password})
    page = client.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert "127.0.0.1" in page.content.decode()
