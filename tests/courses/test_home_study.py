"""Home-study CE: the editors' checks, the unlock rule, grading, retakes and the
Home Study certificate."""

import datetime
from decimal import Decimal

from django.core import mail
from django.utils import timezone

import pytest

from courses.errors import HomeStudyAnswersInvalid, HomeStudyAttemptClosed, HomeStudyError
from courses.models import Certificate, HomeStudyAttempt, QuestionKind
from courses.selectors.home_study import (
    Blocked,
    ce_hours_by_period,
    ce_period_for,
    home_study_attempt_questions,
    home_study_eligibility,
)
from courses.services.home_study import (
    ce_hours_check,
    home_study_attempt_start,
    home_study_attempt_submit,
    home_study_grade,
    question_options_check,
)
from tests.factories import AccessGrantFactory, LessonProgressFactory, UserFactory
from tests.home_study import add_questions, make_ce_approved, right_answers, wrong_answers

pytestmark = pytest.mark.django_db


# --- Editors' checks -------------------------------------------------------------------


def test_question_needs_two_options_and_a_correct_one():
    assert question_options_check(kind=QuestionKind.SINGLE, options=[("Yes", True)]) == [
        "Give the question at least two options."
    ]
    assert question_options_check(
        kind=QuestionKind.SINGLE, options=[("A", False), ("B", False)]
    ) == ["Mark the correct option."]
    assert (
        question_options_check(kind=QuestionKind.SINGLE, options=[("A", True), ("B", False)]) == []
    )


def test_single_choice_takes_exactly_one_correct_option_multiple_takes_several():
    two_right = [("A", True), ("B", True), ("C", False)]
    assert (
        "exactly one correct option"
        in question_options_check(kind=QuestionKind.SINGLE, options=two_right)[0]
    )
    assert question_options_check(kind=QuestionKind.MULTIPLE, options=two_right) == []


def test_blank_options_do_not_count():
    assert question_options_check(kind=QuestionKind.SINGLE, options=[("A", True), ("  ", False)])


def test_ce_hours_match_the_video_length():
    assert ce_hours_check(ce_hours=Decimal("2"), video_seconds=7200).warning == ""
    assert ce_hours_check(ce_hours=Decimal("2"), video_seconds=7200).error == ""


def test_ce_hours_that_differ_from_the_video_warn_but_do_not_block():
    check = ce_hours_check(ce_hours=Decimal("2"), video_seconds=5400)
    assert check.error == ""
    assert "1.5 hours of video" in check.warning


def test_ce_hours_far_beyond_the_video_or_not_positive_are_errors():
    assert "far more" in ce_hours_check(ce_hours=Decimal("10"), video_seconds=3600).error
    assert ce_hours_check(ce_hours=Decimal("-1"), video_seconds=3600).error
    assert ce_hours_check(ce_hours=Decimal("0"), video_seconds=3600).error


# --- Grading ---------------------------------------------------------------------------


def test_grading_is_all_or_nothing_per_question_and_rounds_down():
    correct = {1: {10}, 2: {20, 21}, 3: {30}}
    grade = home_study_grade(correct_options=correct, answers={1: {10}, 2: {20}, 3: {30}})
    assert grade.correct == {1: True, 2: False, 3: True}
    assert grade.score_percent == 66  # 66.7 rounded down
    assert not grade.passed(67)
    assert grade.passed(66)
    perfect = home_study_grade(correct_options=correct, answers={1: {10}, 2: {20, 21}, 3: {30}})
    assert perfect.score_percent == 100


# --- Unlock rule -------------------------------------------------------------------------


@pytest.fixture
def ce(page_tree):
    masterclass = make_ce_approved(page_tree.series.masterclass)
    add_questions(masterclass)
    member = UserFactory(full_name="Jordan Avery", licence_number="MT-55012")
    AccessGrantFactory(user=member)
    return masterclass, member, [page_tree.preview, page_tree.lesson]


def _watch(member, lessons, percent: int = 100) -> None:
    for lesson in lessons:
        LessonProgressFactory(
            user=member,
            lesson_key=str(lesson.pk),
            position_seconds=24 * percent / 100,
            duration_seconds=24,
            completed_at=timezone.now() if percent >= 90 else None,
        )


