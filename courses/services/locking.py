"""The session row lock: the one way courses code serialises writes to a session's seats.

Checkout, walk-ins, the waiting list, certificate issue and session deletion all take it,
so any two of them touching the same session queue behind each other. Taken only inside
``transaction.atomic`` (as pretix's ``lock_objects``): outside one, a row lock would be
released as soon as the query returned and protect nothing.
"""

from django.db import transaction
from django.utils.translation import gettext

from courses.errors import RegistrationClosed
from courses.models import Session


class LockOutsideTransaction(RuntimeError):
    """A programming error: a row lock outside a transaction would protect nothing."""


def session_lock(*, session_id: int) -> Session:
    """Lock the session row (``select_for_update``) until the caller's transaction ends,
    and return the session (with its workshop) as it is under the lock.

    Raises ``LockOutsideTransaction`` when called outside ``transaction.atomic``, and
    ``RegistrationClosed`` when the session does not exist."""
    if not transaction.get_connection().in_atomic_block:
        raise LockOutsideTransaction("session_lock() must be called inside transaction.atomic.")
    try:
        return Session.objects.select_for_update().select_related("workshop").get(pk=session_id)
    except Session.DoesNotExist:
        raise RegistrationClosed(gettext("This session does not exist.")) from None
