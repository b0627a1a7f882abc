"""The session row lock: the one way courses code serialises writes to a session's seats.

Checkout, walk-ins, the waiting list, certificate issue and session deletion all take it,
so any two of them touching the same session queue behind each other. Taken only inside
``transaction.atomic`` (as pretix's ``lock_objects``): outside one, a row lock would be
released as soon as the query returned and protect nothing. Only the session's row is
locked (``of=("self",)``), not its workshop's, which the same statement reads: sessions
of one workshop sell side by side, and editing a workshop never waits for a checkout.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext

from courses.errors import RegistrationClosed
from courses.models import Session, TicketType


class LockOutsideTransaction(RuntimeError):
    """A programming error: a row lock outside a transaction would protect nothing."""


def _in_transaction_only() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise LockOutsideTransaction("session_lock() must be called inside transaction.atomic.")


def session_lock(*, session_id: int) -> Session:
    """Lock the session row (``select_for_update``) until the caller's transaction ends,
    and return the session (with its workshop) as it is under the lock.

    Raises ``LockOutsideTransaction`` when called outside ``transaction.atomic``, and
    ``RegistrationClosed`` when the session does not exist."""
    _in_transaction_only()
    try:
        return (
            Session.objects.select_for_update(of=("self",))
            .select_related("workshop")
            .get(pk=session_id)
        )
    except Session.DoesNotExist:
        raise RegistrationClosed(gettext("This session does not exist.")) from None


def session_lock_with_ticket_types(
    *, session_id: int, ticket_type_ids: Iterable[int]
) -> tuple[Session, list[TicketType]]:
    """``session_lock``, and the session's ticket types among ``ticket_type_ids`` read by
    the same statement (the checkout's: one round trip fewer while the lock is held).
    Ticket types that are not the session's are left out; when none is, the session is
    locked on its own and the list is empty."""
    _in_transaction_only()
    ticket_types = list(
        TicketType.objects.select_for_update(of=("session",))
        .select_related("session__workshop")
        .filter(session_id=session_id, pk__in=list(ticket_type_ids))
        .order_by("pk")
    )
    if not ticket_types:
        return session_lock(session_id=session_id), []
    session = ticket_types[0].session
    for ticket_type in ticket_types:
        ticket_type.session = session  # one object for the session, as locked
    return session, ticket_types
