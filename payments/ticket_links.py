"""Ticket and order links in e-mails that open without an account.

An attendee booked by a colleague often has no account; the ticket e-mail's "Your ticket
online" link carries a signature of the ticket code, so the page opens for whoever holds
the e-mail (the QR code in the same e-mail is already that secret). Links without a
valid signature still need the buyer's, the attendee's or a staff account.

A booking taken by phone is paid by a caller who may never have signed in: the payment
link's return page and the order page open from a signed order link the same way.
"""

from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse

SALT = "payments.ticket-link"
ORDER_SALT = "payments.order-link"
KEY_PARAM = "key"


def ticket_link_path(*, code: str) -> str:
    """The ticket page's path with its signature: ``/payments/tickets/<code>/?key=…``."""
    key = signing.Signer(salt=SALT).signature(code)
    return reverse("payments:ticket", kwargs={"code": code}) + "?" + urlencode({KEY_PARAM: key})


def _signature_is_valid(*, salt: str, value: str, key: str) -> bool:
    if not key:
        return False
    try:
        signing.Signer(salt=salt).unsign(f"{value}:{key}")
    except signing.BadSignature:
        return False
    return True


def ticket_link_is_valid(*, code: str, key: str) -> bool:
    return _signature_is_valid(salt=SALT, value=code, key=key)


def order_link_path(*, reference, name: str = "payments:order") -> str:
    """An order page (or its checkout return, ``name``) with the order's signature."""
    key = signing.Signer(salt=ORDER_SALT).signature(str(reference))
    return reverse(name, kwargs={"reference": reference}) + "?" + urlencode({KEY_PARAM: key})


def order_link_is_valid(*, reference, key: str) -> bool:
    return _signature_is_valid(salt=ORDER_SALT, value=str(reference), key=key)
