"""Writes for orders and money, one module per concern: ``orders`` (checkout and
payment), ``refunds`` (the one refund pipeline), ``cancellations`` (seats and sessions
cancelled with their refunds), ``notices``, ``complimentary``, ``phone`` (bookings
taken by phone: payment links, offline payments) and ``memberships``
(Stripe Billing). Stripe webhook dispatch lives in ``payments.webhooks``.

The public names are re-exported here so callers can keep ``services.order_create``
(and ``SeatRequest``, the courses type ``order_create`` takes).
"""

from .cancellations import (
    Cancellation,
    SessionCancellation,
    registration_cancel_with_refund,
    session_cancel_with_refunds,
)
from .complimentary import registration_create_complimentary
from .funnel import funnel_count_record
from .notices import notice_claim
from .orders import (
    SeatRequest,
    checkout_fulfil_on_return,
    checkout_payment_failed,
    checkout_session_sync,
    masterclass_order_create,
    order_checkout_start,
    order_close_unpaid,
    order_create,
    order_mark_paid,
    order_mark_processing,
    orders_expire,
)
from .phone import (
    PAYMENT_LINK_HOLD,
    phone_order_create,
    phone_order_link_send,
    phone_order_record_payment,
)
from .refunds import (
    charge_refunded_sync,
    order_refund_by_staff,
    order_refund_late_payment,
    refund_record,
    refund_refresh,
    refund_request,
    refund_submit,
    refunds_retry,
)

__all__ = [
    "PAYMENT_LINK_HOLD",
    "Cancellation",
    "SeatRequest",
    "SessionCancellation",
    "charge_refunded_sync",
    "checkout_fulfil_on_return",
    "checkout_payment_failed",
    "checkout_session_sync",
    "funnel_count_record",
    "masterclass_order_create",
    "notice_claim",
    "order_checkout_start",
    "order_close_unpaid",
    "order_create",
    "order_mark_paid",
    "order_mark_processing",
    "order_refund_by_staff",
    "order_refund_late_payment",
    "orders_expire",
    "phone_order_create",
    "phone_order_link_send",
    "phone_order_record_payment",
    "refund_record",
    "refund_refresh",
    "refund_request",
    "refund_submit",
    "refunds_retry",
    "registration_cancel_with_refund",
    "registration_create_complimentary",
    "session_cancel_with_refunds",
]
