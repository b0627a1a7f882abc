"""Editors upload lesson videos in the admin: type and size are checked on the content."""

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from courses.models import Video
from tests.factories import MP4_BYTES, VIDEO_BYTES, UserFactory, mp4_box

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/snippets/courses/video/add/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def upload(admin_client, name: str, data: bytes, **extra):
    return admin_client.post(
        ADD_URL,
        {
            "title": "Hip hinge",
            "file": SimpleUploadedFile(name, data),
            "duration_seconds": "",
            **extra,
        },
    )


def test_editor_uploads_a_webm(admin_client, settings):
    response = upload(admin_client, "hip-hinge.webm", VIDEO_BYTES, duration_seconds="95")
    assert response.status_code == 302, response.content.decode()[:2000]
    video = Video.objects.get()
    assert video.content_type == "video/webm"
    assert video.size_bytes == len(VIDEO_BYTES)
    assert video.duration_seconds == 95
    assert "hip-hinge" not in video.file.name
    assert video.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))


def test_mp4_is_recognised_by_content(admin_client):
    assert upload(admin_client, "clip.mp4", MP4_BYTES, duration_seconds="10").status_code == 302
    assert Video.objects.get().content_type == "video/mp4"


@pytest.mark.parametrize("name", ["lesson-a.webm", "lesson-b.webm"])
def test_real_encoder_output_passes_the_structure_check(admin_client, name, settings):
    data = (settings.BASE_DIR / "demo" / "media" / name).read_bytes()
    assert upload(admin_client, name, data, duration_seconds="24").status_code == 302


FTYP = mp4_box(b"ftyp", b"mp42" + bytes(4) + b"mp42isom")
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        # Issue 12, "Upload check shallow": HTML behind an MP4 `ftyp` header was accepted.
        ("clip.mp4", FTYP + HTML, "do not fit together"),
        ("clip.mp4", FTYP + mp4_box(b"<!--", HTML), "what follows its header is not MP4 data"),
        ("clip.mp4", FTYP + b"\x00\x00\x10\x00moov" + bytes(40), "do not fit together"),
        ("clip.mp4", FTYP + mp4_box(b"mdat", bytes(64)), "no movie box"),
        ("clip.mp4", FTYP + mp4_box(b"moov", mp4_box(b"mvhd")) + mp4_box(b"mdat"), "no track"),
        ("clip.webm", b"\x1a\x45\xdf\xa3" + HTML, "does not fit"),
        ("clip.webm", VIDEO_BYTES.replace(b"webm", b"html"), "does not name the WebM format"),
    ],
)
def test_junk_behind_a_video_header_is_refused(admin_client, name, data, reason):
    response = upload(admin_client, name, data, duration_seconds="10")
    assert response.status_code == 200
    html = response.content.decode()
    assert "but it is not one that can be played" in html
    assert reason in html
    assert not Video.objects.exists()


FAKE_FFPROBE = """#!/bin/sh
cat > /dev/null
{body}
"""


@pytest.fixture
def fake_ffprobe(tmp_path, monkeypatch, settings):
    """An `ffprobe` on PATH that answers what the test tells it to."""
    settings.VIDEO_FFPROBE = "ffprobe"
    monkeypatch.setenv("PATH", str(tmp_path))

    def install(body: str) -> None:
        script = tmp_path / "ffprobe"
        script.write_text(FAKE_FFPROBE.format(body=body))
        script.chmod(0o755)

    return install


def test_ffprobe_decides_when_installed_and_gives_the_duration(admin_client, fake_ffprobe):
    fake_ffprobe(
        """echo '{"streams": [{"codec_type": "video"}], """
        """"format": {"format_name": "matroska,webm", "duration": "94.6"}}'"""
    )
    assert upload(admin_client, "hip-hinge.webm", VIDEO_BYTES).status_code == 302
    assert Video.objects.get().duration_seconds == 95


@pytest.mark.parametrize(
    "body",
    [
        "echo 'pipe:0: Invalid data found when processing input' >&2; exit 1",
        """echo '{"streams": [{"codec_type": "audio"}], "format": {"format_name": "webm"}}'""",
    ],
)
def test_ffprobe_refusal_is_shown_to_the_editor(admin_client, fake_ffprobe, body):
    fake_ffprobe(body)
    response = upload(admin_client, "hip-hinge.webm", VIDEO_BYTES, duration_seconds="10")
    assert "no video stream could be read from it" in response.content.decode()
    assert not Video.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.pdf", b"%PDF-1.7 ...", "not an MP4 or WebM video"),
        ("fake.webm", b"this is not a video", "not an MP4 or WebM video"),
        ("clip.mp4", VIDEO_BYTES, "Rename it to end in .webm"),
    ],
)
def test_wrong_files_are_refused_with_a_clear_message(admin_client, name, data, message):
    response = upload(admin_client, name, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Video.objects.exists()


def test_too_large_file_is_refused(admin_client, settings):
    settings.VIDEO_MAX_UPLOAD_BYTES = 1000
    response = upload(admin_client, "long.webm", VIDEO_BYTES)
    assert "videos can be at most" in response.content.decode()
    assert not Video.objects.exists()


def test_video_list_and_chooser_work_for_editors(admin_client):
    upload(admin_client, "hip-hinge.webm", VIDEO_BYTES, duration_seconds="95")
    assert admin_client.get("/admin/snippets/courses/video/").status_code == 200
    assert admin_client.get("/admin/snippets/choose/courses/video/").status_code == 200


def test_editor_chooses_a_video_on_the_lesson_page(admin_client, page_tree):
    from cms.models import LessonPage

    lesson = LessonPage.objects.filter(video__isnull=False).first()
    response = admin_client.get(f"/admin/pages/{lesson.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Free preview" in html
    assert lesson.video.title in html
