"""Domain errors of the payments app. ``str(error)`` is shown to the buyer."""


class PaymentsError(Exception):
    pass


class OrderNotPayable(PaymentsError):
    """The order is not awaiting payment any more (paid, expired, cancelled)."""


class CheckoutUnavailable(PaymentsError):
    """Stripe could not start the checkout; the seats stay held, the buyer may retry."""
