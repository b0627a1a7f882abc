from django.apps import AppConfig
from django.conf import settings


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self) -> None:
        if settings.DEBUG and settings.STRIPE_USE_FAKE:
            # `make run`: let the in-process Stripe re-learn payments after a restart.
            from .stripe_fake import fake_stripe
            from .stripe_fake.restore import known_payment

            fake_stripe.restore_payment = known_payment
