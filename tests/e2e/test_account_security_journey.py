"""Two-factor sign-in for staff and passkey sign-in for members, in Chromium."""

from django.contrib.auth.models import Permission

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Shots, _unused_totp_code, enter_totp_code
from tests.factories import DEFAULT_PASSWORD, SessionFactory, UserFactory


@pytest.fixture
def new_staff(transactional_db, page_tree):
    """Event staff who has never set up a second factor."""
    staff = UserFactory(
        email="sam.staff@example.com", full_name="Sam Staff", is_staff=True, second_factor=False
    )
    staff.user_permissions.add(Permission.objects.get(codename="check_in_attendees"))
    SessionFactory(workshop__title="Lumbar Spine: Assessment and Release")
    return staff


def sign_in_with_password(page, live, email: str) -> None:
    page.goto(live.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()


def confirm_password(page, shots) -> None:
    """allauth asks for the password again before a second factor is added."""
    page.wait_for_url("**/accounts/reauthenticate/**")
    shots("confirm-password")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def log_out(page, live) -> None:
    page.goto(live.url + "/account/")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(live.url + "/")


def test_staff_must_set_up_totp_then_sign_in_with_a_code(page, shots, live, new_staff):
    sign_in_with_password(page, live, new_staff.email)
    page.wait_for_url("**/account/")
    page.goto(live.url + "/staff/sessions/")
    page.wait_for_url("**/account/two-factor-required/**")
    expect(
        page.get_by_role("heading", name="Set up two-factor sign-in to continue")
    ).to_be_visible()
    shots("why-two-factor")

    page.get_by_role("link", name="Set up an authenticator app").click()
    confirm_password(page, shots)
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    shots("scan-the-code")
    secret = page.get_by_label("Authenticator secret").input_value()
    from tests.factories import totp_code

    page.get_by_label("Authenticator code").fill(
        "123456" if totp_code(secret) != "123456" else "654321"
    )
    page.get_by_role("button", name="Activate").click()
    page.get_by_text("Incorrect code").wait_for()  # a wrong code changes nothing
    page.get_by_label("Authenticator code").fill(_unused_totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    shots("recovery-codes")

    log_out(page, live)
    sign_in_with_password(page, live, new_staff.email)
    shots("code-asked")
    enter_totp_code(page, secret)
    page.wait_for_url("**/account/")
    page.goto(live.url + "/staff/sessions/")
    page.get_by_role("heading", name="Sessions").wait_for()
    expect(
        page.get_by_role("link", name="Lumbar Spine: Assessment and Release").first
    ).to_be_visible()
    shots("check-in-reached")


@pytest.fixture
def member(transactional_db, page_tree):
    return UserFactory(email="maya.chen@example.com", full_name="Maya Chen")


def test_member_adds_a_passkey_and_signs_in_with_it(page, live, member, request):
    shots = Shots(page, request.node.name)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    sign_in_with_password(page, live, member.email)
    page.wait_for_url("**/account/")
    page.goto(live.url + "/accounts/2fa/")
    shots("two-factor-overview")
    page.goto(live.url + "/accounts/2fa/webauthn/add/?passwordless")
    confirm_password(page, shots)
    page.get_by_label("Name").fill("Maya's laptop")
    page.get_by_label("Passwordless").check()
    shots("add-passkey")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    shots("passkey-added")
    log_out(page, live)

    page.goto(live.url + "/accounts/login/")
    shots("login-offers-passkey")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url("**/account/")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()  # signed in
    shots("signed-in-with-passkey")