def test_test_is_locked_until_every_lesson_is_90_percent_watched(ce):
    masterclass, member, lessons = ce
    _watch(member, lessons[:1])
    eligibility = home_study_eligibility(user=member, masterclass=masterclass)
    assert eligibility.blocked == Blocked.LESSONS_LEFT
    assert [row.lesson.title for row in eligibility.lessons.left] == [lessons[1].title]
    with pytest.raises(HomeStudyError, match="90 %"):
        home_study_attempt_start(user=member, masterclass=masterclass)
    assert not HomeStudyAttempt.objects.exists()


def test_89_percent_is_not_enough_and_90_is(ce):
    masterclass, member, lessons = ce
    _watch(member, lessons[:1])
    LessonProgressFactory(
        user=member, lesson_key=str(lessons[1].pk), position_seconds=21.4, duration_seconds=24
    )
    assert home_study_eligibility(user=member, masterclass=masterclass).blocked == (
        Blocked.LESSONS_LEFT
    )
    progress = member.lesson_progress.get(lesson_key=str(lessons[1].pk))
    progress.position_seconds = 21.6
    progress.save()
    assert home_study_eligibility(user=member, masterclass=masterclass).can_start


def test_no_access_no_test(ce):
    masterclass, _member, lessons = ce
    stranger = UserFactory()
    _watch(stranger, lessons)
    assert home_study_eligibility(user=stranger, masterclass=masterclass).blocked == (
        Blocked.NO_ACCESS
    )


# --- Attempts --------------------------------------------------------------------------


def test_questions_and_options_are_shuffled_stably_per_attempt(ce):
    masterclass, member, lessons = ce
    _watch(member, lessons)
    attempt = home_study_attempt_start(user=member, masterclass=masterclass)
    first = [
        (a.question.pk, [o.pk for o in a.options])
        for a in home_study_attempt_questions(attempt=attempt)
    ]
    again = [
        (a.question.pk, [o.pk for o in a.options])
        for a in home_study_attempt_questions(attempt=attempt)
    ]
    assert first == again
    assert len(first) == 5
    assert home_study_attempt_start(user=member, masterclass=masterclass) == attempt


def test_failing_shows_what_was_wrong_and_issues_nothing(ce):
    masterclass, member, lessons = ce
    _watch(member, lessons)
    attempt = home_study_attempt_start(user=member, masterclass=masterclass)
    attempt = home_study_attempt_submit(
        attempt_id=attempt.pk, user=member, answers=wrong_answers(masterclass, wrong=3)
    )
    assert attempt.passed is False
    assert attempt.score_percent == 40
    assert sum(1 for r in attempt.results if not r["correct"]) == 3
    assert all(r["explanation"] for r in attempt.results)
    assert not Certificate.objects.exists()


def test_passing_issues_one_home_study_certificate_and_emails_it(
    ce, settings, django_capture_on_commit_callbacks
):
    settings.CE_PROVIDER_APPROVAL_NUMBER = "NCBTMB 000000-00"
    masterclass, member, lessons = ce
    _watch(member, lessons)
    attempt = home_study_attempt_start(user=member, masterclass=masterclass)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = home_study_attempt_submit(
            attempt_id=attempt.pk, user=member, answers=right_answers(masterclass)
        )
    assert attempt.passed is True
    certificate = Certificate.objects.get()
    assert certificate.course_type == "Home Study"
    assert certificate.course_title == masterclass.ce_title
    assert certificate.ce_hours == masterclass.ce_hours
    assert certificate.provider_approval_number == masterclass.ce_provider_approval_number
    assert certificate.participant_name == "Jordan Avery"
    assert certificate.session_ended_on == timezone.localdate()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.email]
    assert mail.outbox[0].attachments[0][2] == "application/pdf"
    # Passed: no further attempt, and issuing again gives the same certificate.
    assert home_study_eligibility(user=member, masterclass=masterclass).blocked == Blocked.PASSED
    with pytest.raises(HomeStudyError):
        home_study_attempt_start(user=member, masterclass=masterclass)
    from courses.services.home_study import home_study_certificate_issue

    assert home_study_certificate_issue(user=member, masterclass=masterclass) == certificate
    assert Certificate.objects.count() == 1


