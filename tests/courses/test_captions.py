"""Editors' WebVTT caption files: good files become cues, bad files are refused with the
line to fix, and a refused file changes nothing."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from courses.captions import CaptionInvalid, webvtt_parse
from courses.models import VideoCaption
from courses.services.captions import video_caption_store
from tests.factories import UserFactory, VideoFactory

DEMO_CAPTIONS = Path(__file__).resolve().parents[2] / "demo" / "media" / "lesson-a.en.vtt"
ADD_URL = "/admin/snippets/courses/videocaption/add/"

GOOD = b"""WEBVTT Kind: captions

NOTE a comment the parser skips

intro
00:00:00.500 --> 00:00:03.000
Welcome to the lesson.

00:00:03.200 --> 00:00:06.000 align:start
<v Elena>Start with the <b>client's</b> goal.
Then assess.
"""


def errors_of(data: bytes, **kwargs) -> list[str]:
    with pytest.raises(CaptionInvalid) as raised:
        webvtt_parse(data, **kwargs)
    return raised.value.errors


def test_a_good_file_gives_cues_with_plain_text_and_exact_times():
    text, cues = webvtt_parse(GOOD, duration_seconds=10)
    assert text.startswith("WEBVTT")
    assert [(c.start, c.end) for c in cues] == [(0.5, 3.0), (3.2, 6.0)]
    assert cues[1].text == "Start with the client's goal. Then assess."


def test_the_demo_captions_fit_the_demo_clip():
    _text, cues = webvtt_parse(DEMO_CAPTIONS.read_bytes(), duration_seconds=24)
    assert len(cues) == 6
    assert cues[-1].end <= 24


def test_windows_line_endings_and_a_byte_order_mark_are_accepted():
    _text, cues = webvtt_parse(b"\xef\xbb\xbf" + GOOD.replace(b"\n", b"\r\n"))
    assert len(cues) == 2


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"1\n00:00:01,000 --> 00:00:02,000\nHi\n", "Line 1: a WebVTT file starts with"),
        (
            b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:0x.000 --> 00:00:03.000\nbad\n",
            "Line 6: this cue cannot be read",
        ),
        (
            b"WEBVTT\n\n00:00:04.000 --> 00:00:02.000\nbackwards\n",
            "Line 3: the cue ends (0:02.000)",
        ),
        (
            b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\none\n\njust some words\n",
            "Line 6: this is neither a cue timing",
        ),
        (
            b"WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nlate\n\n00:00:01.000 --> 00:00:02.000\nx\n",
            "Line 6: cues must be in time order",
        ),
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000 align:middle\nx\n", "Line 3"),
        (b"WEBVTT\n00:00:01.000 --> 00:00:02.000\nx\n", "leave a blank line"),
        (b"WEBVTT\n\nNOTE nothing else\n", "no cues"),
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\ncaf\xe9\n", "Line 4: the file is not UTF-8"),
    ],
)
def test_bad_files_name_the_line_to_fix(data, expected):
    assert any(expected in message for message in errors_of(data)), errors_of(data)


def test_a_cue_after_the_end_of_the_video_is_refused():
    data = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:01:30.000 --> 00:01:32.000\nx\n"
    (message,) = errors_of(data, duration_seconds=60)
    assert message.startswith("Line 6: this cue starts at 1:30.000, after the video ends")


def test_every_problem_is_listed_not_only_the_first():
    data = b"WEBVTT\n\nwords\n\n00:00:09.000 --> 00:00:01.000\nx\n\nmore words\n"
    messages = errors_of(data)
    assert [m.split(":")[0] for m in messages] == ["Line 3", "Line 5", "Line 8"]


def test_an_oversized_file_is_refused_before_parsing():
    assert "over 512 KB" in errors_of(b"WEBVTT\n\n" + b"x" * 600_000)[0]


@pytest.mark.django_db
def test_the_service_refuses_a_bad_file_and_keeps_the_old_track():
    video = VideoFactory(duration_seconds=10)
    video_caption_store(video=video, language="en", label="English", data=GOOD)
    with pytest.raises(CaptionInvalid):
        video_caption_store(video=video, language="en", label="Renamed", data=b"not webvtt")
    caption = VideoCaption.objects.get(video=video)
    assert caption.label == "English"
    assert len(caption.cues) == 2


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def post_caption(admin_client, video, data: bytes, url: str = ADD_URL, **extra):
    return admin_client.post(
        url,
        {
            "video": video.pk,
            "language": "en",
            "label": "English",
            "upload": SimpleUploadedFile("lesson.vtt", data, content_type="text/vtt"),
            **extra,
        },
    )


def test_an_editor_uploads_captions_and_sees_them_on_the_video(admin_client):
    video = VideoFactory(duration_seconds=10)
    form = admin_client.get(f"{ADD_URL}?video={video.pk}")
    assert f'name="video" value="{video.pk}"' in form.content.decode()
    response = post_caption(admin_client, video, GOOD)
    assert response.status_code == 302
    caption = VideoCaption.objects.get(video=video)
    assert caption.cues[0]["text"] == "Welcome to the lesson."
    page = admin_client.get(f"/admin/snippets/courses/video/edit/{video.pk}/").content.decode()
    assert "English" in page and "2 cues" in page


def test_a_bad_upload_shows_line_numbers_and_stores_nothing(admin_client):
    video = VideoFactory(duration_seconds=10)
    bad = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:03.000 -> 00:00:04.000\nx\n"
    response = post_caption(admin_client, video, bad)
    assert response.status_code == 200
    assert "Line 6: this is neither a cue timing" in response.content.decode()
    assert not VideoCaption.objects.exists()


def test_a_bad_replacement_keeps_the_existing_captions(admin_client):
    video = VideoFactory(duration_seconds=10)
    caption = video_caption_store(video=video, language="en", label="English", data=GOOD)
    url = f"/admin/snippets/courses/videocaption/edit/{caption.pk}/"
    response = post_caption(admin_client, video, b"WEBVTT\n\nrubbish\n", url=url, label="New")
    assert response.status_code == 200
    assert "Line 3:" in response.content.decode()
    caption.refresh_from_db()
    assert caption.label == "English" and len(caption.cues) == 2


def test_a_new_track_needs_a_file(admin_client):
    video = VideoFactory()
    response = admin_client.post(ADD_URL, {"video": video.pk, "language": "en", "label": "En"})
    assert "Choose the WebVTT (.vtt) file" in response.content.decode()
    assert not VideoCaption.objects.exists()
