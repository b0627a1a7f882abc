"""Local stand-ins for Stripe's hosted pages, mounted under /payments/ by config/urls.py
only when ``STRIPE_USE_FAKE`` is on (the fake builds these URLs: ``checkout_base_url``)."""

from django.urls import path

from . import billing_views, dispute_views, views

app_name = "stripe_fake"

urlpatterns = [
    # Stripe Checkout's hosted page.
    path("test-checkout/<str:checkout_session_id>/", views.test_checkout, name="test_checkout"),
    # A dispute in Stripe's dashboard (answer it, or let the bank decide).
    path("test-dispute/<str:dispute_id>/", dispute_views.test_dispute, name="test_dispute"),
    # Stripe's Customer Portal.
    path("test-portal/<str:portal_session_id>/", billing_views.test_portal, name="test_portal"),
]
