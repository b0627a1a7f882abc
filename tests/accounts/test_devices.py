"""Signed-in devices: named as people know them, and each one can be signed out."""

from django.test import Client
from django.urls import reverse

import pytest
from allauth.usersessions.models import UserSession

from accounts.selectors.devices import device_name, device_place
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

MAC_CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


def signed_in(user, user_agent: str, ip: str = "127.0.0.1") -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return client


def test_devices_are_named_by_browser_system_and_kind():
    assert device_name(MAC_CHROME) == ("Chrome 131 on macOS", "computer")
    assert device_name(IPHONE_SAFARI) == ("Mobile Safari 17 on iOS", "phone")
    assert device_name("") == ("Unknown browser", "computer")
    assert device_place("127.0.0.1") == "This computer"
    assert device_place("192.168.1.20") == "A private network"
    assert device_place("93.184.216.34") == "Public internet"
    assert device_place("not an address") == "Unknown network"


def test_the_page_lists_both_devices_with_this_one_marked():
    user = UserFactory()
    signed_in(user, IPHONE_SAFARI, ip="192.168.1.20")
    laptop = signed_in(user, MAC_CHROME)
    html = laptop.get(reverse("usersessions_list")).content.decode()
    assert "Chrome 131 on macOS" in html and "Mobile Safari 17 on iOS" in html
    assert "A private network (192.168.1.20)" in html
    assert html.count("This device") == 1
    assert html.index("Chrome 131 on macOS") < html.index("Mobile Safari 17 on iOS")


def test_signing_out_one_other_device_signs_that_browser_out():
    user = UserFactory()
    phone = signed_in(user, IPHONE_SAFARI)
    laptop = signed_in(user, MAC_CHROME)
    phone_session = UserSession.objects.get(user=user, user_agent=IPHONE_SAFARI)

    response = laptop.post(
        reverse("accounts:device_sign_out", args=[phone_session.pk]), follow=True
    )
    assert "That device is signed out." in response.content.decode()
    assert not UserSession.objects.filter(pk=phone_session.pk).exists()
    assert phone.get(reverse("accounts:dashboard")).status_code == 302  # back to sign-in
    assert laptop.get(reverse("accounts:dashboard")).status_code == 200


def test_the_current_device_and_other_peoples_devices_cannot_be_ended_here():
    user, stranger = UserFactory(), UserFactory()
    laptop = signed_in(user, MAC_CHROME)
    intruder = signed_in(stranger, IPHONE_SAFARI)
    mine = UserSession.objects.get(user=user)

    refused = intruder.post(reverse("accounts:device_sign_out", args=[mine.pk]), follow=True)
    assert "That device is no longer signed in." in refused.content.decode()
    own = laptop.post(reverse("accounts:device_sign_out", args=[mine.pk]), follow=True)
    assert "use Log out to sign out here" in own.content.decode()
    assert UserSession.objects.filter(pk=mine.pk).exists()
    assert laptop.get(reverse("accounts:dashboard")).status_code == 200


def test_changing_the_password_signs_out_every_other_device():
    user = UserFactory()
    phone = signed_in(user, IPHONE_SAFARI)
    laptop = signed_in(user, MAC_CHROME)
    response = laptop.post(
        reverse("account_change_password"),
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "a-new-long-passphrase-9",
            "password2": "a-new-long-passphrase-9",
        },
    )
    assert response.status_code == 302
    assert phone.get(reverse("accounts:dashboard")).status_code == 302  # signed out
    html = laptop.get(reverse("usersessions_list")).content.decode()
    assert "Chrome 131 on macOS" in html and "Mobile Safari" not in html
