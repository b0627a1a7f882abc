"""Ticket links in e-mails that open without an account.

An attendee booked by a colleague often has no account; the ticket e-mail's "Your ticket
online" link carries a signature of the ticket code, so the page opens for whoever holds
the e-mail (the QR code in the same e-mail is already that secret). Links without a
valid signature still need the buyer's, the attendee's or a staff account.
"""

from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse

SALT = "payments.ticket-link"
KEY_PARAM = "key"


def ticket_link_path(*, code: str) -> str:
    """The ticket page's path with its signature: ``/payments/tickets/<code>/?key=…``."""
    key = signing.Signer(salt=SALT).signature(code)
    return reverse("payments:ticket", kwargs={"code": code}) + "?" + urlencode({KEY_PARAM: key})


def ticket_link_is_valid(*, code: str, key: str) -> bool:
    if not key:
        return False
    try:
        signing.Signer(salt=SALT).unsign(f"{code}:{key}")
    except signing.BadSignature:
        return False
    return True
