"""Payments: orders and the Stripe records behind them, memberships, and the counts the
owner's reports need. One module per concern; everything is importable from
``payments.models`` as before.

- ``orders``: orders, their lines, payments and refunds (the order statuses are there);
- ``records``: disputes, Stripe events processed, notices sent once;
- ``memberships``: subscriptions, membership checkouts, the plans' settings;
- ``reports``: the registration funnel's page-open counts.
"""

from .memberships import (
    Membership,
    MembershipCheckout,
    MembershipPlan,
    MembershipSettings,
    MembershipStatus,
)
from .orders import (
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundReason,
    RefundStatus,
)
from .records import Dispute, DisputeStatus, Notice, NoticeKind, StripeEvent
from .reports import FunnelCount, FunnelKind

__all__ = [
    "Dispute",
    "DisputeStatus",
    "FunnelCount",
    "FunnelKind",
    "Membership",
    "MembershipCheckout",
    "MembershipPlan",
    "MembershipSettings",
    "MembershipStatus",
    "Notice",
    "NoticeKind",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "Refund",
    "RefundReason",
    "RefundStatus",
    "StripeEvent",
]
