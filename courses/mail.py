"""Send an e-mail once: claim, commit, then send; give the claim back if sending fails.

Every e-mail of the project goes through ``mail_send_once``:

1. *claim*: a conditional UPDATE sets a ``*_sent_at`` column that is still empty, in its
   own committed transaction, together with a ``MailInFlight`` row for the send. Only one
   caller's UPDATE matches, so a retried or duplicated task, a double click or a second
   worker sends nothing more;
2. *send* over SMTP outside any transaction: SMTP can take seconds, and a transaction
   holding a row lock for that long would stall checkout. The helper refuses to run
   inside ``transaction.atomic`` (the claim is ``durable``), so nobody can slip a send
   back into a locked block. When the send returns, the ``MailInFlight`` row goes;
3. *unclaim* on failure: the column is emptied again and the error raised, so the task's
   retry policy sends it later.

A worker killed mid-send (deploy, OOM, a lost machine) leaves the column set and its
``MailInFlight`` row behind. Once that row is older than ``MAIL_SEND_LEASE_SECONDS``
(longer than any send takes) the task's next run (the outbox hands it over again) takes
the claim over and sends. Only a crash in the instant between the SMTP server's "250 OK"
and deleting the row can send twice.
"""

import datetime
import hashlib
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.db.models import Model, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from .models import MailInFlight

Messages = EmailMessage | Iterable[EmailMessage]


def mail_claim(*, claim: QuerySet, field: str, key: str = "") -> bool:
    """Set ``field`` on the rows of ``claim`` where it is still empty, or take over a send
    whose worker died; True if this caller won. Committed at once: it must not run inside
    another transaction."""
    key = key or _in_flight_key(claim, field)
    now = timezone.now()
    with transaction.atomic(using=claim.db, durable=True):
        if claim.filter(**{f"{field}__isnull": True}).update(**{field: now}):
            MailInFlight.objects.update_or_create(key=key, defaults={"claimed_at": now})
            return True
        abandoned_before = now - datetime.timedelta(seconds=settings.MAIL_SEND_LEASE_SECONDS)
        taken_over = MailInFlight.objects.filter(key=key, claimed_at__lt=abandoned_before)
        return bool(taken_over.update(claimed_at=now))


def mail_unclaim(*, claim: QuerySet, field: str, key: str = "") -> None:
    """Give a claim back so the retry can send."""
    key = key or _in_flight_key(claim, field)
    claim.update(**{field: None})
    MailInFlight.objects.filter(key=key).delete()


def mail_send_once(*, claim: QuerySet, field: str, build: Callable[[], Messages]) -> bool:
    """Claim ``field`` on ``claim``'s rows, then build and send the message(s).

    ``claim`` narrows to the row(s) the e-mail is about and may add the conditions under
    which it is still due (``status=...``); ``build`` runs only for the winner, after the
    claim, so expensive parts (a PDF, a QR code) are made once. Returns False when there
    was nothing to send (claimed before, or no longer due); raises what sending raised,
    with the claim given back.
    """
    key = _in_flight_key(claim, field)
    if not mail_claim(claim=claim, field=field, key=key):
        return False
    try:
        built = build()
        for message in [built] if isinstance(built, EmailMessage) else built:
            message.send()
    except BaseException:
        mail_unclaim(claim=claim, field=field, key=key)
        raise
    MailInFlight.objects.filter(key=key).delete()
    return True


def _in_flight_key(claim: QuerySet[Model], field: str) -> str:
    """The same for every run of the same e-mail: the model, the column and the rows."""
    pks = ",".join(str(pk) for pk in sorted(claim.values_list("pk", flat=True)))
    return hashlib.sha256(f"{claim.model._meta.label}:{field}:{pks}".encode()).hexdigest()


def mail_message(
    *,
    template: str,
    subject: str,
    to: str,
    context: dict,
    attachments: Iterable = (),
) -> EmailMultiAlternatives:
    """A text + HTML message from ``templates/emails/<template>.{txt,html}``.

    ``attachments`` are MIME parts (an inline QR code) or ``(filename, content, mimetype)``.
    """
    context = {"site_url": settings.SITE_URL, **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    for attachment in attachments:
        if isinstance(attachment, tuple):
            message.attach(*attachment)
        else:
            message.attach(attachment)
    return message
