"""Membership e-mails, claimed once per key as ``Notice`` rows (sent after commit by
``payments.tasks.notice_send``, HTML + text from ``payments.membership_emails``).

``membership_notices_claim`` runs after every sync of a membership and claims what its
state calls for; the keys make duplicates and reordered events harmless:

- welcome, once per subscription, when it first gives access;
- payment failed, once per billing period that went past due;
- cancellation confirmed, once per access end date (a resume and a new cancellation
  with a new end date is told again);

``memberships_remind_renewals`` (a beat job) claims the annual renewal reminder once per
period, seven days before it renews.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from ..models import Membership, MembershipPlan, MembershipStatus, NoticeKind
from ..selectors.memberships import membership_has_another_live
from .notices import notice_claim

RENEWAL_REMINDER_BEFORE = datetime.timedelta(days=7)
WELCOME_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.TRIALING)


def _day(moment: datetime.datetime | None) -> str:
    return moment.date().isoformat() if moment else "none"


def _claim(membership: Membership, kind: str, key: str) -> None:
    notice_claim(
        key=f"{kind}-{membership.stripe_subscription_id}-{key}",
        kind=kind,
        to=membership.user.email,
        membership=membership,
    )


def membership_notices_claim(*, membership: Membership) -> None:
    """Claim the e-mails the membership's current state calls for (inside its sync).
    While the member has another billing subscription (a duplicate being canceled, see
    ``membership_duplicates``) there is no welcome and no "canceled" for this one: their
    membership goes on."""
    if membership_has_another_live(membership=membership) and (
        membership.status in WELCOME_STATUSES or membership.status == MembershipStatus.CANCELED
    ):
        return
    if membership.status in WELCOME_STATUSES:
        _claim(membership, NoticeKind.MEMBERSHIP_WELCOME, "first")
    if membership.status == MembershipStatus.PAST_DUE:
        _claim(
            membership, NoticeKind.MEMBERSHIP_PAYMENT_FAILED, _day(membership.current_period_end)
        )
    cancelled_live = membership.is_live and membership.cancel_at_period_end
    if cancelled_live or membership.status == MembershipStatus.CANCELED:
        _claim(membership, NoticeKind.MEMBERSHIP_CANCELLED, _day(membership.access_ends_at))


def memberships_remind_renewals(*, now: datetime.datetime | None = None) -> int:
    """Beat job: claim the reminder of every annual membership that renews within seven
    days and is not cancelled. Returns how many were looked at."""
    now = now or timezone.now()
    due = Membership.objects.filter(
        plan=MembershipPlan.ANNUAL,
        status__in=WELCOME_STATUSES,
        cancel_at_period_end=False,
        current_period_end__gt=now,
        current_period_end__lte=now + RENEWAL_REMINDER_BEFORE,
    ).select_related("user")
    count = 0
    for membership in due:
        with transaction.atomic():
            _claim(
                membership,
                NoticeKind.MEMBERSHIP_RENEWAL_REMINDER,
                _day(membership.current_period_end),
            )
        count += 1
    return count
