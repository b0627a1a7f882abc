"""Reads for orders, tickets, refunds and memberships, one module per concern. Orders and
tickets are for their owners and staff only: everyone else gets nothing (404).

The public names are re-exported here so callers can keep ``selectors.order_for_viewer``.
"""

from .cancellations import (
    QuoteKind,
    RefundQuote,
    SessionCancelPlan,
    registration_for_canceller,
    registration_refund_quote,
    session_cancel_plan,
    session_currency,
)
from .disputes import (
    DISPUTE_STAFF_PERMISSION,
    order_display_state,
    order_dispute,
    staff_alert_recipients,
)
from .memberships import (
    MembershipSummary,
    PlanOffer,
    membership_banner_forget,
    membership_banner_past_due,
    membership_customer_id,
    membership_past_due,
    membership_plan_offers,
    membership_summary,
    memberships_for_user,
    plan_price_ids,
    price_cache_key,
)
from .orders import (
    order_for_viewer,
    orders_for_account,
    orders_for_user,
    registration_payment_columns,
    ticket_for_viewer,
    upcoming_tickets_for_user,
)
from .refunds import (
    PAID_ORDER_STATES,
    REFUND_COMMITTED,
    order_paid_amount,
    order_refundable_amount,
    refunds_for_user,
)

__all__ = [
    "DISPUTE_STAFF_PERMISSION",
    "PAID_ORDER_STATES",
    "REFUND_COMMITTED",
    "MembershipSummary",
    "PlanOffer",
    "QuoteKind",
    "RefundQuote",
    "SessionCancelPlan",
    "membership_banner_forget",
    "membership_banner_past_due",
    "membership_customer_id",
    "membership_past_due",
    "membership_plan_offers",
    "membership_summary",
    "memberships_for_user",
    "order_display_state",
    "order_dispute",
    "order_for_viewer",
    "order_paid_amount",
    "order_refundable_amount",
    "orders_for_account",
    "orders_for_user",
    "plan_price_ids",
    "price_cache_key",
    "refunds_for_user",
    "registration_for_canceller",
    "registration_payment_columns",
    "registration_refund_quote",
    "session_cancel_plan",
    "session_currency",
    "staff_alert_recipients",
    "ticket_for_viewer",
    "upcoming_tickets_for_user",
]
