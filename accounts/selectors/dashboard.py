"""What My account has to show: one query says which sections hold anything, so a person
with no tickets, orders or certificates costs one query instead of one per section."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists
from django.utils import timezone

from courses import selectors as courses_selectors
from payments import selectors as payments_selectors
from payments.models import Order


@dataclass(frozen=True)
class AccountSections:
    """Which of My account's sections have rows for the user (False: nothing to read)."""

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
        """A membership card with more than the offer: a subscription or an active grant."""
        return self.grants or self.memberships


def account_sections(*, user: Any) -> AccountSections:
    """One query of ``EXISTS`` tests, each the section's own selector, on the user's row."""
    if not user.is_authenticated:
        return AccountSections()
    now = timezone.now()
    tests = {
        "tickets": payments_selectors.upcoming_tickets_for_user(user=user),
        "orders": Order.objects.filter(buyer=user),
        "refunds": payments_selectors.refunds_for_user(user=user),
        "certificates": courses_selectors.user_certificates(user=user),
        "waitlist": courses_selectors.user_waitlist_upcoming(user=user, now=now),
        "progress": courses_selectors.lesson_progress_unfinished(user=user),
        "grants": courses_selectors.access_grants_active(user=user, at=now),
        "memberships": payments_selectors.memberships_for_user(user=user),
    }
    found = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(**{f"has_{name}": Exists(rows) for name, rows in tests.items()})
        .values_list(*(f"has_{name}" for name in tests))
        .first()
    )
    return AccountSections(**dict(zip(tests, found, strict=True))) if found else AccountSections()
