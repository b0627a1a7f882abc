"""What My account has to show: one query says which sections may hold anything, so a
person with no tickets, orders or certificates costs one query instead of one per section.

Each test is a coarse superset of its section's selector (the user has any such row at
all, ignoring dates and most states): True only lets the section's own selector run and
decide what to show, False skips a query that would have found nothing. They are plain
SQL on purpose: composed with the ORM (eight ``Exists``) the test cost more to build
than all the queries it saves (measured: ~0.8 ms against ~15 ms on a busy machine)."""

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from courses.models import WAITLIST_ACTIVE, RegistrationStatus


@dataclass(frozen=True)
class AccountSections:
    """Which of My account's sections may have rows for the user (False: none at all)."""

    tickets: bool = False
    orders: bool = False
    refunds: bool = False
    certificates: bool = False
    waitlist: bool = False
    progress: bool = False
    grants: bool = False
    memberships: bool = False

    @property
    def membership(self) -> bool:
        """A membership card with more than the offer: a subscription or a grant."""
        return self.grants or self.memberships


# One ``EXISTS`` per section, in ``AccountSections`` order (the tables and columns of the
# models named in each line; tests/accounts/test_dashboard.py fails if one is renamed).
SECTIONS_SQL = """
SELECT
  EXISTS (SELECT 1 FROM courses_registration  -- Registration: upcoming tickets
          WHERE (buyer_id = %(user)s OR UPPER(attendee_email) = UPPER(%(email)s))
            AND status = %(confirmed)s
            AND session_id IN (SELECT id FROM courses_session WHERE ends_at > %(now)s)),
  EXISTS (SELECT 1 FROM payments_order WHERE buyer_id = %(user)s),  -- Order
  EXISTS (SELECT 1 FROM payments_refund  -- Refund
          WHERE order_id IN (SELECT id FROM payments_order WHERE buyer_id = %(user)s)),
  EXISTS (SELECT 1 FROM courses_certificate  -- Certificate: home study or a seat
          WHERE user_id = %(user)s
             OR registration_id IN (
               SELECT id FROM courses_registration
               WHERE attendee_user_id = %(user)s
                  OR UPPER(attendee_email) = UPPER(%(email)s))),
  EXISTS (SELECT 1 FROM courses_waitlistentry  -- WaitlistEntry
          WHERE user_id = %(user)s AND status IN (%(waiting)s, %(offered)s)),
  EXISTS (SELECT 1 FROM courses_lessonprogress  -- LessonProgress
          WHERE user_id = %(user)s AND completed_at IS NULL),
  EXISTS (SELECT 1 FROM courses_accessgrant  -- AccessGrant
          WHERE user_id = %(user)s AND revoked_at IS NULL
            AND (ends_at IS NULL OR ends_at > %(now)s)),
  EXISTS (SELECT 1 FROM payments_membership WHERE user_id = %(user)s)  -- Membership
"""


def account_sections(*, user: Any) -> AccountSections:
    """Which sections of My account to read for ``user`` (one query)."""
    if not user.is_authenticated:
        return AccountSections()
    waiting, offered = WAITLIST_ACTIVE
    with connection.cursor() as cursor:
        cursor.execute(
            SECTIONS_SQL,
            {
                "user": user.pk,
                "email": user.email or "",
                "now": timezone.now(),
                "confirmed": RegistrationStatus.CONFIRMED.value,
                "waiting": waiting.value,
                "offered": offered.value,
            },
        )
        found = cursor.fetchone()
    return AccountSections(*(bool(value) for value in found))
