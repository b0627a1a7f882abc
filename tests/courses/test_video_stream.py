"""The protected stream: every request is authorised, ranges are exact, and no request
without a grant ever receives a byte of the video."""

import datetime

from django.contrib.auth.models import Permission
from django.core import signing
from django.test import Client, override_settings
from django.utils import timezone

import pytest

from courses import playback
from courses.playback import playback_token_make, playback_url
from courses.storage import PrivateMediaStorage
from tests.factories import (
    VIDEO_BYTES,
    AccessGrantFactory,
    MasterclassFactory,
    UserFactory,
    VideoFactory,
)
from tests.page_tree import lesson_create

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


@pytest.fixture
def lesson(masterclass, video):
    return lesson_create(masterclass=masterclass, video=video)


def url_for(user, video, masterclass, *, lesson=None, now=None) -> str:
    lesson = lesson or lesson_create(masterclass=masterclass, video=video)
    token = playback_token_make(
        user=user,
        video_id=video.pk,
        masterclass_id=masterclass.pk,
        lesson_key=str(lesson.pk),
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
    preview = lesson_create(masterclass=masterclass, video=video, is_preview=True)
    response = client.get(url_for(None, video, masterclass, lesson=preview))
    assert response.status_code == 200
    assert body(response) == VIDEO_BYTES


def forged_url(user, *, video_id, masterclass_id, lesson_key) -> str:
    """A token of the old shape with `p` (preview) set, signed with the site's key: what
    someone holding the SECRET_KEY, or an old token, would present."""
    payload = {
        "u": user.pk if user else None,
        "v": video_id,
        "m": masterclass_id,
        "l": str(lesson_key),
        "p": True,
        "e": int(timezone.now().timestamp()) + 600,
    }
    return playback_url(signing.dumps(payload, salt=playback.SALT, compress=True))


def test_preview_flag_in_the_token_is_not_believed(client, lesson, video, masterclass):
    """Issue 12, "Preview flag trusted": `p=true` opened a members-only video."""
    url = forged_url(None, video_id=video.pk, masterclass_id=masterclass.pk, lesson_key=lesson.pk)
    assert_refused(client.get(url))
    visitor = UserFactory()
    url = forged_url(
        visitor, video_id=video.pk, masterclass_id=masterclass.pk, lesson_key=lesson.pk
    )
    assert_refused(member_client(visitor).get(url))


def test_a_preview_lesson_does_not_open_another_video(client, masterclass, video):
    """A free preview's key with a members-only video's id is refused."""
    preview = lesson_create(masterclass=masterclass, is_preview=True)
    url = forged_url(None, video_id=video.pk, masterclass_id=masterclass.pk, lesson_key=preview.pk)
    assert_refused(client.get(url))
    other_masterclass = MasterclassFactory()
    url = forged_url(
        None,
        video_id=preview.video_id,
        masterclass_id=other_masterclass.pk,
        lesson_key=preview.pk,
    )
    assert_refused(client.get(url))


def test_preview_status_is_read_again_on_every_request(client, masterclass, video):
    preview = lesson_create(masterclass=masterclass, video=video, is_preview=True)
    url = url_for(None, video, masterclass, lesson=preview)
    assert client.get(url, HTTP_RANGE="bytes=0-9").status_code == 206
    preview.is_preview = False
    preview.save_revision().publish()
    assert_refused(client.get(url, HTTP_RANGE="bytes=10-19"))


def test_an_unpublished_lesson_stops_playback(member, lesson, video, masterclass):
    url = url_for(member, video, masterclass, lesson=lesson)
    client = member_client(member)
    assert client.get(url, HTTP_RANGE="bytes=0-9").status_code == 206
    lesson.unpublish()
    assert_refused(client.get(url, HTTP_RANGE="bytes=10-19"))


def test_being_staff_opens_no_video(lesson, video, masterclass):
    """Access comes from a grant, a preview or the explicit permission, never is_staff."""
    staff = UserFactory(is_staff=True)
    assert_refused(member_client(staff).get(url_for(staff, video, masterclass, lesson=lesson)))


def test_the_watch_every_masterclass_permission_opens_every_video(lesson, video, masterclass):
    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="watch_every_masterclass"))
    response = member_client(editor).get(url_for(editor, video, masterclass, lesson=lesson))
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
