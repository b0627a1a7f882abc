"""Adaptive streams and captions never leak: each URL kind (master playlist, variant
playlist, segment, poster, caption track) plays for the member it was made for, and
anonymous visitors, non-members, other members holding a copied URL and expired
signatures get an empty refusal."""

import datetime
import re

from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.utils import timezone

import pytest

from courses.models import StreamStatus
from courses.playback import playback_token_make
from courses.services.captions import video_caption_store
from courses.storage import private_media_storage
from tests.factories import AccessGrantFactory, MasterclassFactory, UserFactory, VideoFactory
from tests.page_tree import lesson_create

pytestmark = pytest.mark.django_db

SEGMENT = b"\x47" + bytes(187) * 3  # three MPEG-TS packets' worth of bytes
VARIANT = (
    "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
    "#EXTINF:4.000000,\nseg_00000.ts\n#EXTINF:2.000000,\nseg_00001.ts\n"
    "#EXTINF:1.0,\nhttps://elsewhere.example/evil.ts\n#EXT-X-ENDLIST\n"
)
CAPTIONS = b"WEBVTT\n\n00:00:00.500 --> 00:00:03.000\nWelcome to the lesson.\n"


@pytest.fixture
def streamed():
    """A lesson whose video has two renditions on the private storage, and captions."""
    video = VideoFactory(duration_seconds=6)
    storage = private_media_storage()
    folder = f"hls/test-{video.pk}-{timezone.now().timestamp():.0f}"
    for rendition in ("90p", "180p"):
        storage.save(f"{folder}/{rendition}/index.m3u8", ContentFile(VARIANT.encode()))
        for number in range(2):
            storage.save(f"{folder}/{rendition}/seg_{number:05d}.ts", ContentFile(SEGMENT))
    storage.save(f"{folder}/poster.jpg", ContentFile(b"\xff\xd8\xff poster"))
    video.stream_status = StreamStatus.READY
    video.stream_folder = folder
    video.stream_renditions = [
        {
            "name": name,
            "width": width,
            "height": height,
            "bandwidth": 400_000,
            "average_bandwidth": 300_000,
            "codecs": "avc1.4d401f,mp4a.40.2",
        }
        for name, width, height in (("90p", 160, 90), ("180p", 320, 180))
    ]
    video.save()
    video_caption_store(video=video, language="en", label="English", data=CAPTIONS)
    masterclass = MasterclassFactory()
    lesson = lesson_create(masterclass=masterclass, video=video)
    member = UserFactory()
    AccessGrantFactory(user=member)
    return lesson, masterclass, member


def token_for(user, lesson, masterclass, now=None) -> str:
    return playback_token_make(
        user=user,
        video_id=lesson.video_id,
        masterclass_id=masterclass.pk,
        lesson_key=str(lesson.pk),
        now=now,
    )


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def urls(token: str) -> dict[str, str]:
    return {
        "master": f"/learn/hls/{token}/master.m3u8",
        "variant": f"/learn/hls/{token}/180p/index.m3u8",
        "segment": f"/learn/hls/{token}/180p/seg_00001.ts",
        "poster": f"/learn/hls/{token}/poster.jpg",
        "caption": f"/learn/captions/{token}/en.vtt",
    }


KINDS = ["master", "variant", "segment", "poster", "caption"]


