"""How orders' refunds and disputes read on the admin's order page (``OrderInspectView``)."""

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from courses.formatting import local_datetime, money_amount

from . import gateway
from .models import Order


def refunds_display(order: Order) -> str:
    rows = [
        (
            money_amount(refund.amount, refund.currency),
            refund.display_status,
            refund.get_reason_display(),
            f" — {refund.note}" if refund.note else "",
            " " + gettext("(last error: %(error)s)") % {"error": refund.last_error}
            if refund.last_error and not refund.is_submitted
            else "",
            refund.stripe_refund_id or gettext("not yet at Stripe"),
        )
        for refund in order.refunds.all()
    ]
    if not rows:
        return gettext("None")
    return format_html(
        "<ul>{}</ul>",
        format_html_join("", "<li><strong>{}</strong> {} · {}{}{} <code>{}</code></li>", rows),
    )


def disputes_display(order: Order) -> str:
    rows = [
        (
            "dispute dispute--closed" if dispute.is_closed else "dispute dispute--open",
            money_amount(dispute.amount, dispute.currency),
            dispute.get_status_display(),
            dispute.reason_display,
            " · "
            + gettext("respond by %(date)s") % {"date": local_datetime(dispute.evidence_due_by)}
            if dispute.evidence_due_by and not dispute.is_closed
            else "",
            gateway.dispute_dashboard_url(dispute_id=dispute.stripe_dispute_id),
            dispute.stripe_dispute_id,
        )
        for dispute in order.disputes.all()
    ]
    if not rows:
        return gettext("None")
    return format_html(
        "<ul>{}</ul>",
        format_html_join(
            "",
            '<li class="{}"><strong>{}</strong> {} · {}{} '
            '<a href="{}" target="_blank" rel="noopener">{} <code>{}</code></a></li>',
            [(*row[:6], gettext("Open in Stripe"), row[6]) for row in rows],
        ),
    )
