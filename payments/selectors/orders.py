"""Orders and tickets, for their owners and staff only: everyone else gets nothing (404)."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from courses.models import Registration, RegistrationStatus

from ..models import Order, OrderLine


def _orders() -> QuerySet[Order]:
    return Order.objects.select_related(
        "session__workshop", "session__venue", "masterclass"
    ).prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.select_related("registration__ticket_type"),
        )
    )


def order_for_viewer(*, reference, user) -> Order:
    """The order if ``user`` bought it or is staff; ``Http404`` otherwise (not 403: an
    order's existence is nobody else's business)."""
    orders = _orders()
    if not user.is_authenticated:
        raise Http404
    if not user.is_staff:
        orders = orders.filter(buyer=user)
    try:
        return orders.get(reference=reference)
    except (Order.DoesNotExist, ValueError):
        raise Http404 from None


def orders_for_user(*, user) -> QuerySet[Order]:
    return _orders().filter(buyer=user)


def ticket_for_viewer(*, code: str, user, signed_link: bool = False) -> Registration:
    """A confirmed ticket for its buyer, its attendee (by account) or staff, or for anyone
    who followed the signed link in the ticket e-mail (``signed_link``)."""
    if not user.is_authenticated and not signed_link:
        raise Http404
    tickets = Registration.objects.select_related(
        "session__workshop", "session__venue", "ticket_type", "order_line__order"
    ).filter(code=code, status=RegistrationStatus.CONFIRMED)
    if not signed_link and not user.is_staff:
        tickets = (
            tickets.filter(buyer=user)
            | tickets.filter(attendee_user=user)
            | tickets.filter(attendee_email__iexact=user.email)
        )
    ticket = tickets.first()
    if ticket is None:
        raise Http404
    return ticket


def upcoming_tickets_for_user(*, user) -> QuerySet[Registration]:
    """Confirmed seats the user bought or attends, in sessions that have not ended."""
    mine = Registration.objects.filter(buyer=user) | Registration.objects.filter(
        attendee_email__iexact=user.email
    )
    return (
        mine.filter(status=RegistrationStatus.CONFIRMED, session__ends_at__gt=timezone.now())
        .select_related("session__workshop", "session__venue", "ticket_type")
        .order_by("session__starts_at", "pk")
        .distinct()
    )
