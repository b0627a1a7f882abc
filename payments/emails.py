"""E-mails about orders: the buyer's receipt, each attendee's ticket (QR code + .ics),
the receipt for a masterclass bought outright and the late-payment refund notice. HTML + text from ``templates/emails/``.

Each send first *claims* its ``*_sent_at`` column with a conditional UPDATE: only one
worker wins, so a retried or duplicated task never sends twice. A failed send gives the
claim back and raises, so Celery retries it.
"""

import io
from email.message import MIMEPart

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

import segno

from courses.calendar import session_ics
from courses.locators import masterclass_url

from .models import Order, OrderLine


def ticket_qr_png(code: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(code, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def ticket_qr_svg(code: str) -> str:
    buffer = io.BytesIO()
    segno.make(code, error="m").save(
        buffer, kind="svg", border=2, xmldecl=False, omitsize=True, title="Ticket QR code"
    )
    return buffer.getvalue().decode()


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _send(*, subject: str, to: str, template: str, context: dict, attachments=()) -> None:
    context = {"site_url": settings.SITE_URL, **context}
    message = EmailMultiAlternatives(
        subject=f"[PhysioMassage Academy] {subject}",
        body=render_to_string(f"emails/{template}.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    for attachment in attachments:
        message.attach(attachment) if isinstance(attachment, MIMEPart) else message.attach(
            *attachment
        )
    message.send()


def _claim(queryset: QuerySet, field: str) -> bool:
    return bool(queryset.filter(**{f"{field}__isnull": True}).update(**{field: timezone.now()}))


def _unclaim(queryset: QuerySet, field: str) -> None:
    queryset.update(**{field: None})


def _absolute_url(url: str) -> str:
    return _absolute(url) if url.startswith("/") else url


def _send_once(claim_on: QuerySet, field: str, **message) -> None:
    """Send ``message`` (``_send``'s arguments) unless ``field`` is claimed already; a
    failed send gives the claim back and raises, so the task retries."""
    if not _claim(claim_on, field):
        return
    try:
        _send(**message)
    except Exception:
        _unclaim(claim_on, field)
        raise


def masterclass_receipt_send(*, order: Order) -> None:
    """The receipt for a masterclass bought outright, with the way in: sent once."""
    masterclass = order.masterclass
    _send_once(
        Order.objects.filter(pk=order.pk),
        "receipt_sent_at",
        subject=f"Receipt for order {order.number}: {masterclass.title}",
        to=order.email,
        template="masterclass_receipt",
        context={
            "order": order,
            "masterclass": masterclass,
            "watch_url": _absolute_url(masterclass_url(masterclass)),
            "order_url": _absolute(order.get_absolute_url()),
        },
    )


def order_confirmation_send(*, order_id: int) -> None:
    """The receipt to the buyer, then one ticket per attendee."""
    order = Order.objects.select_related("session__workshop", "session__venue", "masterclass").get(
        pk=order_id
    )
    if order.masterclass_id is not None:
        masterclass_receipt_send(order=order)
        return
    lines = list(order.lines.select_related("registration__ticket_type"))
    this_order = Order.objects.filter(pk=order.pk)
    if _claim(this_order, "receipt_sent_at"):
        try:
            _send(
                subject=f"Receipt for order {order.number}",
                to=order.email,
                template="order_receipt",
                context={
                    "order": order,
                    "lines": lines,
                    "session": order.session,
                    "order_url": _absolute(order.get_absolute_url()),
                },
            )
        except Exception:
            _unclaim(this_order, "receipt_sent_at")
            raise
    ics = session_ics(session=order.session, url=_absolute(order.get_absolute_url()))
    for line in lines:
        this_line = OrderLine.objects.filter(pk=line.pk)
        if not _claim(this_line, "ticket_sent_at"):
            continue
        registration = line.registration
        qr = MIMEPart()
        qr.set_content(
            ticket_qr_png(registration.code),
            maintype="image",
            subtype="png",
            disposition="inline",
            filename="ticket-qr.png",
            cid="<ticket-qr>",
        )
        try:
            _send(
                subject=f"Your ticket: {order.session.workshop.title}",
                to=registration.attendee_email,
                template="ticket",
                context={
                    "order": order,
                    "registration": registration,
                    "session": order.session,
                    "ticket_url": _absolute(
                        reverse("payments:ticket", kwargs={"code": registration.code})
                    ),
                },
                attachments=[qr, ("workshop.ics", ics, "text/calendar")],
            )
        except Exception:
            _unclaim(this_line, "ticket_sent_at")
            raise


def order_refund_notice_send(*, order_id: int) -> None:
    order = Order.objects.select_related("session__workshop", "session__venue").get(pk=order_id)
    this_order = Order.objects.filter(pk=order.pk)
    if not _claim(this_order, "refund_notice_sent_at"):
        return
    try:
        _send(
            subject=f"Refund for order {order.number}: the session filled up",
            to=order.email,
            template="late_payment_refund",
            context={
                "order": order,
                "session": order.session,
                "order_url": _absolute(order.get_absolute_url()),
            },
        )
    except Exception:
        _unclaim(this_order, "refund_notice_sent_at")
        raise
