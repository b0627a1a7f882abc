"""Home-study pages as members and editors meet them: the locked test, bad submissions,
someone else's attempt, the result, the transcript and the admin's CE checks."""

from django.urls import reverse
from django.utils import timezone

from wagtail.test.utils.form_data import inline_formset, nested_form_data

import pytest

from courses.models import Certificate, HomeStudyAttempt, HomeStudyQuestion
from tests.factories import AccessGrantFactory, LessonProgressFactory, UserFactory
from tests.home_study import add_questions, make_ce_approved, right_answers, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def ce(page_tree):
    masterclass = make_ce_approved(page_tree.series.masterclass)
    add_questions(masterclass)
    member = UserFactory(full_name="Jordan Avery")
    AccessGrantFactory(user=member)
    return masterclass, member, [page_tree.preview, page_tree.lesson]


def _watch_all(member, lessons) -> None:
    for lesson in lessons:
        LessonProgressFactory(
            user=member,
            lesson_key=str(lesson.pk),
            position_seconds=24,
            duration_seconds=24,
            completed_at=timezone.now(),
        )


def test_locked_test_says_which_lessons_are_left(client, ce):
    masterclass, member, lessons = ce
    client.force_login(member)
    response = client.get(reverse("courses:home_study_test", args=[masterclass.slug]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "2 lessons left to watch" in text
    assert lessons[1].title in text
    response = client.post(reverse("courses:home_study_test", args=[masterclass.slug]), follow=True)
    assert "Watch every lesson to at least 90 %" in response.content.decode()
    assert not HomeStudyAttempt.objects.exists()


def test_masterclass_page_offers_the_test(client, ce, page_tree):
    masterclass, member, lessons = ce
    _watch_all(member, lessons)
    client.force_login(member)
    text = client.get(page_tree.series.url).content.decode()
    assert "Earn 1 CE hour" in text
    assert reverse("courses:home_study_test", args=[masterclass.slug]) in text


def test_bad_submissions_are_refused_and_change_nothing(client, ce):
    masterclass, member, lessons = ce
    _watch_all(member, lessons)
    client.force_login(member)
    response = client.post(reverse("courses:home_study_test", args=[masterclass.slug]))
    attempt = HomeStudyAttempt.objects.get()
    url = reverse("courses:home_study_attempt", args=[attempt.pk])
    assert response.url == url

    answers = right_answers(masterclass)
    partial = dict(list(answers.items())[:2])
    response = client.post(url, partial)
    assert response.status_code == 400
    assert "Answer every question before you submit (3 left)" in response.content.decode()
    assert response.content.decode().count("Answer this question.") == 3

    tampered = {**answers, next(iter(answers)): ["123456789"]}
    response = client.post(url, tampered)
    assert response.status_code == 400
    assert "not one of the options" in response.content.decode()

    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.post(url, answers).status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_fail_shows_what_was_wrong_then_double_submit_is_refused(client, ce):
    masterclass, member, lessons = ce
    _watch_all(member, lessons)
    client.force_login(member)
    client.post(reverse("courses:home_study_test", args=[masterclass.slug]))
    attempt = HomeStudyAttempt.objects.get()
    url = reverse("courses:home_study_attempt", args=[attempt.pk])
    response = client.post(url, wrong_answers(masterclass, 2), follow=True)
    text = response.content.decode()
    assert "Not passed this time" in text
    assert "2 answers were wrong" in text
    assert "cervical arterial dysfunction" in text  # the explanation of a wrong answer

    response = client.post(url, right_answers(masterclass), follow=True)
    assert "already submitted" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.passed is False
    assert not Certificate.objects.exists()


def test_pass_then_transcript_lists_the_home_study_certificate(client, ce):
    masterclass, member, lessons = ce
    _watch_all(member, lessons)
    client.force_login(member)
    client.post(reverse("courses:home_study_test", args=[masterclass.slug]))
    attempt = HomeStudyAttempt.objects.get()
    url = reverse("courses:home_study_attempt", args=[attempt.pk])
    text = client.post(url, right_answers(masterclass), follow=True).content.decode()
    assert "You passed" in text
    certificate = Certificate.objects.get()
    assert reverse("courses:certificate_download", args=[certificate.code]) in text

    transcript = client.get(reverse("accounts:ce_transcript")).content.decode()
    assert masterclass.ce_title in transcript
    assert "Home Study" in transcript
    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    assert reverse("accounts:ce_transcript") in dashboard
    assert "1 CE hour</strong> earned in" in dashboard


def test_empty_transcript_explains_how_to_earn_ce(client):
    client.force_login(UserFactory())
    text = client.get(reverse("accounts:ce_transcript")).content.decode()
    assert "No certificates yet" in text


# --- Editors ---------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def _question_form(masterclass, options, kind="single") -> dict:
    return nested_form_data(
        {
            "masterclass": masterclass.pk,
            "text": "Which stretch?",
            "kind": kind,
            "explanation": "Because.",
            "sort_order": "0",
            "options": inline_formset(options),
        }
    )


def test_question_without_a_correct_option_is_refused(admin_client, ce):
    masterclass, _member, _lessons = ce
    before = HomeStudyQuestion.objects.count()
    response = admin_client.post(
        reverse("wagtailsnippets_courses_homestudyquestion:add"),
        _question_form(
            masterclass,
            [{"text": "A", "is_correct": False}, {"text": "B", "is_correct": False}],
        ),
    )
    assert response.status_code == 200
    assert "Mark the correct option." in response.content.decode()
    assert HomeStudyQuestion.objects.count() == before


def test_single_choice_with_two_correct_options_is_refused(admin_client, ce):
    masterclass, _member, _lessons = ce
    before = HomeStudyQuestion.objects.count()
    response = admin_client.post(
        reverse("wagtailsnippets_courses_homestudyquestion:add"),
        _question_form(
            masterclass, [{"text": "A", "is_correct": True}, {"text": "B", "is_correct": True}]
        ),
    )
    assert "exactly one correct option" in response.content.decode()
    assert HomeStudyQuestion.objects.count() == before


def test_valid_question_is_saved_with_its_options(admin_client, ce):
    masterclass, _member, _lessons = ce
    response = admin_client.post(
        reverse("wagtailsnippets_courses_homestudyquestion:add"),
        _question_form(
            masterclass,
            [{"text": "A", "is_correct": True}, {"text": "B", "is_correct": True}],
            kind="multiple",
        ),
    )
    assert response.status_code == 302
    question = HomeStudyQuestion.objects.get(text="Which stretch?")
    assert question.options.filter(is_correct=True).count() == 2


def _masterclass_form(masterclass, **overrides) -> dict:
    data = {
        "title": masterclass.title,
        "slug": masterclass.slug,
        "summary": "",
        "price_amount": "149",
        "currency": "usd",
        "ce_approved": "on",
        "ce_title": masterclass.ce_title,
        "ce_hours": "1",
        "passing_grade_percent": "80",
        "ce_provider_approval_number": "NCBTMB 1",
        "max_retakes": "2",
        "retake_cooldown_hours": "0",
    }
    data.update(overrides)
    return data


def test_ce_hours_far_beyond_the_video_are_refused(admin_client, ce):
    masterclass, _member, _lessons = ce
    url = reverse("wagtailsnippets_courses_masterclass:edit", args=[masterclass.pk])
    response = admin_client.post(url, _masterclass_form(masterclass, ce_hours="20"))
    assert response.status_code == 200
    assert "far more than the" in response.content.decode()
    masterclass.refresh_from_db()
    assert masterclass.ce_hours == 1


def test_ce_hours_that_differ_from_the_video_save_with_a_warning(admin_client, ce):
    masterclass, _member, _lessons = ce
    url = reverse("wagtailsnippets_courses_masterclass:edit", args=[masterclass.pk])
    response = admin_client.post(url, _masterclass_form(masterclass, ce_hours="0.5"), follow=True)
    text = response.content.decode()
    assert "hours of video, but 0.5 CE hours are set" in text
    masterclass.refresh_from_db()
    assert str(masterclass.ce_hours) == "0.5"
    edit = admin_client.get(url).content.decode()
    assert "The published lessons add up to" in edit


def test_demo_member_passed_the_ce_masterclass_and_reseeding_adds_nothing(demo_site, client):
    from django.core.management import call_command

    from demo import content

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - second run
    certificate = Certificate.objects.get(masterclass__isnull=False)
    assert certificate.user.email == content.MEMBER_EMAIL
    assert certificate.course_type == "Home Study"
    assert HomeStudyAttempt.objects.filter(passed=True, user=certificate.user).count() == 1
    assert HomeStudyQuestion.objects.count() == 5
    client.login(email=content.MEMBER_EMAIL, password=content.MEMBER_PASSWORD)
    transcript = client.get(reverse("accounts:ce_transcript")).content.decode()
    assert certificate.course_title in transcript
