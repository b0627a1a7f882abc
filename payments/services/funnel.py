"""Counting the top of the registration funnel: a register page opened.

The count must never cost the buyer anything. It is one UPDATE by the unique key
(day, workshop, kind) in its own short transaction (one autocommit statement), so it
holds the row lock for that statement only, and that transaction commits without waiting
for the disk (PostgreSQL's ``synchronous_commit`` off for it alone, set inside the
statement: a crash may lose the last fraction of a second
of counts; waiting for the WAL flush cost the page 1-4 ms, the UPDATE itself well under
one). The first open of the day inserts the
row instead (two first opens racing: the loser's insert fails on the unique key and it
updates). Any database error is logged and swallowed inside a savepoint: a lost count
is acceptable, a failed register page is not. Counts per day, not rows per visit, keep
the table and the report's scan small however many people look.
"""

import datetime
import logging

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from ..models import FunnelCount, FunnelKind

logger = logging.getLogger(__name__)


def _bump(*, day: datetime.date, workshop_id: int, kind: str) -> int:
    return FunnelCount.objects.filter(day=day, workshop_id=workshop_id, kind=kind).update(
        count=F("count") + 1
    )


# One statement, so one (autocommit) transaction of its own: ``set_config(..., true)``
# is ``SET LOCAL``, in force until that transaction's commit, which therefore does not
# wait for the WAL flush. One round trip instead of BEGIN, SET LOCAL, UPDATE, COMMIT.
_UNSYNCED_BUMP = (
    'UPDATE "payments_funnelcount" SET "count" = "count" + 1'
    " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unsynced"
    ' WHERE "day" = %s AND "workshop_id" = %s AND "kind" = %s'
)


def _bump_unsynced(*, day: datetime.date, workshop_id: int, kind: str) -> int:
    """``_bump`` in a transaction of its own that does not wait for the WAL flush (outside
    any transaction only)."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            return _bump(day=day, workshop_id=workshop_id, kind=kind)
    with connection.cursor() as cursor:
        cursor.execute(_UNSYNCED_BUMP, [day, workshop_id, kind])
        return cursor.rowcount


def funnel_count_record(
    *, workshop_id: int, kind: str = FunnelKind.REGISTER_OPENED, day: datetime.date | None = None
) -> bool:
    """Add one to today's count for ``workshop_id``; False (and a warning) if it failed."""
    day = day or timezone.localdate()
    try:
        # Not inside a caller's transaction (a page view): the unsynced UPDATE.
        if not connection.in_atomic_block and _bump_unsynced(
            day=day, workshop_id=workshop_id, kind=kind
        ):
            return True
        try:
            with transaction.atomic():
                if _bump(day=day, workshop_id=workshop_id, kind=kind):
                    return True
                FunnelCount.objects.create(day=day, workshop_id=workshop_id, kind=kind, count=1)
                return True
        except IntegrityError:
            with transaction.atomic():
                return bool(_bump(day=day, workshop_id=workshop_id, kind=kind))
    except DatabaseError:
        logger.warning("Funnel count not recorded for workshop %s", workshop_id, exc_info=True)
        return False
