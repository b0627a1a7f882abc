"""The protected stream: every request is authorised, ranges are exact, and no request
without a grant ever receives a byte of the video."""

import datetime

from django.test import Client, override_settings
from django.utils import timezone

import pytest

from courses.playback import playback_token_make, playback_url
from courses.storage import PrivateMediaStorage
from tests.factories import (
    VIDEO_BYTES,
    AccessGrantFactory,
    MasterclassFactory,
    UserFactory,
    VideoFactory,
)

pytestmark = pytest.mark.django_db
SIZE = len(VIDEO_BYTES)


@pytest.fixture
def masterclass():
    return MasterclassFactory()


@pytest.fixture
def video():
    return VideoFactory()


@pytest.fixture
def member(masterclass):
    user = UserFactory()
    AccessGrantFactory(user=user)
    return user


def url_for(user, video, masterclass, *, is_preview=False, now=None) -> str:
    token = playback_token_make(
        user=user,
        video_id=video.pk,
        masterclass_id=masterclass.pk,
        lesson_key="42",
        is_preview=is_preview,
        now=now,
    )
    return playback_url(token)


def member_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def assert_refused(response, status=403):
    assert response.status_code == status
    assert body(response) == b""
    assert response["Cache-Control"] == "private, no-store"
    assert "Content-Range" not in response or status == 416


def test_member_gets_the_whole_file(member, video, masterclass):
    response = member_client(member).get(url_for(member, video, masterclass))
    assert response.status_code == 200
    assert body(response) == VIDEO_BYTES
    assert response["Content-Type"] == "video/webm"
    assert response["Content-Length"] == str(SIZE)
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, SIZE - 1),
        ("bytes=-500", SIZE - 500, SIZE - 1),
        ("bytes=9000-99999", 9000, SIZE - 1),  # end past the file: clipped
        ("bytes=0-0", 0, 0),
        ("bytes=10-19, 15-29", 10, 29),  # several ranges: one covering range
        ("bytes=99999-, 5-9", 5, 9),  # unsatisfiable parts are dropped
    ],
)
def test_ranges_get_exact_bytes(member, video, masterclass, header, start, end):
    response = member_client(member).get(url_for(member, video, masterclass), HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body(response) == VIDEO_BYTES[start : end + 1]


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", "bytes=20000-30000", "bytes=-0"])
def test_unsatisfiable_range_is_416(member, video, masterclass, header):
    response = member_client(member).get(url_for(member, video, masterclass), HTTP_RANGE=header)
    assert_refused(response, 416)
    assert response["Content-Range"] == f"bytes */{SIZE}"


@pytest.mark.parametrize("header", ["bytes=abc", "items=0-10", "bytes=20-10", "bytes=", "bytes=-"])
def test_malformed_range_is_ignored(member, video, masterclass, header):
    response = member_client(member).get(url_for(member, video, masterclass), HTTP_RANGE=header)
    assert response.status_code == 200
    assert body(response) == VIDEO_BYTES


def test_head_sends_headers_only(member, video, masterclass):
    response = member_client(member).head(url_for(member, video, masterclass))
    assert response.status_code == 200
    assert response["Content-Length"] == str(SIZE)
    assert body(response) == b""


def test_anonymous_gets_nothing(client, member, video, masterclass):
    assert_refused(client.get(url_for(member, video, masterclass)))
    assert_refused(client.get(url_for(None, video, masterclass)))


def test_another_user_with_a_copied_url_gets_nothing(member, video, masterclass):
    url = url_for(member, video, masterclass)
    other = UserFactory()
    assert_refused(member_client(other).get(url))
    assert_refused(member_client(other).get(url, HTTP_RANGE="bytes=0-99"))


def test_another_member_with_a_copied_url_gets_nothing(member, video, masterclass):
    """Even someone who could watch must use their own link: links are per viewer."""
    other_member = UserFactory()
    AccessGrantFactory(user=other_member)
    assert_refused(member_client(other_member).get(url_for(member, video, masterclass)))


def test_user_without_grant_gets_nothing_even_with_own_token(video, masterclass):
    user = UserFactory()
    assert_refused(member_client(user).get(url_for(user, video, masterclass)))


def test_expired_url_gets_nothing(member, video, masterclass, settings):
    past = timezone.now() - datetime.timedelta(seconds=settings.VIDEO_PLAYBACK_MAX_AGE + 5)
    assert_refused(member_client(member).get(url_for(member, video, masterclass, now=past)))


def test_tampered_url_gets_nothing(member, video, masterclass):
    url = url_for(member, video, masterclass)
    token = url.rstrip("/").rsplit("/", 1)[-1]
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    assert_refused(member_client(member).get(url.replace(token, flipped)))
    assert_refused(member_client(member).get("/learn/video/not-a-token/"))


def test_a_grant_that_ends_stops_playback_of_an_issued_url(member, video, masterclass):
    url = url_for(member, video, masterclass)
    client = member_client(member)
    assert client.get(url, HTTP_RANGE="bytes=0-9").status_code == 206
    member.access_grants.update(ends_at=timezone.now() - datetime.timedelta(seconds=1))
    assert_refused(client.get(url, HTTP_RANGE="bytes=10-19"))


def test_preview_plays_for_anyone(client, video, masterclass):
    response = client.get(url_for(None, video, masterclass, is_preview=True))
    assert response.status_code == 200
    assert body(response) == VIDEO_BYTES


def test_post_is_not_allowed(member, video, masterclass):
    response = member_client(member).post(url_for(member, video, masterclass))
    assert response.status_code == 405


@override_settings(VIDEO_ACCEL_REDIRECT_PREFIX="/protected-video/")
def test_production_hands_the_file_to_nginx(member, video, masterclass, client):
    response = member_client(member).get(url_for(member, video, masterclass))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-video/{video.file.name}"
    assert response["Content-Type"] == "video/webm"
    assert response["Cache-Control"] == "private, no-store"
    assert body(response) == b""
    # Refusals stay refusals: no X-Accel-Redirect without access.
    refused = client.get(url_for(member, video, masterclass))
    assert_refused(refused)
    assert "X-Accel-Redirect" not in refused


def test_stored_name_is_random_and_private(video, settings):
    assert video.file.name.startswith("videos/")
    assert "lesson" not in video.file.name
    assert len(video.file.name) > len("videos/") + 20
    assert video.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not video.file.path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        video.file.url  # noqa: B018
    assert isinstance(video.file.storage, PrivateMediaStorage)
