"""Reads about disputes: an order's latest dispute, and who hears about them."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q

from ..models import Dispute, DisputeStatus, Order

# Staff who can refund also act on a chargeback (both are about money going back).
DISPUTE_STAFF_PERMISSION = ("payments", "refund_order")


def staff_alert_recipients() -> list[str]:
    """E-mail addresses of the active staff who act on money problems (superusers
    included); the site's own address when there is nobody."""
    app_label, codename = DISPUTE_STAFF_PERMISSION
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    allowed = Q(is_superuser=True)
    if permission is not None:
        allowed |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    emails = (
        get_user_model()
        .objects.filter(allowed, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    return sorted(emails) or [settings.DEFAULT_FROM_EMAIL]


def order_dispute(*, order: Order) -> Dispute | None:
    """The order's latest dispute, if its payment was ever disputed (no query when the
    order was read knowing it has none: ``order_for_viewer``'s ``has_dispute``)."""
    if not getattr(order, "has_dispute", True):
        return None
    return order.disputes.order_by("opened_at", "pk").last()


def order_display_state(*, order: Order, dispute: Dispute | None) -> str:
    """What the buyer's order page says: a masterclass whose dispute was lost is
    "disputed" (its access ended) though the order was paid."""
    if order.is_masterclass and dispute is not None and dispute.status == DisputeStatus.LOST:
        return "disputed"
    return order.display_status
