"""The fake keeps its state in process memory, so a restarted `make run` forgets every
payment it took. Stripe never forgets: to refund an earlier (or demo) order after a
restart, the fake re-learns a succeeded payment from our own records when asked to refund
a PaymentIntent it does not know. Installed only when DEBUG and the fake are both on."""

from payments.models import Payment, PaymentStatus


def known_payment(intent_id: str) -> dict | None:
    payment = (
        Payment.objects.filter(stripe_payment_intent_id=intent_id, status=PaymentStatus.SUCCEEDED)
        .select_related("order")
        .first()
    )
    if payment is None:
        return None
    order = payment.order
    return {
        "amount": payment.amount,
        "currency": payment.currency,
        "refunded": order.amount_refunded,
        "metadata": {"order_id": str(order.pk), "order_reference": str(order.reference)},
    }
