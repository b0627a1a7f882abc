"""The worker's other jobs survive a broker outage too: a video's adaptive-stream build, a
passed home-study test's certificate e-mail and the refund of a duplicate membership are
recorded with the change, the person is answered at once, and the work is done exactly
once when the beat job finds the broker back."""

from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

import pytest

from courses.models import Certificate, HomeStudyAttempt, OutboxEntry, StreamStatus
from courses.services.transcoding import video_renditions_request
from payments.models import Membership, MembershipStatus
from stripe_fake.delivery import event_deliver, outbox_deliver
from tests.courses.test_transcoding import needs_ffmpeg, tiny_clip  # noqa: F401 - fixture
from tests.factories import AccessGrantFactory, LessonProgressFactory, UserFactory, VideoFactory
from tests.faults.test_broker_down import _beat, broker_at
from tests.home_study import add_questions, make_ce_approved, right_answers
from tests.payments.test_membership_duplicates import (  # noqa: F401 - fixture
    _assert_newer_refunded_and_cancelled,
    two_tabs,
)

pytestmark = pytest.mark.django_db


def _pending(task: str) -> bool:
    return OutboxEntry.objects.filter(task=task, done_at__isnull=True).exists()


@needs_ffmpeg
def test_a_video_uploaded_while_the_broker_is_down_is_streamed_once_it_is_back(
    tiny_clip,  # noqa: F811
    settings,
    closed_port,
    django_capture_on_commit_callbacks,
):
    settings.VIDEO_FFMPEG = "ffmpeg"
    video = VideoFactory(
        file=ContentFile(tiny_clip, name="tiny.mp4"),
        content_type="video/mp4",
        duration_seconds=None,
    )
    with (
        broker_at(f"redis://127.0.0.1:{closed_port}/9"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        video_renditions_request(video=video)
    video.refresh_from_db()
    assert video.stream_status != StreamStatus.READY
    assert _pending("courses.tasks.video_renditions_build")

    _beat(django_capture_on_commit_callbacks)
    video.refresh_from_db()
    assert video.stream_status == StreamStatus.READY, video.stream_error
    assert not _pending("courses.tasks.video_renditions_build")


def test_a_test_passed_while_the_broker_is_down_gets_its_certificate_mailed_once(
    client, page_tree, closed_port, django_capture_on_commit_callbacks
):
    masterclass = make_ce_approved(page_tree.series.masterclass)
    add_questions(masterclass)
    member = UserFactory(full_name="Jordan Avery")
    AccessGrantFactory(user=member)
    for lesson in (page_tree.preview, page_tree.lesson):
        LessonProgressFactory(
            user=member,
            lesson_key=str(lesson.pk),
            position_seconds=24,
            duration_seconds=24,
            completed_at=timezone.now(),
        )
    client.force_login(member)
    client.post(reverse("courses:home_study_test", args=[masterclass.slug]))
    attempt = HomeStudyAttempt.objects.get()
    url = reverse("courses:home_study_attempt", args=[attempt.pk])

    with (
        broker_at(f"redis://127.0.0.1:{closed_port}/9"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(url, right_answers(masterclass), follow=True)
    assert response.status_code == 200
    assert "You passed" in response.content.decode()
    certificate = Certificate.objects.get(user=member, masterclass=masterclass)
    assert mail.outbox == []
    assert _pending("courses.tasks.certificate_email_send")

    _beat(django_capture_on_commit_callbacks)
    _beat(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert certificate.code in mail.outbox[0].body or mail.outbox[0].attachments
    assert not _pending("courses.tasks.certificate_email_send")


def test_a_duplicate_membership_is_refunded_once_the_broker_is_back(
    two_tabs,  # noqa: F811
    stripe_fake,
    user,
    closed_port,
    django_capture_on_commit_callbacks,
):
    older, newer, events = two_tabs
    with (
        broker_at(f"redis://127.0.0.1:{closed_port}/9"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert {event_deliver(event) for event in events} <= {200}
    # Stripe was told every event arrived; nothing has been refunded yet.
    assert stripe_fake.subscriptions[newer]["status"] == "active"
    assert stripe_fake.refunds == {}
    assert OutboxEntry.objects.filter(done_at__isnull=True).exists()

    for _ in range(5):
        _beat(django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            delivered = outbox_deliver()
        if not delivered and not OutboxEntry.objects.filter(done_at__isnull=True).exists():
            break
    _assert_newer_refunded_and_cancelled(stripe_fake, user, older, newer)
    assert Membership.objects.get(stripe_subscription_id=newer).status == (
        MembershipStatus.CANCELED
    )
