"""Reads for home-study CE: is the test open to this member, what an attempt asks, and
the CE hours a member has earned per licence period.

One rule per question: ``home_study_lessons_status`` (all lessons ≥ 90 % watched) and
``home_study_eligibility`` (may this member start an attempt now, and if not, why and
until when). Pages and services both ask these, so they cannot disagree."""

import datetime
import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from courses.locators import LessonRef, masterclass_lessons
from courses.models import (
    Certificate,
    HomeStudyAttempt,
    HomeStudyOption,
    HomeStudyQuestion,
    LessonProgress,
    Masterclass,
    ce_hours_text,
)
from courses.selectors.access import user_can_watch_masterclass

UNLOCK_PERCENT = 90


@dataclass(frozen=True)
class LessonStatus:
    lesson: LessonRef
    percent: int

    @property
    def done(self) -> bool:
        return self.percent >= UNLOCK_PERCENT


@dataclass(frozen=True)
class LessonsStatus:
    lessons: list[LessonStatus]

    @property
    def unlocked(self) -> bool:
        """Every lesson watched to 90 %; a masterclass without lessons has no test yet."""
        return bool(self.lessons) and all(row.done for row in self.lessons)

    @property
    def left(self) -> list[LessonStatus]:
        return [row for row in self.lessons if not row.done]


def home_study_lessons_status(
    *, user, masterclass: Masterclass, lessons: list[LessonRef] | None = None
) -> LessonsStatus:
    """How far ``user`` watched each live lesson of ``masterclass`` (two queries)."""
    lessons = masterclass_lessons(masterclass.pk) if lessons is None else lessons
    progress = {
        row.lesson_key: row
        for row in LessonProgress.objects.filter(
            user=user, lesson_key__in=[lesson.key for lesson in lessons]
        )
    }
    return LessonsStatus(
        lessons=[
            LessonStatus(
                lesson=lesson, percent=row.percent if (row := progress.get(lesson.key)) else 0
            )
            for lesson in lessons
        ]
    )


def home_study_questions(*, masterclass: Masterclass | int) -> QuerySet[HomeStudyQuestion]:
    masterclass_id = masterclass.pk if isinstance(masterclass, Masterclass) else masterclass
    return HomeStudyQuestion.objects.filter(masterclass_id=masterclass_id).prefetch_related(
        Prefetch("options", queryset=HomeStudyOption.objects.order_by("sort_order", "pk"))
    )


def home_study_attempts_submitted(*, user, masterclass: Masterclass) -> QuerySet[HomeStudyAttempt]:
    return HomeStudyAttempt.objects.filter(
        user=user, masterclass=masterclass, submitted_at__isnull=False
    ).order_by("-submitted_at", "-pk")


def home_study_open_attempt(*, user, masterclass: Masterclass) -> HomeStudyAttempt | None:
    return HomeStudyAttempt.objects.filter(
        user=user, masterclass=masterclass, submitted_at__isnull=True
    ).first()


def home_study_certificate(*, user, masterclass: Masterclass) -> Certificate | None:
    return Certificate.objects.filter(
        user=user, masterclass=masterclass, revoked_at__isnull=True
    ).first()


class Blocked:
    """Why a member may not start an attempt now (``Eligibility.blocked``)."""

    NOT_APPROVED = "not_approved"
    NO_QUESTIONS = "no_questions"
    NO_ACCESS = "no_access"
    LESSONS_LEFT = "lessons_left"
    PASSED = "passed"
    LIMIT_REACHED = "limit_reached"
    COOLING_DOWN = "cooling_down"


@dataclass(frozen=True)
class Eligibility:
    blocked: str = ""
    next_attempt_at: datetime.datetime | None = None
    attempts_used: int = 0
    attempts_left: int | None = None  # None: no limit
    lessons: LessonsStatus = field(default_factory=lambda: LessonsStatus(lessons=[]))
    last_attempt: HomeStudyAttempt | None = None

    @property
    def can_start(self) -> bool:
        return not self.blocked


def home_study_retake_rule(
    *,
    masterclass: Masterclass,
    attempts_used: int,
    last_submitted_at: datetime.datetime | None,
    now: datetime.datetime,
) -> tuple[str, datetime.datetime | None, int | None]:
    """The retake limit and cool-down, after failed attempts only: (blocked reason or "",
    when the next attempt opens, attempts left or None for no limit)."""
    attempts_left = (
        None if masterclass.max_retakes is None else 1 + masterclass.max_retakes - attempts_used
    )
    if attempts_left is not None and attempts_left <= 0:
        return Blocked.LIMIT_REACHED, None, 0
    if last_submitted_at is not None and masterclass.retake_cooldown_hours:
        opens = last_submitted_at + datetime.timedelta(hours=masterclass.retake_cooldown_hours)
        if opens > now:
            return Blocked.COOLING_DOWN, opens, attempts_left
    return "", None, attempts_left


