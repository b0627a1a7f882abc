"""Notices: e-mails claimed once per key in the same transaction as the change they
report, and sent by a task after commit.
"""

from django.db import IntegrityError, transaction

from courses.services.outbox import outbox_add

from .. import tasks
from ..models import Notice


def notice_claim(
    *,
    key: str,
    kind: str,
    to: str,
    session=None,
    registration=None,
    order=None,
    membership=None,
    note: str = "",
) -> Notice | None:
    """Insert-or-skip: the first claim of ``key`` wins and its e-mail is sent after commit."""
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                key=key[:255],
                kind=kind,
                to=to,
                session=session,
                registration=registration,
                order=order,
                membership=membership,
                note=note.strip(),
            )
    except IntegrityError:
        return None
    outbox_add(tasks.notice_send, notice.pk)
    return notice
