from django.apps import AppConfig
from django.conf import settings


class StripeFakeConfig(AppConfig):
    """Installed by dev and test settings only, when ``STRIPE_USE_FAKE`` is on."""

    name = "stripe_fake"
    verbose_name = "Stripe fake (development)"

    def ready(self) -> None:
        if settings.DEBUG:
            # `make run`: let the in-process Stripe re-learn payments after a restart.
            from .fake import fake_stripe
            from .restore import known_payment

            fake_stripe.restore_payment = known_payment
