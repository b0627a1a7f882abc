"""The owner's reports, one selector each. Every one aggregates in SQL (grouped by
period, currency, workshop or masterclass) in a fixed number of queries, so a report
costs the same with ten orders or a million; Python only fills in empty periods.

Money is never added across currencies: every money figure is keyed by its currency.
Dates are the site's (``TIME_ZONE``) calendar days; a range is inclusive of both ends.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Aggregate, Case, Count, F, IntegerField, Q, Sum, When
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from courses.models import (
    Certificate,
    HomeStudyAttempt,
    LessonProgress,
    Masterclass,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
    Workshop,
)
from courses.selectors.seats import availability_of, sessions_with_seats

from ..models import (
    FunnelCount,
    FunnelKind,
    Membership,
    MembershipPlan,
    MembershipStatus,
    Notice,
    NoticeKind,
    Order,
    Refund,
    RefundStatus,
)

PERIOD_WEEK = "week"
PERIOD_MONTH = "month"


@dataclass(frozen=True)
class DateRange:
    """Calendar days ``start`` to ``end``, both included, in the site's time zone."""

    start: datetime.date
    end: datetime.date

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """Aware datetimes: midnight starting ``start``, midnight after ``end``."""
        zone = timezone.get_current_timezone()
        low = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=zone)
        high = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        return low, high

    def filter(self, field: str) -> Q:
        low, high = self.bounds()
        return Q(**{f"{field}__gte": low, f"{field}__lt": high})


def period_starts(span: DateRange, period: str) -> list[datetime.date]:
    """Every week (Monday) or month (1st) that overlaps ``span``, oldest first."""
    if period == PERIOD_WEEK:
        day = span.start - datetime.timedelta(days=span.start.weekday())
        starts = []
        while day <= span.end:
            starts.append(day)
            day += datetime.timedelta(days=7)
        return starts
    day = span.start.replace(day=1)
    starts = []
    while day <= span.end:
        starts.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return starts


