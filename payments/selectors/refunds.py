"""What an order paid and what can still be refunded, and a buyer's refunds."""

from django.db.models import QuerySet, Sum

from ..models import Order, OrderStatus, PaymentStatus, Refund, RefundStatus

# Refunds that take money back or are on their way: ours not yet at Stripe included, so
# two decisions can never promise more than was paid.
REFUND_COMMITTED = (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION, RefundStatus.SUCCEEDED)
PAID_ORDER_STATES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)


def order_paid_amount(*, order: Order) -> int:
    """What Stripe took for the order (after any promotion code), in minor units."""
    return (
        order.payments.filter(status=PaymentStatus.SUCCEEDED).aggregate(total=Sum("amount"))[
            "total"
        ]
        or 0
    )


def order_refundable_amount(*, order: Order) -> int:
    """Paid, less every refund Stripe has or that we have decided and not yet sent."""
    committed = (
        order.refunds.filter(status__in=REFUND_COMMITTED).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    return max(0, order_paid_amount(order=order) - max(committed, order.amount_refunded))


def refunds_for_user(*, user) -> QuerySet[Refund]:
    """Refunds of the user's orders, newest first (My account)."""
    return (
        Refund.objects.filter(order__buyer=user)
        .select_related("order__session__workshop", "order__masterclass", "registration")
        .order_by("-created_at", "-pk")
    )
