"""E-mails about orders: the buyer's receipt, each attendee's ticket (QR code + .ics),
the receipt for a masterclass bought outright and the late-payment refund notice, and
the staff alert about a disputed payment. HTML + text from ``templates/emails/``.

Every e-mail is sent once through ``courses.mail.mail_send_once``: its ``*_sent_at`` column
is claimed and committed first, SMTP runs outside any transaction, and a failed send gives
the claim back and raises, so Celery retries it.
"""

import io
from email.message import MIMEPart

from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext

import segno
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str

from courses.calendar import session_ics
from courses.formatting import local_date, local_datetime, money_amount
from courses.links import absolute_url
from courses.locators import masterclass_url
from courses.mail import mail_message, mail_send_once
from courses.models import Registration, Session

from . import gateway
from .membership_emails import MEMBERSHIP_SENDERS
from .models import (
    Dispute,
    Notice,
    NoticeKind,
    Order,
    OrderLine,
    Refund,
    RefundReason,
    RefundStatus,
)
from .ticket_links import order_link_path, ticket_link_path


def ticket_qr_png(code: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(code, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def ticket_qr_svg(code: str) -> str:
    buffer = io.BytesIO()
    segno.make(code, error="m").save(
        buffer, kind="svg", border=2, xmldecl=False, omitsize=True, title=gettext("Ticket QR code")
    )
    return buffer.getvalue().decode()


def _message(*, subject: str, **message) -> EmailMultiAlternatives:
    return mail_message(subject=f"[PhysioMassage Academy] {subject}", **message)


def _cancelled_subject(session: Session) -> str:
    return gettext("Canceled: %(workshop)s, %(date)s") % {
        "workshop": session.workshop.title,
        "date": local_date(session.local_starts_at),
    }


def _order_url(order: Order) -> str:
    """The order page. A phone booking's buyer may never have signed in: theirs is signed."""
    if order.taken_by_id is not None:
        return absolute_url(order_link_path(reference=order.reference))
    return absolute_url(order.get_absolute_url())


def _send_once(claim_on: QuerySet, field: str, **message) -> bool:
    """Send ``message`` (``_message``'s arguments) unless ``field`` is claimed already."""
    return mail_send_once(claim=claim_on, field=field, build=lambda: _message(**message))


def masterclass_receipt_send(*, order: Order) -> None:
    """The receipt for a masterclass bought outright, with the way in: sent once."""
    masterclass = order.masterclass
    _send_once(
        Order.objects.filter(pk=order.pk),
        "receipt_sent_at",
        subject=gettext("Receipt for order %(number)s: %(masterclass)s")
        % {"number": order.number, "masterclass": masterclass.title},
        to=order.email,
        template="masterclass_receipt",
        context={
            "order": order,
            "masterclass": masterclass,
            "watch_url": absolute_url(masterclass_url(masterclass)),
            "order_url": absolute_url(order.get_absolute_url()),
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
    _send_once(
        Order.objects.filter(pk=order.pk),
        "receipt_sent_at",
        subject=gettext("Receipt for order %(number)s") % {"number": order.number},
        to=order.email,
        template="order_receipt",
        context={
            "order": order,
            "lines": lines,
            "session": order.session,
            "order_url": _order_url(order),
        },
    )
    ics = session_ics(session=order.session, url=_order_url(order))
    for line in lines:
        _send_once(
            OrderLine.objects.filter(pk=line.pk),
            "ticket_sent_at",
            **_ticket_message(registration=line.registration, session=order.session, ics=ics),
        )


def _ticket_message(*, registration: Registration, session: Session, ics: str, subject="") -> dict:
    """One attendee's ticket (``_message``'s arguments): QR code inline, the .ics attached."""
    qr = MIMEPart()
    qr.set_content(
        ticket_qr_png(registration.code),
        maintype="image",
        subtype="png",
        disposition="inline",
        filename="ticket-qr.png",
        cid="<ticket-qr>",
    )
    return {
        "subject": subject
        or gettext("Your ticket: %(workshop)s") % {"workshop": session.workshop.title},
        "to": registration.attendee_email,
        "template": "ticket",
        "context": {
            "registration": registration,
            "session": session,
            "ticket_url": absolute_url(ticket_link_path(code=registration.code)),
        },
        "attachments": [qr, ("workshop.ics", ics, "text/calendar")],
    }


def order_refund_notice_send(*, order_id: int) -> None:
    order = Order.objects.select_related("session__workshop", "session__venue").get(pk=order_id)
    _send_once(
        Order.objects.filter(pk=order.pk),
        "refund_notice_sent_at",
        subject=gettext("Refund for order %(number)s: the session filled up")
        % {"number": order.number},
        to=order.email,
        template="late_payment_refund",
        context={
            "order": order,
            "session": order.session,
            "order_url": absolute_url(order.get_absolute_url()),
        },
    )


def dispute_staff_notice_send(*, dispute_id: int) -> bool:
    """Tell staff once that a buyer's bank disputes a payment, with the deadline."""
    from .selectors import staff_alert_recipients

    dispute = Dispute.objects.select_related("order__session__workshop", "order__masterclass").get(
        pk=dispute_id
    )
    order = dispute.order
    context = {
        "dispute": dispute,
        "order": order,
        "due": local_datetime(dispute.evidence_due_by),
        "admin_url": absolute_url(reverse("orders:inspect", args=[order.pk])),
        "dashboard_url": absolute_url(
            gateway.dispute_dashboard_url(dispute_id=dispute.stripe_dispute_id)
        ),
    }
    subject = gettext("Payment disputed: order %(number)s (%(amount)s)") % {
        "number": order.number,
        "amount": money_amount(dispute.amount, dispute.currency),
    }
    return mail_send_once(
        claim=Dispute.objects.filter(pk=dispute.pk),
        field="staff_notified_at",
        build=lambda: [
            _message(subject=subject, to=to, template="dispute_opened_staff", context=context)
            for to in staff_alert_recipients()
        ],
    )


# --- Notices: cancellations and complimentary tickets (claimed rows, see models.Notice) ---


def _registration_cancelled(notice: Notice) -> EmailMultiAlternatives:
    registration = Registration.objects.select_related(
        "session__workshop", "session__venue", "ticket_type"
    ).get(pk=notice.registration_id)
    session = registration.session
    refund = (
        Refund.objects.filter(registration=registration)
        .exclude(status__in=[RefundStatus.FAILED, RefundStatus.CANCELED])
        .select_related("order")
        .last()
    )
    order = refund.order if refund else None
    if order is None and hasattr(registration, "order_line"):
        order = registration.order_line.order
    return _message(
        subject=_cancelled_subject(session),
        to=notice.to,
        template="registration_cancelled",
        context={
            "registration": registration,
            "session": session,
            "refund": refund,
            "order": order,
            "by_staff": bool(notice.note),
            "note": notice.note,
            "is_attendee": notice.to.lower() == registration.attendee_email.lower(),
            "account_url": absolute_url(reverse("accounts:dashboard")),
            "order_url": absolute_url(order.get_absolute_url()) if order else "",
        },
    )


def _session_cancelled(notice: Notice) -> EmailMultiAlternatives:
    session = Session.objects.select_related("workshop", "venue").get(pk=notice.session_id)
    registrations = Registration.objects.filter(
        session=session, attendee_email__iexact=notice.to
    ).select_related("ticket_type")
    orders = []
    for order in Order.objects.filter(session=session, email__iexact=notice.to):
        refunded = sum(
            r.amount
            for r in order.refunds.filter(reason=RefundReason.SESSION_CANCELLED).exclude(
                status__in=[RefundStatus.FAILED, RefundStatus.CANCELED]
            )
        )
        if refunded:
            orders.append(
                {
                    "order": order,
                    "refunded": refunded,
                    "url": absolute_url(order.get_absolute_url()),
                }
            )
    return _message(
        subject=_cancelled_subject(session),
        to=notice.to,
        template="session_cancelled",
        context={
            "session": session,
            "registrations": [
                r for r in registrations if r.cancel_reason.startswith("Session cancelled")
            ],
            "orders": orders,
            "note": notice.note,
            "workshops_url": absolute_url("/workshops/"),
        },
    )


def _complimentary_ticket(notice: Notice) -> EmailMultiAlternatives:
    registration = Registration.objects.select_related(
        "session__workshop", "session__venue", "ticket_type"
    ).get(pk=notice.registration_id)
    session = registration.session
    ics = session_ics(
        session=session,
        url=absolute_url(reverse("payments:ticket", kwargs={"code": registration.code})),
    )
    return _message(
        **_ticket_message(
            registration=registration,
            session=session,
            ics=ics,
            subject=gettext("Your complimentary ticket: %(workshop)s")
            % {"workshop": session.workshop.title},
        )
    )


def _payment_link(notice: Notice) -> list[EmailMultiAlternatives]:
    """A phone booking's payment link; nothing once the booking is paid or closed."""
    order = Order.objects.select_related("session__workshop", "session__venue", "taken_by").get(
        pk=notice.order_id
    )
    if not order.payment_link_is_open:
        return []
    return [
        _message(
            subject=gettext("Complete your booking: %(workshop)s")
            % {"workshop": order.session.workshop.title},
            to=notice.to,
            template="payment_link",
            context={
                "order": order,
                "session": order.session,
                "lines": list(order.lines.select_related("registration__ticket_type")),
                "checkout_url": absolute_url(order.stripe_checkout_url),
                "order_url": _order_url(order),
            },
        )
    ]


def _account_invite(notice: Notice) -> list[EmailMultiAlternatives]:
    """The buyer of a phone booking had no account: one was opened with their e-mail and
    they choose its password (allauth's password-reset key) to see bookings and tickets."""
    order = Order.objects.select_related("buyer", "session__workshop", "taken_by").get(
        pk=notice.order_id
    )
    user = order.buyer
    if user is None or user.has_usable_password():
        return []
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return [
        _message(
            subject=gettext("Your PhysioMassage Academy account"),
            to=notice.to,
            template="account_invite",
            context={
                "order": order,
                "user": user,
                "set_password_url": absolute_url(path.replace("UID-KEY", key)),
                "sign_in_url": absolute_url(reverse("account_login")),
            },
        )
    ]


NOTICE_SENDERS = {
    NoticeKind.REGISTRATION_CANCELLED: _registration_cancelled,
    NoticeKind.SESSION_CANCELLED: _session_cancelled,
    NoticeKind.COMPLIMENTARY_TICKET: _complimentary_ticket,
    NoticeKind.PAYMENT_LINK: _payment_link,
    NoticeKind.ACCOUNT_INVITE: _account_invite,
    **MEMBERSHIP_SENDERS,
}


def notice_send(*, notice_id: int) -> bool:
    """Send a notice once: ``sent_at`` is claimed before sending, so a retry after success
    is a no-op; a failed send gives it back and raises (Celery retries)."""
    notice = Notice.objects.get(pk=notice_id)
    return mail_send_once(
        claim=Notice.objects.filter(pk=notice_id),
        field="sent_at",
        build=lambda: NOTICE_SENDERS[NoticeKind(notice.kind)](notice),
    )
