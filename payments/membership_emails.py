"""Membership e-mails (HTML + text, ``templates/emails/membership_*``): welcome, payment
failed (with the way into the Customer Portal), the annual renewal reminder and the
cancellation confirmation. Each is a ``Notice`` claimed once per key by
``payments.services.memberships`` and sent by ``payments.emails.notice_send``."""

from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils.translation import gettext_lazy, pgettext

from courses.formatting import local_date
from courses.links import absolute_url
from courses.mail import mail_message

from .models import Membership, Notice, NoticeKind

SUBJECTS = {
    NoticeKind.MEMBERSHIP_WELCOME: gettext_lazy("Welcome to the membership"),
    NoticeKind.MEMBERSHIP_PAYMENT_FAILED: gettext_lazy(
        "Your membership payment did not go through"
    ),
    NoticeKind.MEMBERSHIP_RENEWAL_REMINDER: gettext_lazy(
        "Your annual membership renews on %(renews)s"
    ),
    NoticeKind.MEMBERSHIP_CANCELLED: gettext_lazy(
        "Your membership is canceled: access until %(ends)s"
    ),
}


def membership_notice_message(notice: Notice) -> EmailMultiAlternatives:
    membership = Membership.objects.select_related("user").get(pk=notice.membership_id)
    kind = NoticeKind(notice.kind)
    renews = local_date(membership.current_period_end)
    ends = local_date(membership.access_ends_at)
    subject = SUBJECTS[kind] % {"renews": renews, "ends": ends}
    return mail_message(
        subject=f"[PhysioMassage Academy] {subject}",
        to=notice.to,
        template=kind.value,
        context={
            "membership": membership,
            "name": membership.user.full_name or pgettext("the name in “Hi there”", "there"),
            "renews": renews,
            "ends": ends,
            "price": membership.price_display(),
            "portal_url": absolute_url(reverse("payments:membership_manage")),
            "library_url": absolute_url("/masterclasses/"),
            "join_url": absolute_url(reverse("payments:membership_join")),
        },
    )


MEMBERSHIP_SENDERS = dict.fromkeys(SUBJECTS, membership_notice_message)