def _day(value) -> datetime.date:
    """A truncated period as a local date (PostgreSQL gives aware datetimes)."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


# --- 1. Revenue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RevenueRow:
    period: datetime.date
    currency: str
    gross: int
    refunds: int

    @property
    def net(self) -> int:
        return self.gross - self.refunds


def revenue_by_period(*, span: DateRange, period: str = PERIOD_MONTH) -> list[RevenueRow]:
    """Gross (orders paid in the period), refunds (refunds that succeeded in the period)
    and net, per period and currency. Two queries. A currency appears with every period
    of the range (zeros included) as soon as it has any money in it."""
    trunc = TruncWeek if period == PERIOD_WEEK else TruncMonth
    gross = (
        Order.objects.filter(span.filter("paid_at"))
        .annotate(period=trunc("paid_at"))
        .values("period", "currency")
        .annotate(total=Sum("total_amount"))
        .order_by()
    )
    refunds = (
        Refund.objects.filter(span.filter("created_at"), status=RefundStatus.SUCCEEDED)
        .annotate(period=trunc("created_at"))
        .values("period", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    sums: dict[tuple[datetime.date, str], list[int]] = defaultdict(lambda: [0, 0])
    for index, rows in enumerate((gross, refunds)):
        for row in rows:
            sums[(_day(row["period"]), row["currency"].lower())][index] += row["total"] or 0
    currencies = sorted({currency for _, currency in sums})
    return [
        RevenueRow(start, currency, *sums.get((start, currency), (0, 0)))
        for currency in currencies
        for start in period_starts(span, period)
    ]


# --- 2. Session fill ----------------------------------------------------------------------


@dataclass(frozen=True)
class SessionFill:
    session: Session
    confirmed: int
    held: int
    offered: int
    free: int
    waiting: int
    below_threshold: bool

    @property
    def fill_percent(self) -> int:
        capacity = self.session.capacity
        return round(100 * (self.confirmed + self.held) / capacity) if capacity else 100


def session_fill(
    *, span: DateRange, threshold_percent: int = 50, soon_days: int = 14, now=None
) -> list[SessionFill]:
    """Every scheduled session starting in ``span`` that has not ended: confirmed seats,
    unexpired holds, seats offered to the waiting list, free seats and the seats people
    still wait for (the courses seat rules). One query. A session starting within
    ``soon_days`` with confirmed + held below ``threshold_percent`` of capacity is
    flagged: it needs marketing or a decision now."""
    now = now or timezone.now()
    sessions = sessions_with_seats(
        Session.objects.filter(span.filter("starts_at"), status=SessionStatus.SCHEDULED)
        .filter(ends_at__gt=now)
        .select_related("workshop", "venue")
        .annotate(
            seats_confirmed=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
            )
        )
        .order_by("starts_at", "pk"),
        now=now,
    )
    soon = now + datetime.timedelta(days=soon_days)
    rows = []
    for session in sessions:
        seats = availability_of(session)
        held = seats.taken - session.seats_confirmed
        filled = seats.taken * 100
        rows.append(
            SessionFill(
                session=session,
                confirmed=session.seats_confirmed,
                held=held,
                offered=seats.offered,
                free=seats.free,
                waiting=seats.waiting,
                below_threshold=session.starts_at <= soon
                and filled < threshold_percent * session.capacity,
            )
        )
    return rows


# --- 3. Registration funnel -----------------------------------------------------------------

FUNNEL_STEPS = ("opened", "held", "paid", "attended", "certified")


@dataclass(frozen=True)
class FunnelRow:
    workshop: Workshop
    opened: int
    held: int
    paid: int
    attended: int
    certified: int

    def steps(self) -> list[int]:
        return [getattr(self, step) for step in FUNNEL_STEPS]


def registration_funnel(*, span: DateRange) -> list[FunnelRow]:
    """Per workshop, each step counted on the day it happened in ``span``: register page
    opens (``FunnelCount``), seats held (registrations created, complimentary seats
    excluded: nobody chose them), seats paid (confirmed, not complimentary), attendees
    checked in, and people given a certificate (re-issues count once). Five grouped
    queries plus one for the workshops' names."""

    def per_workshop(queryset, key: str, aggregate) -> dict[int, int]:
        rows = queryset.values(key).annotate(total=aggregate).order_by()
        return {row[key]: row["total"] or 0 for row in rows}

    paid_seats = Registration.objects.filter(complimentary=False)
    counts = {
        "opened": per_workshop(
            FunnelCount.objects.filter(
                day__gte=span.start, day__lte=span.end, kind=FunnelKind.REGISTER_OPENED
            ),
            "workshop",
            Sum("count"),
        ),
        "held": per_workshop(
            paid_seats.filter(span.filter("created_at")), "session__workshop", Count("pk")
        ),
        "paid": per_workshop(
            paid_seats.filter(span.filter("confirmed_at"), status=RegistrationStatus.CONFIRMED),
            "session__workshop",
            Count("pk"),
        ),
        "attended": per_workshop(
            Registration.objects.filter(span.filter("checked_in_at")),
            "session__workshop",
            Count("pk"),
        ),
        "certified": per_workshop(
            Certificate.objects.filter(span.filter("issued_at")),
            "registration__session__workshop",
            Count("registration", distinct=True),
        ),
    }
    ids = set().union(*(step.keys() for step in counts.values()))
    workshops = Workshop.objects.filter(pk__in=ids).order_by("title", "pk")
    return [
        FunnelRow(workshop, *(counts[step].get(workshop.pk, 0) for step in FUNNEL_STEPS))
        for workshop in workshops
    ]


# --- 4. Members ------------------------------------------------------------------------------

NEVER_PAID = (MembershipStatus.INCOMPLETE, MembershipStatus.INCOMPLETE_EXPIRED)


@dataclass(frozen=True)
class MemberMonth:
    month: datetime.date
    new: int
    cancelled: int
    past_due: int
    active: int
    mrr: dict[str, int]  # currency -> monthly recurring revenue in minor units


