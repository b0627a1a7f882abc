"""The progress API: valid reports are saved, bad ones get a 400 and store nothing."""

import json

from django.test import Client
from django.urls import reverse

import pytest

from cms.models import LessonPage
from courses.errors import InvalidProgress
from courses.models import LessonProgress
from courses.playback import playback_token_make
from courses.selectors import lesson_progress_recent
from courses.services import lesson_progress_record
from tests.factories import AccessGrantFactory, MasterclassFactory, UserFactory, VideoFactory
from tests.page_tree import lesson_create

pytestmark = pytest.mark.django_db
URL = "/learn/video/progress/"


@pytest.fixture
def masterclass():
    return MasterclassFactory()


@pytest.fixture
def member():
    user = UserFactory()
    AccessGrantFactory(user=user)
    return user


@pytest.fixture
def video():
    return VideoFactory()


def token_for(user, video, masterclass, *, is_preview=False):
    lesson = lesson_create(masterclass=masterclass, video=video, is_preview=is_preview)
    return playback_token_make(
        user=user, video_id=video.pk, masterclass_id=masterclass.pk, lesson_key=str(lesson.pk)
    )


def lesson_key() -> str:
    return str(LessonPage.objects.get().pk)


def post(client, data):
    raw = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(URL, raw, content_type="application/json")


def logged_in(user) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def test_url_name():
    assert reverse("courses:lesson_progress") == URL


def test_position_is_saved_and_updated(member, video, masterclass):
    client = logged_in(member)
    token = token_for(member, video, masterclass)
    response = post(client, {"token": token, "position": 30.5, "duration": 600})
    assert response.status_code == 200
    assert response.json() == {
        "position": 30.5,
        "duration": 600.0,
        "percent": 5,
        "completed": False,
    }
    post(client, {"token": token, "position": 120, "duration": 600})
    progress = LessonProgress.objects.get()
    assert (progress.user, progress.lesson_key) == (member, lesson_key())
    assert progress.position_seconds == 120
    assert progress.masterclass == masterclass
    assert progress.video == video


def test_completed_at_ninety_percent_and_stays_completed(member, video, masterclass):
    client = logged_in(member)
    token = token_for(member, video, masterclass)
    assert not post(client, {"token": token, "position": 539, "duration": 600}).json()["completed"]
    assert post(client, {"token": token, "position": 540, "duration": 600}).json()["completed"]
    assert post(client, {"token": token, "position": 5, "duration": 600}).json()["completed"]
    assert LessonProgress.objects.get().completed_at is not None
    assert list(lesson_progress_recent(user=member)) == []


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"position": -1, "duration": 600}, "negative"),
        ({"position": "abc", "duration": 600}, "number"),
        ({"position": None, "duration": 600}, "number"),
        ({"position": True, "duration": 600}, "number"),
        ({"position": [1], "duration": 600}, "number"),
        ({"position": "NaN", "duration": 600}, "finite"),
        ({"position": "Infinity", "duration": 600}, "finite"),
        ({"position": 10, "duration": 0}, "more than zero"),
        ({"position": 700, "duration": 600}, "past the end"),
        ({"position": 10, "duration": 10**9}, "longer than any lesson"),
        ({"duration": 600}, "number"),
    ],
)
def test_bad_values_get_400_and_store_nothing(member, video, masterclass, payload, reason):
    client = logged_in(member)
    response = post(client, {"token": token_for(member, video, masterclass), **payload})
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not LessonProgress.objects.exists()


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"', ""])
def test_bad_body_gets_400(member, raw):
    response = post(logged_in(member), raw)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not LessonProgress.objects.exists()


def test_anonymous_and_foreign_tokens_are_refused(client, member, video, masterclass):
    token = token_for(member, video, masterclass)
    assert post(client, {"token": token, "position": 1, "duration": 600}).status_code == 403
    other = logged_in(UserFactory())
    assert post(other, {"token": token, "position": 1, "duration": 600}).status_code == 403
    assert (
        post(logged_in(member), {"token": "forged", "position": 1, "duration": 600}).status_code
        == 403
    )
    assert not LessonProgress.objects.exists()


def test_user_without_access_cannot_record(video, masterclass):
    user = UserFactory()
    response = post(
        logged_in(user),
        {"token": token_for(user, video, masterclass), "position": 1, "duration": 600},
    )
    assert response.status_code == 403
    assert not LessonProgress.objects.exists()


def test_preview_progress_is_saved_for_signed_in_visitors(video, masterclass):
    user = UserFactory()
    token = token_for(user, video, masterclass, is_preview=True)
    assert (
        post(logged_in(user), {"token": token, "position": 12, "duration": 600}).status_code == 200
    )
    progress = LessonProgress.objects.get()
    assert (progress.user, progress.lesson_key, progress.position_seconds) == (
        user,
        lesson_key(),
        12,
    )
    assert (progress.masterclass, progress.video) == (masterclass, video)


def test_preview_progress_needs_the_lesson_to_be_a_preview_now(video, masterclass):
    user = UserFactory()
    token = token_for(user, video, masterclass, is_preview=True)
    LessonPage.objects.update(is_preview=False)
    response = post(logged_in(user), {"token": token, "position": 12, "duration": 600})
    assert response.status_code == 403
    assert response.json() == {"error": "You do not have access to this lesson."}
    assert not LessonProgress.objects.exists()


def test_progress_needs_csrf(member, video, masterclass):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = post(
        client, {"token": token_for(member, video, masterclass), "position": 1, "duration": 600}
    )
    assert response.status_code == 403
    assert not LessonProgress.objects.exists()


def test_service_rejects_anonymous():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(InvalidProgress):
        lesson_progress_record(
            user=AnonymousUser(), lesson_key="1", position_seconds=1, duration_seconds=2
        )
