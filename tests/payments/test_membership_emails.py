"""Membership e-mails: welcome, payment failed (with the Customer Portal link), the annual
renewal reminder and the cancellation confirmation; each once, in HTML and text, whatever
the order and number of the webhook events behind it."""

import datetime
import random

from django.core import mail
from django.urls import reverse

import pytest

from courses.formatting import local_date
from payments.models import Membership, Notice
from payments.services import membership_notices
from stripe_fake import billing
from tests.payments.test_membership_webhooks import _deliver_all, _period_end, _subscribe

pytestmark = pytest.mark.django_db

PORTAL = "http://testserver" + reverse("payments:membership_manage")


def _sent(subject_start: str) -> list:
    prefix = "[PhysioMassage Academy] " + subject_start
    return [m for m in mail.outbox if m.subject.startswith(prefix)]


@pytest.mark.parametrize("seed", range(3))
def test_welcome_once_whatever_the_order_and_duplicates(
    user, stripe_fake, django_capture_on_commit_callbacks, seed
):
    _subscribe(stripe_fake, user)
    events = stripe_fake.take_events()
    shuffled = events + events
    random.Random(seed).shuffle(shuffled)
    _deliver_all(shuffled, django_capture_on_commit_callbacks)
    (welcome,) = _sent("Welcome to the membership")
    assert welcome.to == [user.email]
    assert "Every masterclass in the library is open to you now" in welcome.body
    assert PORTAL in welcome.body and "$29.00 / month" in welcome.body
    html = welcome.alternatives[0].content
    assert "Start watching" in html and PORTAL in html
    assert len(mail.outbox) == 1


def _renewal_declined(user, stripe_fake, deliver) -> tuple[str, list]:
    """A member whose renewal was declined; the events of the decline, not delivered."""
    subscription_id = _subscribe(stripe_fake, user)
    deliver()
    billing.subscription_renew(subscription_id, paid=False)
    return subscription_id, stripe_fake.take_events()


def test_payment_failed_once_per_period_with_the_portal_link(
    user, stripe_fake, deliver, django_capture_on_commit_callbacks
):
    subscription_id, failed = _renewal_declined(user, stripe_fake, deliver)
    _deliver_all(failed + failed, django_capture_on_commit_callbacks)
    (notice,) = _sent("Your membership payment did not go through")
    assert PORTAL in notice.body and "Update your card" in notice.body
    assert PORTAL in notice.alternatives[0].content
    # The card is fixed: nothing more; the next period's failure is told again.
    billing.subscription_pay_open_invoice(subscription_id)
    deliver()
    billing.subscription_renew(subscription_id, paid=False)
    deliver()
    assert len(_sent("Your membership payment did not go through")) == 2


def test_a_failure_read_after_recovery_sends_nothing(
    user, stripe_fake, deliver, django_capture_on_commit_callbacks
):
    subscription_id, failed = _renewal_declined(user, stripe_fake, deliver)
    billing.subscription_pay_open_invoice(subscription_id)
    deliver()
    _deliver_all(failed, django_capture_on_commit_callbacks)
    assert _sent("Your membership payment did not go through") == []


def test_cancellation_confirmed_once_with_the_access_end_date(
    user, stripe_fake, deliver, django_capture_on_commit_callbacks
):
    subscription_id = _subscribe(stripe_fake, user)
    deliver()
    end = _period_end(stripe_fake, subscription_id)
    billing.subscription_cancel(subscription_id, at_period_end=True)
    events = stripe_fake.take_events()
    _deliver_all(events + events, django_capture_on_commit_callbacks)
    (confirmed,) = _sent("Your membership is canceled")
    assert f"access until {local_date(end)}" in confirmed.subject
    assert f"You keep access to every masterclass until {local_date(end)}." in confirmed.body
    assert "Resume your membership" in confirmed.alternatives[0].content
    billing.subscription_renew(subscription_id)  # the period ends and Stripe ends it
    deliver()
    assert Membership.objects.get(user=user).status == "canceled"
    assert len(_sent("Your membership is canceled")) == 1


def test_annual_renewal_reminder_seven_days_before_once(
    user, stripe_fake, deliver, django_capture_on_commit_callbacks
):
    subscription_id = _subscribe(stripe_fake, user, plan="annual")
    deliver()
    end = _period_end(stripe_fake, subscription_id)
    assert membership_notices.memberships_remind_renewals() == 0
    with django_capture_on_commit_callbacks(execute=True):
        eight_days_before = end - datetime.timedelta(days=8)
        assert membership_notices.memberships_remind_renewals(now=eight_days_before) == 0
        six_days_before = end - datetime.timedelta(days=6)
        assert membership_notices.memberships_remind_renewals(now=six_days_before) == 1
        membership_notices.memberships_remind_renewals(now=six_days_before)  # the next run
    (reminder,) = _sent("Your annual membership renews on")
    assert local_date(end) in reminder.subject and "$290.00 / year" in reminder.body
    assert PORTAL in reminder.body and PORTAL in reminder.alternatives[0].content
    assert Notice.objects.filter(kind="membership_renewal_reminder").count() == 1


def test_no_reminder_for_monthly_or_cancelled_annual_members(user, stripe_fake, deliver):
    annual = _subscribe(stripe_fake, user, plan="annual")
    billing.subscription_cancel(annual, at_period_end=True)
    deliver()
    soon = _period_end(stripe_fake, annual) - datetime.timedelta(days=3)
    assert membership_notices.memberships_remind_renewals(now=soon) == 0
