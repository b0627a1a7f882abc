"""Writes for home-study CE: the editors' checks, attempts, grading and the certificate.

NCBTMB's home-study rules: a recorded course earns CE only after a test is taken and
graded against a passing grade the provider documents; one hour of video is 1 CE; the
certificate says "Home Study" and names the approved title, completion date, CE hours,
provider, address, approved-provider number and signature."""

import datetime
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.errors import HomeStudyAnswersInvalid, HomeStudyAttemptClosed, HomeStudyError
from courses.formatting import local_date
from courses.models import (
    Certificate,
    HomeStudyAttempt,
    HomeStudyQuestion,
    Masterclass,
    QuestionKind,
)
from courses.selectors.home_study import (
    Blocked,
    home_study_certificate,
    home_study_eligibility,
    home_study_question_order,
    home_study_questions,
)
from courses.services.outbox import outbox_add

HOME_STUDY_COURSE_TYPE = "Home Study"
SECONDS_PER_CE_HOUR = 3600
# CE hours this far above the video length are a typo, not a judgment call.
CE_HOURS_MAX_OVER_VIDEO = Decimal("1.5")
CE_HOURS_SLACK = Decimal("1")
MAX_ANSWER_VALUES = 50


# --- Editors' checks -------------------------------------------------------------------


def question_options_check(*, kind: str, options: Iterable[tuple[str, bool]]) -> list[str]:
    """What is wrong with a question's options ([] when nothing): at least two options,
    at least one correct, exactly one for a single-choice question."""
    options = [(text.strip(), correct) for text, correct in options if text.strip()]
    errors = []
    if len(options) < 2:
        errors.append(_("Give the question at least two options."))
    correct = sum(1 for _text, is_correct in options if is_correct)
    if correct == 0:
        errors.append(_("Mark the correct option."))
    elif kind == QuestionKind.SINGLE and correct > 1:
        errors.append(
            _("A single-choice question has exactly one correct option; use multiple choice.")
        )
    return errors


@dataclass(frozen=True)
class CEHoursCheck:
    video_hours: Decimal
    error: str = ""
    warning: str = ""


def ce_hours_check(*, ce_hours: Decimal | None, video_seconds: int) -> CEHoursCheck:
    """1 hour of video = 1 CE. A difference is a warning (the board may have approved
    other hours); negative hours or far more than the video are an error."""
    video_hours = (Decimal(video_seconds) / SECONDS_PER_CE_HOUR).quantize(Decimal("0.1"))
    if ce_hours is None:
        return CEHoursCheck(video_hours=video_hours)
    if ce_hours <= 0:
        return CEHoursCheck(video_hours=video_hours, error=_("CE hours must be more than zero."))
    if video_seconds and ce_hours > video_hours * CE_HOURS_MAX_OVER_VIDEO + CE_HOURS_SLACK:
        return CEHoursCheck(
            video_hours=video_hours,
            error=_(
                "%(ce)s CE hours is far more than the %(video)s hours of video in the "
                "published lessons (1 hour of video = 1 CE)."
            )
            % {"ce": ce_hours, "video": video_hours},
        )
    if ce_hours != video_hours:
        return CEHoursCheck(
            video_hours=video_hours,
            warning=_(
                "The published lessons add up to %(video)s hours of video, but %(ce)s CE "
                "hours are set (1 hour of video = 1 CE). Check the approved hours."
            )
            % {"ce": ce_hours, "video": video_hours},
        )
    return CEHoursCheck(video_hours=video_hours)


# --- Grading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Grade:
    score_percent: int
    correct: dict[int, bool]

    def passed(self, passing_grade_percent: int) -> bool:
        return self.score_percent >= passing_grade_percent


def home_study_grade(
    *, correct_options: Mapping[int, set[int]], answers: Mapping[int, set[int]]
) -> Grade:
    """All or nothing per question: right when the chosen options are exactly the correct
    ones. The score is rounded down, so 69.9 % never passes a 70 % grade."""
    correct = {qid: answers.get(qid, set()) == right for qid, right in correct_options.items()}
    total = len(correct)
    score = (100 * sum(correct.values())) // total if total else 0
    return Grade(score_percent=score, correct=correct)


# --- Attempts --------------------------------------------------------------------------


def home_study_attempt_start(
    *, user, masterclass: Masterclass, now: datetime.datetime | None = None
) -> HomeStudyAttempt:
    """The member's open attempt, or a new one when the rules allow (lessons watched,
    retake limit and cool-down). Questions are fixed and shuffled per attempt."""
    now = now or timezone.now()
    with transaction.atomic():
        open_attempt = HomeStudyAttempt.objects.filter(
            user=user, masterclass=masterclass, submitted_at__isnull=True
        ).first()
        if open_attempt is not None:
            return open_attempt
        eligibility = home_study_eligibility(user=user, masterclass=masterclass, now=now)
        if not eligibility.can_start:
            raise HomeStudyError(home_study_blocked_message(eligibility.blocked))
        seed = secrets.randbelow(2**31)
        question_ids = list(
            home_study_questions(masterclass=masterclass).values_list("pk", flat=True)
        )
        try:
            with transaction.atomic():
                return HomeStudyAttempt.objects.create(
                    user=user,
                    masterclass=masterclass,
                    seed=seed,
                    questions=home_study_question_order(seed=seed, question_ids=question_ids),
                    started_at=now,
                    passing_grade_percent=masterclass.passing_grade_percent,
                )
        except IntegrityError:  # a second tab started one a moment ago
            return HomeStudyAttempt.objects.get(
                user=user, masterclass=masterclass, submitted_at__isnull=True
            )


