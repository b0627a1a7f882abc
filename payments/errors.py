"""Domain errors of the payments app. ``str(error)`` is shown to the buyer."""


class PaymentsError(Exception):
    pass


class OrderNotPayable(PaymentsError):
    """The order is not awaiting payment any more (paid, expired, cancelled)."""


class CheckoutUnavailable(PaymentsError):
    """Stripe could not start the checkout; the seats stay held, the buyer may retry."""


class ConfirmationDelayed(PaymentsError):
    """Stripe could not be asked whether a payment went through: it may well have; the
    webhook will tell us. Never say "nothing was charged" then."""


class MasterclassNotForSale(PaymentsError):
    """The masterclass has no one-time price (members only) or does not exist."""


class AlreadyHasAccess(PaymentsError):
    """The buyer can already watch the masterclass: buying it again would charge twice."""


class RefundNotPossible(PaymentsError):
    """A refund that cannot be made: nothing paid online, over what is left, no reason."""


class CancellationRefused(PaymentsError):
    """The registration or session cannot be cancelled (already cancelled, started...)."""


class PhoneBookingRefused(PaymentsError):
    """Staff asked for something a phone booking cannot do; the message says why."""


class QuoteChanged(PaymentsError):
    """The refund shown before confirming is no longer what cancelling would give (a
    deadline passed in between); ``quote`` is the new one, to show and confirm again."""

    def __init__(self, message: str, *, quote) -> None:
        super().__init__(message)
        self.quote = quote


class MembershipError(PaymentsError):
    """A membership request we refuse (unknown plan, expired form); nothing was stored."""


class AlreadyMember(MembershipError):
    """The user already has membership access: no second subscription."""


class CheckoutAlreadyOpen(MembershipError):
    """A membership checkout of this user is still open (another tab): no second one.
    ``url`` continues that checkout."""

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class NoMembership(MembershipError):
    """Nothing to manage: the user never had a paid membership."""
