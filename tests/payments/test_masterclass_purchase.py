"""Buying one masterclass outright: checkout, fulfilment from the webhook or the success
page (once), refunds, refusals, and what buyers and staff see."""

import datetime
import io
import re
import uuid

from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

import openpyxl
import pytest

from courses.models import AccessGrant, Masterclass
from courses.selectors import user_can_watch_masterclass
from demo import content
from payments import gateway, services
from payments.errors import AlreadyHasAccess, MasterclassNotForSale
from payments.models import Order, OrderLine, OrderStatus, StripeEvent
from tests.factories import AccessGrantFactory, MasterclassFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

SERIES = "/masterclasses/persistent-low-back-pain/"
LESSON = SERIES + "soft-tissue-work-for-the-lumbar-spine/"


def buy_url(masterclass) -> str:
    return reverse("payments:masterclass_buy", kwargs={"masterclass_id": masterclass.pk})


def buy(client, masterclass) -> Order:
    response = client.post(buy_url(masterclass))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Order.objects.latest("pk")


@pytest.fixture
def masterclass(db):
    return MasterclassFactory(title="Shoulder Rehab in Practice", price_amount=8900)


@pytest.fixture
def buyer(client, user):
    client.force_login(user)
    return user


def paid_order(client, masterclass, stripe_fake, deliver) -> Order:
    order = buy(client, masterclass)
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    deliver()
    order.refresh_from_db()
    return order


def test_buying_opens_a_checkout_for_the_masterclass(client, buyer, masterclass, stripe_fake):
    response = client.post(buy_url(masterclass))
    order = Order.objects.get()
    assert response["Location"] == order.stripe_checkout_url
    assert "/payments/test-checkout/" in order.stripe_checkout_url
    assert order.masterclass == masterclass and order.session is None
    assert order.status == OrderStatus.PENDING
    assert (order.total_amount, order.currency) == (8900, "usd")
    assert not OrderLine.objects.exists()
    checkout = stripe_fake.checkout_sessions[order.stripe_checkout_session_id]
    assert checkout["mode"] == "payment"
    assert checkout["amount_total"] == 8900
    assert checkout["client_reference_id"] == str(order.reference)
    assert checkout["expires_at"] == int(order.hold_expires_at.timestamp())
    # Stripe refuses a checkout that closes in less than 30 minutes.
    assert order.hold_expires_at - timezone.now() > datetime.timedelta(minutes=30)
    line = checkout["_line_items"][0]
    assert line["price_data"]["product_data"]["name"] == "Masterclass — Shoulder Rehab in Practice"
    assert int(line["quantity"]) == 1
    # Nothing is granted before the money lands.
    assert not user_can_watch_masterclass(user=buyer, masterclass=masterclass)

    page = client.get(order.get_absolute_url()).content.decode()
    assert "Complete your payment" in page
    assert "Pay $89.00 securely" in page


def test_payment_grants_lifetime_access_once_and_sends_one_receipt(
    client, buyer, masterclass, stripe_fake, deliver
):
    order = buy(client, masterclass)
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    events = list(stripe_fake.outbox)
    assert deliver() == [200]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    grant = AccessGrant.objects.get()
    assert (grant.user, grant.masterclass, grant.source) == (buyer, masterclass, "purchase")
    assert grant.ends_at is None and grant.revoked_at is None
    assert user_can_watch_masterclass(user=buyer, masterclass=masterclass)
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == [buyer.email]
    assert "Shoulder Rehab in Practice" in receipt.subject
    assert "$89.00" in receipt.body
    assert "Lifetime access" in receipt.body
    assert f"Sign in with {buyer.email} to watch" in receipt.body

    # The same events again (Stripe retries) and the success page: nothing more happens.
    stripe_fake.outbox.extend(events)
    assert deliver() == [200]
    client.get(reverse("payments:checkout_return", kwargs={"reference": order.reference}))
    assert AccessGrant.objects.count() == 1
    assert len(mail.outbox) == 1
    assert StripeEvent.objects.get().order == order


