"""Wagtail dashboard panel for bookings (registered in wagtail_hooks.py)."""

from django.db.models import Count, Q, Sum
from django.utils import timezone

from wagtail.admin.ui.components import Component

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
        revenue = paid.aggregate(total=Sum("total_amount"), refunded=Sum("amount_refunded"))
        return {
            "sessions": sessions,
            "revenue": (revenue["total"] or 0) - (revenue["refunded"] or 0),
            "attention": Order.objects.filter(needs_attention=True).count(),
            "masterclasses_sold": paid.filter(masterclass__isnull=False)
            .exclude(status=OrderStatus.REFUNDED)
            .count(),
        }