def home_study_blocked_message(blocked: str) -> str:
    return {
        Blocked.NOT_APPROVED: _("This masterclass is not approved for CE."),
        Blocked.NO_QUESTIONS: _("The test for this masterclass is not ready yet."),
        Blocked.NO_ACCESS: _("You need access to this masterclass to take its test."),
        Blocked.LESSONS_LEFT: _("Watch every lesson to at least 90 % to unlock the test."),
        Blocked.PASSED: _("You already passed this test."),
        Blocked.LIMIT_REACHED: _("You have used every attempt at this test."),
        Blocked.COOLING_DOWN: _("The next attempt is not open yet."),
    }.get(blocked, _("The test is not open."))


def _answers_parse(
    *, questions: list[HomeStudyQuestion], answers: Mapping[str, list[str]]
) -> dict[int, set[int]]:
    """``answers`` maps "q<id>" to the chosen option ids (as a form posts them). Every
    question needs an answer, each id must be one of that question's options, and a
    single-choice question takes one."""
    if len(answers) > MAX_ANSWER_VALUES:
        raise HomeStudyAnswersInvalid(_("Too many answers were sent."))
    parsed: dict[int, set[int]] = {}
    missing: list[int] = []
    for question in questions:
        values = answers.get(f"q{question.pk}", [])
        if len(values) > MAX_ANSWER_VALUES:
            raise HomeStudyAnswersInvalid(_("Too many answers were sent."))
        option_ids = {option.pk for option in question.options.all()}
        try:
            chosen = {int(value) for value in values}
        except (TypeError, ValueError) as exc:
            raise HomeStudyAnswersInvalid(
                _("An answer was not one of the options. Reload the test and try again.")
            ) from exc
        if not chosen:
            missing.append(question.pk)
            continue
        if not chosen <= option_ids or (question.kind == QuestionKind.SINGLE and len(chosen) > 1):
            raise HomeStudyAnswersInvalid(
                _("An answer was not one of the options. Reload the test and try again.")
            )
        parsed[question.pk] = chosen
    if missing:
        raise HomeStudyAnswersInvalid(
            _("Answer every question before you submit (%(count)d left).")
            % {"count": len(missing)},
            missing=missing,
        )
    return parsed


def _results_snapshot(
    questions: list[HomeStudyQuestion], answers: dict[int, set[int]], grade: Grade
) -> list[dict]:
    return [
        {
            "id": q.pk,
            "text": q.text,
            "kind": q.kind,
            "explanation": q.explanation,
            "correct": grade.correct[q.pk],
            "options": [
                {
                    "id": o.pk,
                    "text": o.text,
                    "is_correct": o.is_correct,
                    "chosen": o.pk in answers[q.pk],
                }
                for o in q.options.all()
            ],
        }
        for q in questions
    ]


def home_study_attempt_submit(
    *,
    attempt_id: int,
    user,
    answers: Mapping[str, list[str]],
    now: datetime.datetime | None = None,
) -> HomeStudyAttempt:
    """Grade the attempt once. Bad answers, someone else's attempt or a second submit
    raise and change nothing. Passing issues the Home Study certificate (e-mailed by
    the worker after commit)."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = (
            HomeStudyAttempt.objects.select_for_update()
            .select_related("masterclass")
            .filter(pk=attempt_id, user=user)
            .first()
        )
        if attempt is None:
            raise HomeStudyError(_("There is no such test attempt."))
        if attempt.is_submitted:
            raise HomeStudyAttemptClosed(
                _("This attempt was already submitted; its result is below.")
            )
        by_id = {q.pk: q for q in home_study_questions(masterclass=attempt.masterclass_id)}
        questions = [by_id[qid] for qid in attempt.questions if qid in by_id]
        if not questions:
            raise HomeStudyError(_("The test has no questions any more. Please contact us."))
        parsed = _answers_parse(questions=questions, answers=answers)
        grade = home_study_grade(
            correct_options={
                q.pk: {o.pk for o in q.options.all() if o.is_correct} for q in questions
            },
            answers=parsed,
        )
        attempt.answers = {str(qid): sorted(ids) for qid, ids in parsed.items()}
        attempt.results = _results_snapshot(questions, parsed, grade)
        attempt.score_percent = grade.score_percent
        attempt.passed = grade.passed(attempt.passing_grade_percent)
        attempt.submitted_at = now
        attempt.save()
        if attempt.passed:
            home_study_certificate_issue(user=user, masterclass=attempt.masterclass, now=now)
    return attempt


# --- The certificate -------------------------------------------------------------------


def home_study_certificate_issue(
    *, user, masterclass: Masterclass, now: datetime.datetime | None = None
) -> Certificate:
    """The member's Home Study certificate for ``masterclass``, issued once (the partial
    unique constraint backs the check) and e-mailed through the outbox."""
    from courses import tasks

    now = now or timezone.now()
    existing = home_study_certificate(user=user, masterclass=masterclass)
    if existing is not None:
        return existing
    completed_on = timezone.localdate(now)
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                masterclass=masterclass,
                user=user,
                participant_name=user.full_name or user.get_full_name() or user.email,
                licence_number=user.licence_number,
                course_title=masterclass.ce_title or masterclass.title,
                ce_hours=masterclass.ce_hours or Decimal("0"),
                course_type=HOME_STUDY_COURSE_TYPE,
                session_dates=local_date(completed_on),
                session_ended_on=completed_on,
                provider_name=settings.CE_PROVIDER_NAME,
                provider_address=settings.CE_PROVIDER_ADDRESS,
                provider_approval_number=masterclass.ce_provider_approval_number
                or settings.CE_PROVIDER_APPROVAL_NUMBER,
                issued_at=now,
            )
    except IntegrityError:
        return Certificate.objects.get(user=user, masterclass=masterclass, revoked_at__isnull=True)
    outbox_add(tasks.certificate_email_send, certificate.pk)
    return certificate