def test_success_page_fulfils_when_the_webhook_is_late(
    client, buyer, masterclass, stripe_fake, django_capture_on_commit_callbacks
):
    order = buy(client, masterclass)
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            reverse("payments:checkout_return", kwargs={"reference": order.reference}),
            follow=True,
        )
    body = response.content.decode()
    assert "The masterclass is yours" in body
    assert "Payment received" in body
    assert user_can_watch_masterclass(user=buyer, masterclass=masterclass)
    assert AccessGrant.objects.count() == 1
    assert len(mail.outbox) == 1


def test_payment_after_the_checkout_closed_is_still_fulfilled(
    client, buyer, masterclass, stripe_fake, deliver
):
    """No seat ran out, so a late payment is simply honoured: no refund, no alarm."""
    order = buy(client, masterclass)
    Order.objects.filter(pk=order.pk).update(
        hold_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert services.orders_expire() == 1
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    deliver()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert not order.needs_attention
    assert stripe_fake.refunds == {}
    assert user_can_watch_masterclass(user=buyer, masterclass=masterclass)


def test_full_refund_ends_access(
    client, buyer, masterclass, stripe_fake, deliver, django_capture_on_commit_callbacks
):
    order = paid_order(client, masterclass, stripe_fake, deliver)
    gateway.refund_create(
        payment_intent_id=order.stripe_payment_intent_id, amount=8900, reason="staff", key="r1"
    )
    deliver()
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert not user_can_watch_masterclass(user=buyer, masterclass=masterclass)
    assert AccessGrant.objects.get().revoked_at is not None
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Your access to this masterclass has ended" in page
    # The paid event delivered again after the refund does not give access back.
    services.checkout_session_sync(
        checkout=stripe_fake.checkout_sessions[order.stripe_checkout_session_id]
    )
    assert not user_can_watch_masterclass(user=buyer, masterclass=masterclass)


def test_partial_refund_keeps_access(client, buyer, masterclass, stripe_fake, deliver):
    order = paid_order(client, masterclass, stripe_fake, deliver)
    gateway.refund_create(
        payment_intent_id=order.stripe_payment_intent_id, amount=2000, reason="staff", key="r1"
    )
    deliver()
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.amount_refunded == 2000
    assert user_can_watch_masterclass(user=buyer, masterclass=masterclass)
    assert "You keep your access" in client.get(order.get_absolute_url()).content.decode()


def test_cannot_buy_what_you_already_bought(client, buyer, masterclass, stripe_fake, deliver):
    paid_order(client, masterclass, stripe_fake, deliver)
    response = client.post(buy_url(masterclass), follow=True)
    assert "You can already watch Shoulder Rehab in Practice" in response.content.decode()
    assert Order.objects.count() == 1
    assert len(stripe_fake.checkout_sessions) == 1


def test_members_are_not_sold_what_they_can_already_watch(client, buyer, masterclass):
    AccessGrantFactory(user=buyer)
    response = client.post(buy_url(masterclass), follow=True)
    assert "You can already watch" in response.content.decode()
    assert not Order.objects.exists()
    with pytest.raises(AlreadyHasAccess):
        services.masterclass_order_create(buyer=buyer, masterclass_id=masterclass.pk)
    assert not Order.objects.exists()


def test_members_only_masterclass_is_not_for_sale(client, buyer, stripe_fake):
    members_only = MasterclassFactory(price_amount=None)
    response = client.post(buy_url(members_only))
    assert response.status_code == 400
    assert "not for sale on its own" in response.content.decode()
    assert not Order.objects.exists()
    assert stripe_fake.requests == []
    with pytest.raises(MasterclassNotForSale):
        services.masterclass_order_create(buyer=buyer, masterclass_id=members_only.pk)
    assert client.post("/payments/masterclass/999999/buy/").status_code == 404
    assert not Order.objects.exists()


def test_clicking_buy_twice_reuses_the_open_checkout(client, buyer, masterclass, stripe_fake):
    first = client.post(buy_url(masterclass))
    second = client.post(buy_url(masterclass))
    assert first["Location"] == second["Location"]
    assert Order.objects.count() == 1
    assert len(stripe_fake.checkout_sessions) == 1


def test_a_new_checkout_after_the_last_one_expired(
    client, buyer, masterclass, stripe_fake, deliver
):
    order = buy(client, masterclass)
    stripe_fake.checkout_expire(order.stripe_checkout_session_id)
    deliver()
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    page = client.get(order.get_absolute_url()).content.decode()
    assert "This checkout expired" in page
    assert f'action="{buy_url(masterclass)}"' in page
    again = buy(client, masterclass)
    assert again.pk != order.pk and again.status == OrderStatus.PENDING


def test_anonymous_buyer_is_sent_to_sign_in_and_back(client, masterclass, user):
    for response in (client.post(buy_url(masterclass)), client.get(buy_url(masterclass))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert f"next={buy_url(masterclass)}" in response["Location"].replace("%2F", "/")
    assert not Order.objects.exists()
    # Signed in, the same address shows the offer, one click from paying.
    client.force_login(user)
    page = client.get(buy_url(masterclass)).content.decode()
    assert "Shoulder Rehab in Practice" in page
    assert "Pay $89.00 securely" in page
    assert 'method="post"' in page
    assert not Order.objects.exists()


def test_order_must_be_for_a_session_or_a_masterclass(user, masterclass):
    common = {"buyer": user, "email": user.email, "total_amount": 100, "currency": "usd"}
    common["hold_expires_at"] = timezone.now()
    for which in ({}, {"session": SessionFactory(), "masterclass": masterclass}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Order.objects.create(reservation=uuid.uuid4(), **common, **which)


def test_buyer_sees_start_watching_my_masterclasses_and_the_receipt_link(
    client, demo_site, stripe_fake, deliver
):
    from accounts.models import User

    visitor = User.objects.get(email=content.VISITOR_EMAIL)
    client.force_login(visitor)
    masterclass = Masterclass.objects.get(slug="persistent-low-back-pain")
    series = client.get(SERIES).content.decode()
    form = re.search(r'<form class="paywall__buy" method="post" action="([^"]+)">', series)
    assert form and form.group(1) == buy_url(masterclass)
    assert "Buy for $149" in series

    order = paid_order(client, masterclass, stripe_fake, deliver)
    page = client.get(order.get_absolute_url()).content.decode()
    assert re.search(rf'<a class="button button--large" href="{SERIES}">Start watching</a>', page)
    assert SERIES in mail.outbox[0].body
    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Your masterclasses" in dashboard
    assert f'href="{SERIES}"' in dashboard
    assert f"Order {order.number}</strong></a> · {masterclass.title}" in dashboard
    lesson = client.get(LESSON).content.decode()
    assert "<video" in lesson and "This lesson is for members." not in lesson


def test_anonymous_paywall_links_to_the_offer_without_a_form(client, page_tree):
    masterclass = Masterclass.objects.get(slug="persistent-low-back-pain")
    html = client.get(SERIES).content.decode()
    assert f'href="{buy_url(masterclass)}"' in html
    assert "csrfmiddlewaretoken" not in html  # anonymous pages stay cacheable


def test_dashboard_without_purchases_has_no_masterclass_list(client, buyer):
    assert "Your masterclasses" not in client.get(reverse("accounts:dashboard")).content.decode()


def test_staff_see_masterclass_orders_in_list_detail_export_and_dashboard(
    client, buyer, masterclass, stripe_fake, deliver
):
    order = paid_order(client, masterclass, stripe_fake, deliver)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    index = reverse("orders:index")
    body = client.get(index).content.decode()
    assert order.number in body and "Masterclass: Shoulder Rehab in Practice" in body
    assert order.number in client.get(index, {"masterclass": masterclass.pk}).content.decode()
    assert order.number in client.get(index, {"q": "Shoulder Rehab"}).content.decode()
    inspect = client.get(reverse("orders:inspect", args=[order.pk]))
    assert inspect.status_code == 200
    assert "Shoulder Rehab in Practice" in inspect.content.decode()
    csv = client.get(index, {"export": "csv"})
    assert "Shoulder Rehab in Practice" in b"".join(csv.streaming_content).decode()
    xlsx = client.get(index, {"export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.values)
    assert any("Shoulder Rehab in Practice" in [str(c) for c in row] for row in rows)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "1 masterclass sold" in home
