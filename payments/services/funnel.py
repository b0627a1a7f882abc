"""Counting the top of the registration funnel: a register page opened.

The count must never cost the buyer anything. It is one UPDATE by the unique key
(day, workshop, kind) in autocommit, so it holds the row lock for that statement only
and adds well under a millisecond to the page; the first open of the day inserts the
row instead (two first opens racing: the loser's insert fails on the unique key and it
updates). Any database error is logged and swallowed inside a savepoint: a lost count
is acceptable, a failed register page is not. Counts per day, not rows per visit, keep
the table and the report's scan small however many people look.
"""

import datetime
import logging

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import FunnelCount, FunnelKind

logger = logging.getLogger(__name__)


def _bump(*, day: datetime.date, workshop_id: int, kind: str) -> int:
    return FunnelCount.objects.filter(day=day, workshop_id=workshop_id, kind=kind).update(
        count=F("count") + 1
    )


def funnel_count_record(
    *, workshop_id: int, kind: str = FunnelKind.REGISTER_OPENED, day: datetime.date | None = None
) -> bool:
    """Add one to today's count for ``workshop_id``; False (and a warning) if it failed."""
    day = day or timezone.localdate()
    try:
        # In autocommit the UPDATE is its own transaction: one round trip.
        if not transaction.get_connection().in_atomic_block and _bump(
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