def home_study_eligibility(
    *, user, masterclass: Masterclass, now: datetime.datetime | None = None
) -> Eligibility:
    """May ``user`` start (or continue) an attempt at ``masterclass``'s test now?"""
    now = now or timezone.now()
    lessons = home_study_lessons_status(user=user, masterclass=masterclass)
    submitted = list(home_study_attempts_submitted(user=user, masterclass=masterclass)[:50])
    last = submitted[0] if submitted else None
    facts = Eligibility(attempts_used=len(submitted), lessons=lessons, last_attempt=last)
    if not masterclass.ce_approved:
        return replace(facts, blocked=Blocked.NOT_APPROVED)
    if not home_study_questions(masterclass=masterclass).exists():
        return replace(facts, blocked=Blocked.NO_QUESTIONS)
    if not user_can_watch_masterclass(user=user, masterclass=masterclass, at=now):
        return replace(facts, blocked=Blocked.NO_ACCESS)
    if any(attempt.passed for attempt in submitted):
        return replace(facts, blocked=Blocked.PASSED)
    if not lessons.unlocked:
        return replace(facts, blocked=Blocked.LESSONS_LEFT)
    blocked, opens, left = home_study_retake_rule(
        masterclass=masterclass,
        attempts_used=len(submitted),
        last_submitted_at=last.submitted_at if last else None,
        now=now,
    )
    return replace(facts, blocked=blocked, next_attempt_at=opens, attempts_left=left)


# --- One attempt's questions, in its own shuffled order ---------------------------------


@dataclass(frozen=True)
class AskedQuestion:
    question: HomeStudyQuestion
    options: list[HomeStudyOption]


def _shuffled(items: list, seed: str) -> list:
    # Not security: a stable, per-attempt order so copying a neighbor's screen helps little.
    items = list(items)
    random.Random(seed).shuffle(items)  # noqa: S311
    return items


def home_study_question_order(*, seed: int, question_ids: Iterable[int]) -> list[int]:
    return _shuffled(sorted(question_ids), f"{seed}")


def home_study_attempt_questions(*, attempt: HomeStudyAttempt) -> list[AskedQuestion]:
    """The attempt's questions (those still in the bank) and options, shuffled by its seed:
    the same order every time the attempt is shown."""
    by_id = {q.pk: q for q in home_study_questions(masterclass=attempt.masterclass_id)}
    return [
        AskedQuestion(
            question=by_id[qid],
            options=_shuffled(list(by_id[qid].options.all()), f"{attempt.seed}:{qid}"),
        )
        for qid in attempt.questions
        if qid in by_id
    ]


# --- CE hours per licence period --------------------------------------------------------


@dataclass
class CEPeriod:
    starts_on: datetime.date
    ends_on: datetime.date
    certificates: list[Certificate] = field(default_factory=list)

    @property
    def hours(self) -> Decimal:
        return sum((c.ce_hours for c in self.certificates), Decimal("0"))

    @property
    def hours_label(self) -> str:
        return ce_hours_text(self.hours)

    @property
    def hours_display(self) -> str:
        hours = self.hours
        return f"{hours.normalize() if hours % 1 else int(hours)}"


def _anniversary(day: datetime.date, year: int) -> datetime.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a common year
        return day.replace(year=year, day=28)


def ce_period_for(
    *, day: datetime.date, renewal_date: datetime.date | None, years: int = 2
) -> tuple[datetime.date, datetime.date]:
    """The licence period containing ``day``: with a renewal date, the ``years``-long
    cycles that end the day before each renewal; without one, the calendar year."""
    if renewal_date is None:
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)
    # Cycles end on renewal_date ± k·years; find the first renewal after ``day``.
    offset = (renewal_date.year - day.year) % years
    renewal = _anniversary(renewal_date, day.year + offset)
    if renewal <= day:
        renewal = _anniversary(renewal_date, renewal.year + years)
    start = _anniversary(renewal_date, renewal.year - years)
    return start, renewal - datetime.timedelta(days=1)


def ce_hours_by_period(
    *, certificates: Iterable[Certificate], renewal_date: datetime.date | None = None
) -> list[CEPeriod]:
    """Certificates grouped by the licence period of their completion date, newest first."""
    periods: dict[tuple[datetime.date, datetime.date], CEPeriod] = {}
    for certificate in certificates:
        start, end = ce_period_for(day=certificate.session_ended_on, renewal_date=renewal_date)
        periods.setdefault((start, end), CEPeriod(starts_on=start, ends_on=end))
        periods[(start, end)].certificates.append(certificate)
    for period in periods.values():
        period.certificates.sort(key=lambda c: (c.session_ended_on, c.pk))
    return sorted(periods.values(), key=lambda p: p.starts_on, reverse=True)
