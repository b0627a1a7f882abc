"""Wagtail dashboard panel for bookings (registered in wagtail_hooks.py)."""

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from wagtail.admin.ui.components import Component

from courses.formatting import money_amount
from courses.models import RegistrationStatus, Session, SessionStatus

from .models import Order, OrderStatus


class BookingsPanel(Component):
    name = "bookings"
    order = 90
    template_name = "payments/admin/dashboard_panel.html"

    def get_context_data(self, parent_context):
        now = timezone.now()
        sold = Q(registrations__status=RegistrationStatus.CONFIRMED)
        held = Q(
            registrations__status=RegistrationStatus.HELD, registrations__hold_expires_at__gt=now
        )
        sessions = (
            Session.objects.filter(status=SessionStatus.SCHEDULED, ends_at__gt=now)
            .select_related("workshop", "venue")
            .annotate(
                sold=Count("registrations", filter=sold), held=Count("registrations", filter=held)
            )
            .order_by("starts_at")[:8]
        )
        paid = Order.objects.filter(
            status__in=[OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED]
        )
        # One figure per currency: dollars and euros are never added together.
        revenue = (
            paid.values("currency")
            .annotate(total=Sum("total_amount"), refunded=Sum("amount_refunded"))
            .order_by("currency")
        )
        return {
            "sessions": sessions,
            "revenue": [
                money_amount((row["total"] or 0) - (row["refunded"] or 0), row["currency"])
                for row in revenue
            ],
            "reports_url": reverse("payments_report", args=["revenue"])
            if parent_context["request"].user.has_perm("payments.view_reports")
            else "",
            "attention": Order.objects.filter(needs_attention=True).count(),
            "masterclasses_sold": paid.filter(masterclass__isnull=False)
            .exclude(status=OrderStatus.REFUNDED)
            .count(),
        }
