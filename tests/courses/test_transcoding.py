"""Adaptive streaming: an upload becomes two HLS renditions with a poster and a duration;
a file ffmpeg cannot read fails with a message for the editor; without ffmpeg the video
stays progressive and the editor is told why. Needs Debian's ffmpeg (`make media-tools`);
the tests that run it are skipped with that reason when it is missing."""

import re
import shutil
import subprocess
from io import StringIO

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

import pytest

from courses.models import OutboxEntry, StreamStatus, Video
from courses.services.transcoding import (
    rendition_heights,
    video_renditions_build,
    video_renditions_request,
)
from courses.storage import private_media_storage
from tests.factories import UserFactory, VideoFactory

pytestmark = pytest.mark.django_db
FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(
    FFMPEG is None, reason="ffmpeg is not installed (make media-tools installs it)"
)


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory) -> bytes:
    """Three seconds of a 320x180 test pattern with a tone, as H.264/AAC MP4."""
    if FFMPEG is None:
        pytest.skip("ffmpeg is not installed (make media-tools installs it)")
    target = tmp_path_factory.mktemp("clips") / "tiny.mp4"
    subprocess.run(  # noqa: S603
        [
            FFMPEG,
            *("-nostdin", "-v", "error", "-y"),
            *("-f", "lavfi", "-i", "testsrc=size=320x180:rate=25:duration=3"),
            *("-f", "lavfi", "-i", "sine=frequency=440:duration=3"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-shortest", "-movflags", "+faststart", str(target)),
        ],
        check=True,
    )
    return target.read_bytes()


@pytest.fixture
def with_ffmpeg(settings):
    settings.VIDEO_FFMPEG = "ffmpeg"


@pytest.fixture
def request_build(django_capture_on_commit_callbacks):
    """``video_renditions_request`` as after a committed upload: the outbox hands the
    build to the (eager) worker on commit."""

    def request(video):
        with django_capture_on_commit_callbacks(execute=True):
            video_renditions_request(video=video)
        video.refresh_from_db()

    return request


def test_renditions_are_360p_and_720p_capped_at_the_source():
    assert rendition_heights(1080) == [360, 720]
    assert rendition_heights(720) == [360, 720]
    assert rendition_heights(480) == [360, 480]
    # A source no taller than 360p: half and full height, so there is still a choice.
    assert rendition_heights(360) == [180, 360]
    assert rendition_heights(180) == [90, 180]


def stored(name: str) -> bytes:
    with private_media_storage().open(name, "rb") as handle:
        return handle.read()


@needs_ffmpeg
def test_a_tiny_clip_becomes_two_renditions_a_poster_and_a_duration(
    tiny_clip, with_ffmpeg, request_build
):
    video = VideoFactory(
        file=ContentFile(tiny_clip, name="tiny.mp4"),
        content_type="video/mp4",
        duration_seconds=None,
    )
    request_build(video)
    assert video.stream_status == StreamStatus.READY, video.stream_error
    assert video.stream_progress == 100
    assert video.duration_seconds == 3
    assert [(r["name"], r["width"], r["height"]) for r in video.stream_renditions] == [
        ("90p", 160, 90),
        ("180p", 320, 180),
    ]
    assert all(r["codecs"] == "avc1.4d401f,mp4a.40.2" for r in video.stream_renditions)
    assert all(r["bandwidth"] >= r["average_bandwidth"] > 0 for r in video.stream_renditions)
    for rendition in ("90p", "180p"):
        playlist = stored(f"{video.stream_folder}/{rendition}/index.m3u8").decode()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist and "#EXT-X-ENDLIST" in playlist
        segments = re.findall(r"^seg_\d{5}\.ts$", playlist, re.M)
        durations = [float(x) for x in re.findall(r"#EXTINF:([0-9.]+)", playlist)]
        assert segments and len(segments) == len(durations)
        assert abs(sum(durations) - 3) < 0.2
        assert stored(f"{video.stream_folder}/{rendition}/{segments[0]}")[:1] == b"\x47"
    assert stored(f"{video.stream_folder}/poster.jpg")[:3] == b"\xff\xd8\xff"
    assert OutboxEntry.objects.get(task="courses.tasks.video_renditions_build").done_at


@needs_ffmpeg
def test_a_rebuild_replaces_the_old_files(tiny_clip, with_ffmpeg, request_build):
    video = VideoFactory(file=ContentFile(tiny_clip, name="tiny.mp4"), content_type="video/mp4")
    request_build(video)
    old_folder = video.stream_folder
    request_build(video)
    assert video.stream_status == StreamStatus.READY
    assert video.stream_folder != old_folder
    assert not private_media_storage().exists(f"{old_folder}/poster.jpg")


@needs_ffmpeg
def test_a_corrupt_video_fails_with_a_message_and_stores_no_files(with_ffmpeg, request_build):
    junk = b"\x1a\x45\xdf\xa3" + b"\x00garbage, not a video" * 200
    video = VideoFactory(file=ContentFile(junk, name="broken.webm"))
    before = stream_files()
    request_build(video)
    assert video.stream_status == StreamStatus.FAILED
    assert video.stream_error.startswith("This file could not be read as a video")
    assert video.stream_renditions == [] and video.stream_folder == ""
    assert stream_files() == before


def stream_files() -> set[str]:
    """Every file under the private storage's hls/ folder."""
    storage = private_media_storage()
    found: set[str] = set()
    pending = ["hls"] if storage.exists("hls") else []
    while pending:
        folder = pending.pop()
        directories, files = storage.listdir(folder)
        found.update(f"{folder}/{name}" for name in files)
        pending.extend(f"{folder}/{name}" for name in directories)
    return found


def test_without_ffmpeg_the_video_stays_progressive_and_says_why(settings, request_build):
    settings.VIDEO_FFMPEG = ""
    video = VideoFactory()
    request_build(video)
    assert video.stream_status == StreamStatus.UNAVAILABLE
    assert "ffmpeg is not installed" in video.stream_error
    assert not video.has_stream


def test_a_build_for_a_replaced_file_does_nothing(settings):
    video = VideoFactory()
    Video.objects.filter(pk=video.pk).update(
        stream_status=StreamStatus.PENDING, stream_source="videos/an-older-upload.webm"
    )
    assert video_renditions_build(video_id=video.pk) == StreamStatus.PENDING


@needs_ffmpeg
def test_the_editor_uploads_and_sees_the_status_in_the_list_and_the_edit_view(
    client, tiny_clip, with_ffmpeg, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/snippets/courses/video/add/",
            {"title": "Hip hinge", "file": SimpleUploadedFile("hip.mp4", tiny_clip)},
        )
    assert response.status_code == 302
    video = Video.objects.get()
    assert video.stream_status == StreamStatus.READY, video.stream_error
    listing = client.get("/admin/snippets/courses/video/").content.decode()
    assert "Ready" in listing
    edit = client.get(f"/admin/snippets/courses/video/edit/{video.pk}/").content.decode()
    assert "Renditions:" in edit and "90p (160×90" in edit
    assert "This video has no captions yet." in edit


def test_a_failure_is_shown_to_the_editor(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    video = VideoFactory(
        stream_status=StreamStatus.FAILED,
        stream_error="This file could not be read as a video: it may be damaged.",
    )
    listing = client.get("/admin/snippets/courses/video/").content.decode()
    assert "Failed" in listing
    edit = client.get(f"/admin/snippets/courses/video/edit/{video.pk}/").content.decode()
    assert "Processing failed:" in edit and "it may be damaged" in edit


def test_progress_is_shown_while_processing(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    VideoFactory(stream_status=StreamStatus.PROCESSING, stream_progress=45)
    assert "Processing (45 %)" in client.get("/admin/snippets/courses/video/").content.decode()


def test_the_backfill_command_queues_videos_without_renditions(
    settings, django_capture_on_commit_callbacks
):
    settings.VIDEO_FFMPEG = ""
    VideoFactory(stream_status=StreamStatus.READY, stream_renditions=[{"name": "360p"}])
    older = VideoFactory()
    out, err = StringIO(), StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("video_renditions", stdout=out, stderr=err)
    assert "Queued renditions for 1 video(s)." in out.getvalue()
    assert "ffmpeg is not installed here" in err.getvalue()
    older.refresh_from_db()
    assert older.stream_status == StreamStatus.UNAVAILABLE
