"""Editors upload lesson videos in the admin: type and size are checked on the content."""

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from courses.models import Video
from tests.factories import VIDEO_BYTES, UserFactory

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
    mp4 = b"\x00\x00\x00\x18ftypmp42" + bytes(200)
    assert upload(admin_client, "clip.mp4", mp4, duration_seconds="10").status_code == 302
    assert Video.objects.get().content_type == "video/mp4"


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
