"""Orders and tickets, for their owners and staff only: everyone else gets nothing (404)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    Case,
    F,
    IntegerField,
    Prefetch,
    QuerySet,
    UUIDField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from config.prepared import Param, PreparedRead
from courses.models import Registration, RegistrationStatus

from ..models import Order, OrderLine, PaymentMethod, Refund


def _orders() -> QuerySet[Order]:
    return Order.objects.select_related(
        "session__workshop", "session__venue", "masterclass"
    ).prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.select_related("registration__ticket_type"),
        )
    )


# Who may see anyone's orders and tickets: a permission (event staff hold it), never
# ``is_staff`` (editors are staff for the CMS and must not see buyers' data or money).
VIEW_ANY_ORDER = "payments.view_order"


# EXISTS written out: ``Exists(...)`` compiled its subquery anew each time (about 1 ms).
_HAS_REFUNDS = RawSQL(
    'EXISTS (SELECT 1 FROM "payments_refund" r WHERE r."order_id" = "payments_order"."id")',
    (),
    output_field=BooleanField(),
)
_HAS_DISPUTE = RawSQL(
    'EXISTS (SELECT 1 FROM "payments_dispute" d WHERE d."order_id" = "payments_order"."id")',
    (),
    output_field=BooleanField(),
)


# The order page's reads, the same three statements for every order: compiled once per
# process (``config.prepared``), they cost the page about 3 ms less than querysets built
# anew. Whether any refund or dispute exists rides on the order's own query: most orders
# have neither, and then neither is read.
# A workshop order comes with its session, workshop and venue; a masterclass order (a
# page of its own, rarer) reads its masterclass when shown. One row: no ORDER BY
# (PostgreSQL plans each statement anew, and each join and sort costs planning time).
_ORDER_FOR_PAGE = PreparedRead(
    lambda: (
        Order.objects.select_related("session__workshop", "session__venue")
        .annotate(has_refunds=_HAS_REFUNDS, has_dispute=_HAS_DISPUTE)
        .filter(reference=Param("reference", UUIDField()))
        .order_by()
    )
)
_ORDER_LINES = PreparedRead(
    lambda: OrderLine.objects.select_related("registration__ticket_type").filter(
        order_id=Param("order", IntegerField())
    )
)
_ORDER_REFUNDS = PreparedRead(
    lambda: Refund.objects.select_related("registration").filter(
        order_id=Param("order", IntegerField())
    )
)


def order_for_viewer(*, reference, user, signed_link: bool = False) -> Order:
    """The order if ``user`` bought it or may view any order, or for anyone who followed
    the signed order link e-mailed to its buyer (``signed_link``); ``Http404`` otherwise
    (not 403: an order's existence is nobody else's business). Its lines and refunds are
    read with it: ``order.lines.all()`` and ``order.refunds.all()`` cost no query after."""
    if not user.is_authenticated and not signed_link:
        raise Http404
    try:
        order = _ORDER_FOR_PAGE.first(reference=reference)
    except ValidationError:  # not a UUID
        raise Http404 from None
    if order is None:
        raise Http404
    # The buyer needs no permission check (it reads the user's permissions: two queries).
    # The phone booking's staff member, rarer still, is read by ``taken_by_label`` only
    # for a phone booking.
    if not (signed_link or order.buyer_id == user.pk or user.has_perm(VIEW_ANY_ORDER)):
        raise Http404
    _keep_related(order, "lines", _ORDER_LINES.all(order=order.pk))
    refunds = _ORDER_REFUNDS.all(order=order.pk) if order.has_refunds else []
    _keep_related(order, "refunds", refunds)
    return order


def _keep_related(order: Order, name: str, rows: list) -> None:
    """Keep ``rows`` as ``order.<name>``, as a prefetch would (each row's ``order`` is
    this one): ``order.<name>.all()`` costs nothing after, a filtered one asks the
    database."""
    for row in rows:
        row.order = order
    related: Any = getattr(order, name).all()
    related._result_cache = rows
    related._prefetch_done = True
    vars(order).setdefault("_prefetched_objects_cache", {})[name] = related


def orders_for_user(*, user) -> QuerySet[Order]:
    return _orders().filter(buyer=user)


def orders_for_account(*, user) -> list[Order]:
    """The user's newest orders (at most ``ACCOUNT_ORDERS``) as My account lists them:
    what was bought, not the lines."""
    return _ACCOUNT_ORDERS.all(buyer=user.pk)


ACCOUNT_ORDERS = 20
_ACCOUNT_ORDERS = PreparedRead(
    lambda: Order.objects.filter(buyer_id=Param("buyer", IntegerField())).select_related(
        "session__workshop", "masterclass"
    )[:ACCOUNT_ORDERS]
)


def ticket_for_viewer(*, code: str, user, signed_link: bool = False) -> Registration:
    """A confirmed ticket for its buyer, its attendee (by account), whoever may view any
    order, or anyone who followed the signed link in the ticket e-mail (``signed_link``)."""
    if not user.is_authenticated and not signed_link:
        raise Http404
    tickets = Registration.objects.select_related(
        "session__workshop", "session__venue", "ticket_type", "order_line__order"
    ).filter(code=code, status=RegistrationStatus.CONFIRMED)
    if not signed_link and not user.has_perm(VIEW_ANY_ORDER):
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


def registration_payment_columns() -> dict:
    """Annotations for a registrations list: how each seat was paid, in words, and the
    payment's reference (a phone booking's check number...). Seats with no order were
    added by staff: at the door or complimentary."""
    method = "order_line__order__payment_method"
    return {
        "payment_method_label": Case(
            *(When(**{method: value}, then=Value(label)) for value, label in PaymentMethod.choices),
            When(complimentary=True, then=Value(gettext("Complimentary"))),
            default=Value(gettext("At the door")),
        ),
        "payment_reference": F("order_line__order__payment_reference"),
    }