def test_the_master_playlist_lists_both_renditions_with_fresh_signed_urls(streamed):
    lesson, masterclass, member = streamed
    # Issued a minute before the request, so a re-signed child token cannot equal it by
    # being made within the same second.
    token = token_for(
        member, lesson, masterclass, now=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client_for(member).get(urls(token)["master"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert response["Cache-Control"] == "private, no-store"
    text = body(response).decode()
    assert text.startswith("#EXTM3U\n")
    assert "RESOLUTION=160x90" in text and "RESOLUTION=320x180" in text
    variant_urls = re.findall(r"^/learn/hls/([^/]+)/(\d+p)/index\.m3u8$", text, re.M)
    assert [name for _token, name in variant_urls] == ["90p", "180p"]
    assert all(child != token for child, _name in variant_urls)  # re-signed, not echoed


def test_the_variant_playlist_signs_each_segment_and_drops_foreign_uris(streamed):
    lesson, masterclass, member = streamed
    client = client_for(member)
    text = body(client.get(urls(token_for(member, lesson, masterclass))["variant"])).decode()
    segments = re.findall(r"^(/learn/hls/[^/]+/180p/seg_\d{5}\.ts)$", text, re.M)
    assert len(segments) == 2
    assert "elsewhere.example" not in text
    assert text.count("#EXTINF") == 2 and text.rstrip().endswith("#EXT-X-ENDLIST")
    assert body(client.get(segments[1])) == SEGMENT


@pytest.mark.parametrize("kind", KINDS)
def test_the_member_gets_every_kind_of_url(streamed, kind):
    lesson, masterclass, member = streamed
    response = client_for(member).get(urls(token_for(member, lesson, masterclass))[kind])
    assert response.status_code == 200
    assert body(response)
    assert response["Cache-Control"] == "private, no-store"


def assert_refused(response, status=403):
    assert response.status_code == status
    assert body(response) == b""
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("kind", KINDS)
def test_anonymous_visitors_get_nothing_even_with_a_members_url(streamed, kind):
    lesson, masterclass, member = streamed
    assert_refused(client_for(None).get(urls(token_for(member, lesson, masterclass))[kind]))
    assert_refused(client_for(None).get(urls(token_for(None, lesson, masterclass))[kind]))


@pytest.mark.parametrize("kind", KINDS)
def test_a_signed_in_non_member_gets_nothing(streamed, kind):
    lesson, masterclass, _member = streamed
    outsider = UserFactory()
    assert_refused(client_for(outsider).get(urls(token_for(outsider, lesson, masterclass))[kind]))


@pytest.mark.parametrize("kind", KINDS)
def test_another_member_with_a_copied_url_gets_nothing(streamed, kind):
    lesson, masterclass, member = streamed
    other_member = UserFactory()
    AccessGrantFactory(user=other_member)
    copied = urls(token_for(member, lesson, masterclass))[kind]
    assert_refused(client_for(other_member).get(copied))


@pytest.mark.parametrize("kind", KINDS)
def test_an_expired_signature_gets_nothing(streamed, kind, settings):
    lesson, masterclass, member = streamed
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.VIDEO_PLAYBACK_MAX_AGE + 5)
    assert_refused(
        client_for(member).get(urls(token_for(member, lesson, masterclass, long_ago))[kind])
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_tampered_token_gets_nothing(streamed, kind):
    lesson, masterclass, member = streamed
    token = token_for(member, lesson, masterclass)
    assert_refused(client_for(member).get(urls(token[:-2] + "xx")[kind]))


@pytest.mark.parametrize("kind", KINDS)
def test_a_member_whose_grant_ended_gets_nothing_from_a_url_made_before(streamed, kind):
    lesson, masterclass, member = streamed
    url = urls(token_for(member, lesson, masterclass))[kind]
    member.access_grants.update(ends_at=timezone.now() - datetime.timedelta(seconds=1))
    assert_refused(client_for(member).get(url))


def test_unknown_renditions_and_file_names_are_not_found(streamed):
    lesson, masterclass, member = streamed
    client = client_for(member)
    token = token_for(member, lesson, masterclass)
    for path in (
        f"/learn/hls/{token}/1080p/index.m3u8",
        f"/learn/hls/{token}/180p/index.m3u8.bak",
        f"/learn/hls/{token}/180p/seg_0001.ts",
        f"/learn/hls/{token}/180p/..%2Fposter.jpg",
        f"/learn/captions/{token}/fr.vtt",
    ):
        assert client.get(path).status_code == 404, path


def test_without_renditions_the_stream_urls_are_not_found(streamed):
    lesson, masterclass, member = streamed
    lesson.video.stream_status = StreamStatus.PROCESSING
    lesson.video.save()
    client = client_for(member)
    token = token_for(member, lesson, masterclass)
    assert client.get(urls(token)["master"]).status_code == 404
    assert client.get(urls(token)["segment"]).status_code == 404
    assert client.get(urls(token)["caption"]).status_code == 200  # captions do not wait


@override_settings(VIDEO_ACCEL_REDIRECT_PREFIX="/protected-video/")
def test_in_production_nginx_sends_the_segment_bytes(streamed):
    lesson, masterclass, member = streamed
    response = client_for(member).get(urls(token_for(member, lesson, masterclass))["segment"])
    assert response.status_code == 200
    assert body(response) == b""
    folder = lesson.video.stream_folder
    assert response["X-Accel-Redirect"] == f"/protected-video/{folder}/180p/seg_00001.ts"
    assert response["Content-Type"] == "video/mp2t"


def test_the_lesson_page_gives_the_member_tracks_and_transcript_but_no_public_urls(
    streamed, page_tree
):
    _lesson, _masterclass, member = streamed
    lesson = page_tree.lesson
    lesson.video = _lesson.video
    lesson.notes = [
        {"type": "heading", "value": {"text": "0:02 Technique", "level": "h3"}},
        {"type": "heading", "value": {"text": "0:00 - Welcome", "level": "h2"}},
        {"type": "heading", "value": {"text": "0:30 After the end of the video", "level": "h3"}},
        {"type": "heading", "value": {"text": "Key points", "level": "h3"}},
    ]
    lesson.save()
    html = client_for(member).get(lesson.url).content.decode()
    chapters = re.findall(r'data-seek-to="(\d+)"><span[^>]*>([\d:]+)</span> ([^<]+)<', html)
    assert chapters == [("0", "0:00", "Welcome"), ("2", "0:02", "Technique")]
    assert re.search(
        r'<track kind="captions" src="/learn/captions/[^"]+/en\.vtt" srclang="en"', html
    )
    assert 'data-hls-url="/learn/hls/' in html
    assert "Welcome to the lesson." in html and 'data-cue-start="0.500"' in html
    assert "/private-media/" not in html and "hls/test-" not in html
    outsider_html = client_for(UserFactory()).get(lesson.url).content.decode()
    assert "<track" not in outsider_html and "Welcome to the lesson." not in outsider_html
