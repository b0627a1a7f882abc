"""Domain errors of the payments app. ``str(error)`` is shown to the buyer."""


class PaymentsError(Exception):
    pass


class OrderNotPayable(PaymentsError):
    """The order is not awaiting payment any more (paid, expired, cancelled)."""


class CheckoutUnavailable(PaymentsError):
    """Stripe could not start the checkout; the seats stay held, the buyer may retry."""


class MasterclassNotForSale(PaymentsError):
    """The masterclass has no one-time price (members only) or does not exist."""


class AlreadyHasAccess(PaymentsError):
    """The buyer can already watch the masterclass: buying it again would charge twice."""
