"""Joining: the plans page, Stripe Checkout in subscription mode, access on return (before
any webhook), the Customer Portal, and bad input that changes nothing."""

import datetime
import uuid

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

import pytest

from courses.models import AccessGrant, AccessSource
from courses.selectors import user_can_watch_masterclass
from payments.models import Membership, MembershipPlan, MembershipSettings, MembershipStatus
from stripe_fake import billing
from tests.factories import AccessGrantFactory, MasterclassFactory, UserFactory
from tests.payments.helpers import membership_checkout, membership_join

pytestmark = pytest.mark.django_db

JOIN = reverse("payments:membership_join")
LESSON = "/masterclasses/persistent-low-back-pain/soft-tissue-work/"


def test_join_page_offers_both_plans_to_visitors(client):
    body = client.get(JOIN, {"next": LESSON}).content.decode()
    assert "Every masterclass, one membership" in body
    assert "What membership includes" in body
    assert "$29.00" in body and "$290.00" in body
    assert "Save $58.00 a year" in body
    # Visitors sign up or log in first, then come back to the plans (and their lesson).
    assert "Create an account to join" in body
    assert "/accounts/login/?next=/payments/membership/%3Fnext%3D/masterclasses/" in body


def test_prices_come_from_the_admin_setting(client):
    prices = MembershipSettings.load()
    prices.monthly_amount, prices.annual_amount = 3500, 35000
    prices.save()
    body = client.get(JOIN).content.decode()
    assert "$35.00" in body and "$350.00" in body


def test_visitor_posting_a_plan_is_sent_to_log_in(client, stripe_fake):
    response = client.post(JOIN, {"plan": "monthly", "attempt": str(uuid.uuid4())})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert stripe_fake.checkout_sessions == {}


def test_join_checkout_and_return_give_access_at_once(member_client, user, stripe_fake, deliver):
    masterclass = MasterclassFactory()
    assert not user_can_watch_masterclass(user=user, masterclass=masterclass)

    checkout_id = membership_checkout(member_client, "monthly", next_url=LESSON)
    checkout = stripe_fake.checkout_sessions[checkout_id]
    assert checkout["mode"] == "subscription"
    assert checkout["metadata"]["user_id"] == str(user.pk)
    assert checkout["customer_email"] == user.email
    line = checkout["_line_items"][0]["price_data"]
    assert line["recurring"] == {"interval": "month"} and line["unit_amount"] == "2900"

    stripe_fake.checkout_pay(checkout_id)
    response = member_client.get(checkout["success_url"])
    # Back on the lesson at once: no webhook has been delivered yet.
    assert response.status_code == 302 and response.url == LESSON
    assert stripe_fake.outbox
    assert user_can_watch_masterclass(user=user, masterclass=masterclass)
    membership = Membership.objects.get(user=user)
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.plan == MembershipPlan.MONTHLY
    assert membership.amount == 2900 and membership.currency == "usd"
    period_end = membership.current_period_end
    assert datetime.timedelta(days=27) < period_end - timezone.now() < datetime.timedelta(days=32)
    grant = AccessGrant.objects.get(user=user)
    assert grant.source == AccessSource.MEMBERSHIP and grant.masterclass is None
    assert grant.ends_at == period_end
    assert grant.source_reference == membership.stripe_subscription_id

    # The webhooks arrive later and change nothing.
    assert set(deliver()) == {200}
    membership.refresh_from_db()
    assert (membership.status, membership.current_period_end) == ("active", period_end)
    assert AccessGrant.objects.get(user=user).ends_at == period_end
    assert Membership.objects.count() == 1

    page = member_client.get(JOIN).content.decode()
    assert "You're a member" in page and "Renews on" in page
    assert "Choose your plan" not in page


def test_annual_plan(member_client, user, stripe_fake):
    response, _ = membership_join(member_client, stripe_fake, "annual")
    assert response.status_code == 302 and response.url == JOIN
    membership = Membership.objects.get(user=user)
    assert membership.plan == MembershipPlan.ANNUAL and membership.amount == 29000
    assert membership.current_period_end - timezone.now() > datetime.timedelta(days=360)