def members_by_month(*, span: DateRange) -> list[MemberMonth]:
    """Per month: memberships started (first payment made), ended, and payments that
    failed (the member's "payment failed" e-mail, one per billing period, marks the
    membership going past due); then at each month's end (or now, for the current month)
    the live memberships and their monthly recurring revenue per currency, an annual
    plan counting a twelfth. Three queries whatever the number of members."""
    months = period_starts(span, PERIOD_MONTH)
    paying = Membership.objects.exclude(status__in=NEVER_PAID)
    started = _count_by_month(paying.filter(span.filter("created_at")), "created_at")
    ended = _count_by_month(paying.filter(span.filter("ended_at")), "ended_at")
    failed = _count_by_month(
        Notice.objects.filter(span.filter("created_at"), kind=NoticeKind.MEMBERSHIP_PAYMENT_FAILED),
        "created_at",
    )
    now = timezone.now()
    ends = [min(now, _month_end(month)) for month in months]
    monthly = Case(
        When(plan=MembershipPlan.ANNUAL, then=F("amount") / 12),
        default=F("amount"),
        output_field=IntegerField(),
    )

    def live_at(moment: datetime.datetime) -> Q:
        return Q(created_at__lt=moment) & (Q(ended_at__isnull=True) | Q(ended_at__gte=moment))

    columns: dict[str, Aggregate] = {}
    for index, moment in enumerate(ends):
        columns[f"mrr_{index}"] = Sum(monthly, filter=live_at(moment), default=0)
        columns[f"live_{index}"] = Count("pk", filter=live_at(moment))
    grouped = paying.values("currency").annotate(**columns).order_by("currency")
    by_currency: list[dict[str, Any]] = [dict(row) for row in grouped]
    return [
        MemberMonth(
            month=month,
            new=started.get(month, 0),
            cancelled=ended.get(month, 0),
            past_due=failed.get(month, 0),
            active=sum(row[f"live_{index}"] for row in by_currency),
            mrr={
                row["currency"].lower(): row[f"mrr_{index}"]
                for row in by_currency
                if row[f"live_{index}"]
            },
        )
        for index, month in enumerate(months)
    ]


def _month_end(month: datetime.date) -> datetime.datetime:
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    return datetime.datetime.combine(
        following, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )


def _count_by_month(queryset, field: str) -> dict[datetime.date, int]:
    rows = queryset.annotate(month=TruncMonth(field)).values("month").annotate(n=Count("pk"))
    return {_day(row["month"]): row["n"] for row in rows.order_by()}


# --- 5. Masterclasses ----------------------------------------------------------------------


@dataclass(frozen=True)
class MasterclassRow:
    masterclass: Masterclass
    purchases: int
    learners: int
    lessons_watched: int
    lessons_completed: int
    tests_taken: int = 0
    tests_passed: int = 0

    @property
    def completion_percent(self) -> int | None:
        """Share of the lessons watched in the range that were watched to the end."""
        if not self.lessons_watched:
            return None
        return round(100 * self.lessons_completed / self.lessons_watched)

    @property
    def pass_rate_percent(self) -> int | None:
        """Share of the home-study tests submitted in the range that passed; None when
        nobody took the test (no test, or none taken), shown as a dash."""
        if not self.tests_taken:
            return None
        return round(100 * self.tests_passed / self.tests_taken)


def masterclass_engagement(*, span: DateRange) -> list[MasterclassRow]:
    """Per masterclass: one-time purchases paid in ``span``, people who watched, lessons
    watched (progress saved in the range) and of those, lessons watched to the end, and
    home-study tests submitted in the range and passed. Three grouped queries plus one for
    the masterclasses."""
    purchases = {
        row["masterclass"]: row["total"]
        for row in Order.objects.filter(span.filter("paid_at"), masterclass__isnull=False)
        .values("masterclass")
        .annotate(total=Count("pk"))
        .order_by()
    }
    watching = {
        row["masterclass"]: row
        for row in LessonProgress.objects.filter(
            span.filter("updated_at"), masterclass__isnull=False
        )
        .values("masterclass")
        .annotate(
            learners=Count("user", distinct=True),
            watched=Count("pk"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
        )
        .order_by()
    }
    testing = {
        row["masterclass"]: row
        for row in HomeStudyAttempt.objects.filter(span.filter("submitted_at"))
        .values("masterclass")
        .annotate(taken=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
        .order_by()
    }
    empty = {"learners": 0, "watched": 0, "completed": 0, "taken": 0, "passed": 0}
    return [
        MasterclassRow(
            masterclass,
            purchases.get(masterclass.pk, 0),
            watching.get(masterclass.pk, empty)["learners"],
            watching.get(masterclass.pk, empty)["watched"],
            watching.get(masterclass.pk, empty)["completed"],
            testing.get(masterclass.pk, empty)["taken"],
            testing.get(masterclass.pk, empty)["passed"],
        )
        for masterclass in Masterclass.objects.filter(
            pk__in=set(purchases) | set(watching) | set(testing)
        ).order_by("title")
    ]
