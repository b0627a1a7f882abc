"""Builders for the reports' tests: orders, refunds and memberships on chosen dates
(``auto_now_add`` dates are written after the insert, as the real history has them)."""

import datetime
import uuid
import zoneinfo

from courses.models import Masterclass, Session
from payments.models import (
    Membership,
    MembershipPlan,
    MembershipStatus,
    Notice,
    NoticeKind,
    Order,
    OrderStatus,
    Refund,
    RefundReason,
    RefundStatus,
)
from tests.factories import UserFactory

LOCAL = zoneinfo.ZoneInfo("America/Los_Angeles")


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LOCAL)


def paid_order(
    *,
    paid_at: datetime.datetime,
    amount: int,
    currency: str = "usd",
    session: Session | None = None,
    masterclass: Masterclass | None = None,
    refunded: int = 0,
) -> Order:
    status = OrderStatus.PAID
    if refunded:
        status = OrderStatus.REFUNDED if refunded == amount else OrderStatus.PARTIALLY_REFUNDED
    order = Order.objects.create(
        reservation=uuid.uuid4(),
        email="buyer@example.com",
        session=session,
        masterclass=masterclass,
        status=status,
        total_amount=amount,
        amount_refunded=refunded,
        currency=currency,
        hold_expires_at=paid_at,
        paid_at=paid_at,
    )
    Order.objects.filter(pk=order.pk).update(created_at=paid_at)
    return order


def refund(
    order: Order, *, at: datetime.datetime, amount: int, status=RefundStatus.SUCCEEDED
) -> Refund:
    row = Refund.objects.create(
        order=order,
        idempotency_key=uuid.uuid4().hex,
        amount=amount,
        currency=order.currency,
        status=status,
        reason=RefundReason.STAFF,
    )
    Refund.objects.filter(pk=row.pk).update(created_at=at)
    return row


def membership(
    *,
    joined: datetime.datetime,
    ended: datetime.datetime | None = None,
    plan: str = MembershipPlan.MONTHLY,
    amount: int = 2900,
    currency: str = "usd",
    status: str | None = None,
) -> Membership:
    status = status or (MembershipStatus.CANCELED if ended else MembershipStatus.ACTIVE)
    row = Membership.objects.create(
        user=UserFactory(),
        stripe_customer_id=f"cus_{uuid.uuid4().hex[:10]}",
        stripe_subscription_id=f"sub_{uuid.uuid4().hex[:14]}",
        plan=plan,
        status=status,
        amount=amount,
        currency=currency,
        ended_at=ended,
        synced_at=joined,
    )
    Membership.objects.filter(pk=row.pk).update(created_at=joined)
    row.refresh_from_db()
    return row


def payment_failed(member: Membership, *, at: datetime.datetime) -> Notice:
    notice = Notice.objects.create(
        key=f"failed-{uuid.uuid4().hex}",
        kind=NoticeKind.MEMBERSHIP_PAYMENT_FAILED,
        to=member.user.email,
        membership=member,
    )
    Notice.objects.filter(pk=notice.pk).update(created_at=at)
    return notice
