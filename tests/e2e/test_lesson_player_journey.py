"""A member watches a lesson with captions and the transcript, streamed adaptively: the
HLS stream plays through hls.js in Chromium, captions show the right cue at the right
moment, a transcript line seeks the video, the search finds a line, and the page passes
axe (no `video-caption` violation). An editor sees the video's streaming status.
Needs ffmpeg for the renditions (`make media-tools`); skipped with that reason without."""

import re
import shutil
from pathlib import Path

from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.test import Client

import pytest
from playwright.sync_api import expect

from courses.models import StreamStatus, Video
from courses.services.captions import video_caption_store
from courses.services.transcoding import video_renditions_request
from tests.e2e.conftest import Shots, axe_run, csp_refusals
from tests.factories import AccessGrantFactory, UserFactory

DEMO_MEDIA = Path(__file__).resolve().parents[2] / "demo" / "media"

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None, reason="ffmpeg is not installed (make media-tools)"
)


@pytest.fixture
def streamed_lesson(transactional_db, page_tree, settings):
    """The members-only lesson of the page tree, with the demo clip (24 s) transcoded to
    HLS and its English captions."""
    settings.VIDEO_FFMPEG = "ffmpeg"
    video = Video(title="Soft-tissue work", content_type="video/webm", duration_seconds=24)
    video.file.save("lesson-a.webm", ContentFile((DEMO_MEDIA / "lesson-a.webm").read_bytes()))
    video_caption_store(
        video=video,
        language="en",
        label="English",
        data=(DEMO_MEDIA / "lesson-a.en.vtt").read_bytes(),
    )
    video_renditions_request(video=video)  # no surrounding transaction: built on commit
    video.refresh_from_db()
    assert video.stream_status == StreamStatus.READY, video.stream_error
    lesson = page_tree.lesson
    lesson.video = video
    lesson.notes = [{"type": "heading", "value": {"text": "0:15 Hands-on", "level": "h3"}}]
    lesson.save()
    return lesson


def sign_in(page, live, user) -> None:
    """The session cookie of a signed-in ``user`` in the browser (the sign-in form has
    its own journeys)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live.url}]
    )


def video_time(page) -> float:
    return page.eval_on_selector("video", "v => v.currentTime")


def test_member_watches_the_hls_stream_with_captions_and_transcript(
    page, phone_page, live, streamed_lesson, request
):
    shots = Shots(page, request.node.name)
    member = UserFactory()
    AccessGrantFactory(user=member)
    sign_in(page, live, member)
    refusals = csp_refusals(page)
    responses: list[tuple[str, int, str]] = []
    page.on(
        "response", lambda r: responses.append((r.url, r.status, r.headers.get("content-type")))
    )

    page.goto(live.url + streamed_lesson.url)
    video = page.locator("video")
    expect(video).to_have_attribute("data-engine", "hls.js")
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()

    # The adaptive stream plays: hls.js fetched signed segments and time advances.
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 2", timeout=20_000)
    segments = [r for r in responses if re.search(r"/learn/hls/[^/]+/\d+p/seg_\d{5}\.ts$", r[0])]
    assert segments and all(status == 200 for _url, status, _type in segments)
    assert all(kind == "video/mp2t" for _url, _status, kind in segments)
    assert video.evaluate("v => v.src.startsWith('blob:')")

    # Captions on, with the button: the cue for 0:04-0:07.5 shows at 0:05.
    captions = page.get_by_role("button", name="Captions")
    captions.click()
    expect(captions).to_have_attribute("aria-pressed", "true")
    video.evaluate("v => { v.pause(); v.currentTime = 5; }")
    page.wait_for_function(
        """() => {
          const track = document.querySelector('video').textTracks[0];
          return track.mode === 'showing' && track.activeCues && track.activeCues.length === 1
            && track.activeCues[0].text.startsWith('Start with their goal');
        }"""
    )
    shots("lesson-captions-on-1280")

    # A transcript line seeks the video to its cue and becomes the highlighted line.
    red_flags = page.get_by_role("button", name=re.compile("Check for red flags"))
    red_flags.click()
    video.evaluate("v => v.pause()")
    page.wait_for_function(
        "() => { const t = document.querySelector('video').currentTime; return t >= 11.4 && t < 15; }"
    )
    expect(red_flags).to_have_attribute("aria-current", "true")
    expect(red_flags).to_have_class(re.compile("is-current"))

    # A chapter (a timestamped heading of the notes) seeks too.
    page.get_by_role("button", name=re.compile("Hands-on")).click()
    video.evaluate("v => v.pause()")
    page.wait_for_function(
        "() => { const t = document.querySelector('video').currentTime; return t >= 15 && t < 19; }"
    )

    # Keyboard: C turns captions off again, K plays and pauses, the speed menu applies.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("c")
    expect(captions).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("k")
    page.wait_for_function("() => !document.querySelector('video').paused")
    page.keyboard.press("k")
    page.wait_for_function("() => document.querySelector('video').paused")
    page.get_by_label("Speed").select_option("1.5")
    assert video.evaluate("v => v.playbackRate") == 1.5
    page.get_by_text("Keyboard shortcuts").click()
    expect(page.get_by_text("Back or forward 10 seconds")).to_be_visible()

    # Searching narrows the transcript to the matching line, with the words marked.
    page.get_by_label("Search the transcript").fill("pressure")
    expect(page.locator("[data-transcript-cues] li:visible")).to_have_count(1)
    expect(page.locator("[data-transcript-cues] mark")).to_have_text("pressure")
    expect(page.get_by_text("1 line matches “pressure”.")).to_be_visible()
    shots("lesson-transcript-search-1280")
    page.get_by_label("Search the transcript").fill("no such words")
    expect(page.get_by_text("No line of the transcript matches your search.")).to_be_visible()
    page.get_by_label("Search the transcript").fill("")

    violations = axe_run(page)
    assert "video-caption" not in {v["id"] for v in violations}
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
    assert refusals == []

    sign_in(phone_page, live, member)
    phone_page.goto(live.url + streamed_lesson.url)
    expect(phone_page.locator("video")).to_have_attribute("data-engine", "hls.js")
    expect(phone_page.get_by_role("heading", name="Transcript")).to_be_visible()
    Shots(phone_page, request.node.name + "-phone")("lesson-transcript-390")


def test_editor_sees_streaming_status_and_captions_of_the_video(
    page, phone_page, live, streamed_lesson, request
):
    editors = Group.objects.create(name="Video editors")
    editors.permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "access_admin",
                "add_video",
                "change_video",
                "view_video",
                "add_videocaption",
                "change_videocaption",
                "view_videocaption",
            ]
        )
    )
    editor = UserFactory(is_staff=True)
    editor.groups.add(editors)
    video = streamed_lesson.video
    for browser_page, width in ((page, 1280), (phone_page, 390)):
        shots = Shots(browser_page, f"{request.node.name}-{width}")
        sign_in(browser_page, live, editor)
        browser_page.goto(f"{live.url}/admin/snippets/courses/video/")
        expect(browser_page.get_by_role("cell", name="Ready", exact=True)).to_be_visible()
        shots("admin-video-list")
        browser_page.goto(f"{live.url}/admin/snippets/courses/video/edit/{video.pk}/")
        expect(browser_page.get_by_text("Renditions:")).to_be_visible()
        expect(browser_page.get_by_role("link", name="English")).to_be_visible()
        browser_page.get_by_role("link", name="Add captions").scroll_into_view_if_needed()
        shots("admin-video-edit")