def test_stripe_dashboard_prices_override_the_amounts(member_client, stripe_fake, settings):
    settings.STRIPE_PRICE_ANNUAL = billing.price_add(
        unit_amount=24900, currency="usd", interval="year"
    )
    checkout_id = membership_checkout(member_client, "annual")
    checkout = stripe_fake.checkout_sessions[checkout_id]
    assert checkout["_line_items"] == [{"price": settings.STRIPE_PRICE_ANNUAL, "quantity": "1"}]
    assert checkout["amount_total"] == 24900


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"plan": "lifetime"}, "Choose the monthly or the annual membership."),
        ({"plan": ""}, "Choose the monthly or the annual membership."),
        ({"plan": "monthly", "attempt": "not-a-uuid"}, "This form is out of date"),
        ({"plan": "monthly", "attempt": ""}, "This form is out of date"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(member_client, stripe_fake, data, message):
    response = member_client.post(JOIN, {"attempt": str(uuid.uuid4())} | data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stripe_fake.checkout_sessions == {} and stripe_fake.requests == []
    assert not Membership.objects.exists() and not AccessGrant.objects.exists()


def test_a_member_cannot_buy_twice(member_client, stripe_fake):
    membership_join(member_client, stripe_fake)
    sessions = len(stripe_fake.checkout_sessions)
    response = member_client.post(JOIN, {"plan": "annual", "attempt": str(uuid.uuid4())})
    assert response.status_code == 409
    assert "You&#x27;re already a member" in response.content.decode()
    assert len(stripe_fake.checkout_sessions) == sessions
    assert Membership.objects.count() == 1


def test_complimentary_members_see_it_and_cannot_buy(member_client, user, stripe_fake):
    AccessGrantFactory(user=user, ends_at=None, source_reference="demo-membership")
    page = member_client.get(JOIN).content.decode()
    assert "Complimentary membership" in page and "with no end date" in page
    response = member_client.post(JOIN, {"plan": "monthly", "attempt": str(uuid.uuid4())})
    assert response.status_code == 409
    assert stripe_fake.checkout_sessions == {}
    account = member_client.get(reverse("accounts:dashboard")).content.decode()
    assert "Complimentary membership" in account
    assert "Manage membership" not in account


def test_a_returning_member_whose_webhook_is_late_is_not_sold_twice(
    member_client, user, stripe_fake, deliver
):
    """Rejoining reuses the Stripe customer; a subscription paid in another tab whose
    webhook has not arrived is found through Stripe before another checkout opens."""
    _, first = membership_join(member_client, stripe_fake)
    billing.subscription_cancel(first)
    deliver()
    assert Membership.objects.get(stripe_subscription_id=first).status == "canceled"

    checkout_id = membership_checkout(member_client, "monthly")
    assert stripe_fake.checkout_sessions[checkout_id]["customer"] == (
        Membership.objects.get().stripe_customer_id
    )
    stripe_fake.checkout_pay(checkout_id)  # paid; the member closed the tab; no webhook yet
    stripe_fake.take_events()
    response = member_client.post(JOIN, {"plan": "monthly", "attempt": str(uuid.uuid4())})
    assert response.status_code == 409
    assert Membership.objects.filter(status="active").count() == 1
    assert len(stripe_fake.subscriptions) == 2


def test_declined_card_and_abandoned_checkout(member_client, user, stripe_fake, deliver):
    checkout_id = membership_checkout(member_client, "monthly", next_url=LESSON)
    page = reverse("stripe_fake:test_checkout", args=[checkout_id])
    body = member_client.get(page).content.decode()
    assert "Subscribe: $29.00 / month" in body and "bank debit" not in body

    declined = member_client.post(page, {"action": "fail"})
    assert declined.status_code == 400 and "declined" in declined.content.decode()
    assert stripe_fake.subscriptions == {}

    abandoned = member_client.post(page, {"action": "abandon"}, follow=True)
    assert "Checkout canceled." in abandoned.content.decode()
    assert abandoned.redirect_chain[-1][0].endswith(
        "/payments/membership/?next=/masterclasses/persistent-low-back-pain/soft-tissue-work/&cancelled=1"
    )
    assert not Membership.objects.exists() and not AccessGrant.objects.exists()


def test_paying_on_the_test_page_returns_to_the_lesson(member_client, user, stripe_fake):
    checkout_id = membership_checkout(member_client, "monthly", next_url=LESSON)
    page = reverse("stripe_fake:test_checkout", args=[checkout_id])
    response = member_client.post(page, {"action": "pay"}, follow=True)
    assert response.redirect_chain[-1][0] == LESSON
    assert Membership.objects.get(user=user).status == "active"


def test_return_with_someone_elses_checkout_gives_nothing(client, stripe_fake):
    owner, other = UserFactory(), UserFactory()
    client.force_login(owner)
    checkout_id = membership_checkout(client)
    stripe_fake.checkout_pay(checkout_id)
    success_url = stripe_fake.checkout_sessions[checkout_id]["success_url"]
    client.force_login(other)
    response = client.get(success_url, follow=True)
    assert "We could not find a completed membership payment" in response.content.decode()
    assert not Membership.objects.exists()


def test_return_from_an_unpaid_checkout_says_so(member_client, stripe_fake):
    checkout_id = membership_checkout(member_client)
    url = reverse("payments:membership_return") + f"?session_id={checkout_id}"
    response = member_client.get(url, follow=True)
    assert "We could not find a completed membership payment" in response.content.decode()


def test_manage_opens_the_customer_portal(
    member_client, user, stripe_fake, deliver, django_capture_on_commit_callbacks
):
    _, subscription_id = membership_join(member_client, stripe_fake)
    deliver()
    response = member_client.get(reverse("payments:membership_manage"))
    assert response.status_code == 302
    assert response.url.startswith("/payments/test-portal/bps_")
    portal = stripe_fake.portal_sessions[response.url.rstrip("/").rsplit("/", 1)[-1]]
    assert portal["customer"] == Membership.objects.get().stripe_customer_id
    assert portal["return_url"] == "http://testserver/account/"

    page = member_client.get(response.url).content.decode()
    assert "Cancel at the end of the period" in page
    # The stand-in delivers Stripe's webhooks, whose tasks run after commit.
    with django_capture_on_commit_callbacks(execute=True):
        with_cancel = member_client.post(
            response.url, {"action": "cancel", "subscription": subscription_id}, follow=True
        )
    assert "will end at the end of the current period" in with_cancel.content.decode()
    membership = Membership.objects.get()
    assert membership.cancel_at_period_end and membership.status == "active"
    account = member_client.get(reverse("accounts:dashboard")).content.decode()
    assert "Ends on" in account and "Canceled · ends soon" in account

    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(response.url, {"action": "resume", "subscription": subscription_id})
    membership.refresh_from_db()
    assert not membership.cancel_at_period_end


def test_manage_without_a_paid_membership(member_client, stripe_fake):
    response = member_client.get(reverse("payments:membership_manage"), follow=True)
    assert response.redirect_chain[-1][0] == JOIN
    assert "You have no paid membership to manage." in response.content.decode()
    assert stripe_fake.portal_sessions == {}


def test_portal_stand_in_refuses_other_subscriptions(member_client, stripe_fake, deliver):
    membership_join(member_client, stripe_fake)
    deliver()
    url = member_client.get(reverse("payments:membership_manage")).url
    response = member_client.post(url, {"action": "cancel", "subscription": "sub_other"})
    assert response.status_code == 400
    assert not Membership.objects.get().cancel_at_period_end


@override_settings(STRIPE_USE_FAKE=False, STRIPE_SECRET_KEY="sk_test_real")
def test_stand_in_pages_do_not_exist_with_real_stripe(client):
    assert client.get(reverse("stripe_fake:test_portal", args=["bps_x"])).status_code == 404


def test_my_account_membership_card(member_client, user, stripe_fake, deliver):
    account = reverse("accounts:dashboard")
    assert "See membership plans" in member_client.get(account).content.decode()
    membership_join(member_client, stripe_fake)
    deliver()
    body = member_client.get(account).content.decode()
    membership = Membership.objects.get()
    assert "Monthly · $29.00 / month" in body
    assert "Renews on" in body and "Manage membership" in body
    assert date_format(timezone.localtime(membership.current_period_end), "F j, Y") in body


def test_paywall_and_library_link_to_the_join_page(client, page_tree):
    body = client.get(LESSON.rsplit("/", 2)[0] + "/").content.decode()
    assert f'href="{JOIN}?next=/masterclasses/persistent-low-back-pain/"' in body
    library = client.get("/masterclasses/").content.decode()
    assert f'href="{JOIN}"' in library