def test_bad_answers_change_nothing(ce):
    masterclass, member, lessons = ce
    _watch(member, lessons)
    attempt = home_study_attempt_start(user=member, masterclass=masterclass)
    answers = right_answers(masterclass)
    missing = dict(list(answers.items())[:3])
    with pytest.raises(HomeStudyAnswersInvalid) as error:
        home_study_attempt_submit(attempt_id=attempt.pk, user=member, answers=missing)
    assert len(error.value.missing) == 2
    tampered = dict(answers)
    first = next(iter(tampered))
    tampered[first] = ["999999"]
    with pytest.raises(HomeStudyAnswersInvalid, match="not one of the options"):
        home_study_attempt_submit(attempt_id=attempt.pk, user=member, answers=tampered)
    tampered[first] = ["abc"]
    with pytest.raises(HomeStudyAnswersInvalid):
        home_study_attempt_submit(attempt_id=attempt.pk, user=member, answers=tampered)
    with pytest.raises(HomeStudyError, match="no such test attempt"):
        home_study_attempt_submit(attempt_id=attempt.pk, user=UserFactory(), answers=answers)
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.answers == {}


def test_double_submit_is_refused(ce):
    masterclass, member, lessons = ce
    _watch(member, lessons)
    attempt = home_study_attempt_start(user=member, masterclass=masterclass)
    home_study_attempt_submit(
        attempt_id=attempt.pk, user=member, answers=wrong_answers(masterclass, 3)
    )
    with pytest.raises(HomeStudyAttemptClosed):
        home_study_attempt_submit(
            attempt_id=attempt.pk, user=member, answers=right_answers(masterclass)
        )
    attempt.refresh_from_db()
    assert attempt.passed is False
    assert not Certificate.objects.exists()


def test_retake_waits_for_the_cool_down_and_stops_at_the_limit(ce):
    masterclass, member, lessons = ce
    masterclass.max_retakes = 1
    masterclass.retake_cooldown_hours = 24
    masterclass.save()
    _watch(member, lessons)
    start = timezone.now()
    attempt = home_study_attempt_start(user=member, masterclass=masterclass, now=start)
    home_study_attempt_submit(
        attempt_id=attempt.pk, user=member, answers=wrong_answers(masterclass, 3), now=start
    )
    later = start + datetime.timedelta(hours=23)
    eligibility = home_study_eligibility(user=member, masterclass=masterclass, now=later)
    assert eligibility.blocked == Blocked.COOLING_DOWN
    assert eligibility.next_attempt_at == start + datetime.timedelta(hours=24)
    assert eligibility.attempts_left == 1
    with pytest.raises(HomeStudyError, match="not open yet"):
        home_study_attempt_start(user=member, masterclass=masterclass, now=later)

    next_day = start + datetime.timedelta(hours=24, minutes=1)
    retake = home_study_attempt_start(user=member, masterclass=masterclass, now=next_day)
    home_study_attempt_submit(
        attempt_id=retake.pk, user=member, answers=wrong_answers(masterclass, 2), now=next_day
    )
    much_later = next_day + datetime.timedelta(days=20)
    eligibility = home_study_eligibility(user=member, masterclass=masterclass, now=much_later)
    assert eligibility.blocked == Blocked.LIMIT_REACHED
    assert eligibility.attempts_used == 2


# --- CE hours per licence period -------------------------------------------------------


def test_periods_are_calendar_years_without_a_renewal_date():
    assert ce_period_for(day=datetime.date(2026, 6, 1), renewal_date=None) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 12, 31),
    )


def test_periods_are_two_year_cycles_ending_before_the_renewal_date():
    renewal = datetime.date(2027, 3, 31)
    assert ce_period_for(day=datetime.date(2026, 6, 1), renewal_date=renewal) == (
        datetime.date(2025, 3, 31),
        datetime.date(2027, 3, 30),
    )
    assert ce_period_for(day=datetime.date(2027, 3, 31), renewal_date=renewal) == (
        datetime.date(2027, 3, 31),
        datetime.date(2029, 3, 30),
    )


def test_hours_are_summed_per_period():
    def cert(day, hours):
        return Certificate(session_ended_on=day, ce_hours=Decimal(hours))

    periods = ce_hours_by_period(
        certificates=[
            cert(datetime.date(2026, 2, 1), "7.5"),
            cert(datetime.date(2026, 11, 1), "2"),
            cert(datetime.date(2025, 5, 1), "14"),
        ]
    )
    assert [(p.starts_on.year, p.hours_display) for p in periods] == [(2026, "9.5"), (2025, "14")]
