"""Members watch, leave and resume a lesson; visitors meet the paywall; a copied video
URL does not play for anyone else."""

import re

from playwright.sync_api import expect

from courses.models import LessonProgress
from demo import content
from tests.e2e.conftest import Shots

SERIES = "/masterclasses/persistent-low-back-pain/"
PREVIEW = SERIES + "why-the-first-conversation-matters/"
LESSON = SERIES + "soft-tissue-work-for-the-lumbar-spine/"


def log_in(page, live, email: str, password: str) -> None:
    page.goto(live.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url("**/account/")


def play_until(page, seconds: float) -> float:
    """Start the lesson video (muted: headless Chromium's autoplay policy) and wait until
    it has really played past ``seconds``."""
    page.eval_on_selector("video", "v => { v.muted = true; return v.play(); }")
    page.wait_for_function(
        f"() => document.querySelector('video').currentTime > {seconds}", timeout=20_000
    )
    return page.eval_on_selector("video", "v => v.currentTime")


def pause_and_leave(page, live) -> None:
    """Pause (the player saves then) and leave for a page without a player, so no save
    is still in flight when the test database is flushed."""
    with page.expect_response(lambda r: "/learn/video/progress/" in r.url):
        page.eval_on_selector("video", "v => v.pause()")
    page.goto(live.url + "/about/")


def test_member_watches_leaves_and_resumes(page, shots, live, demo_site):
    log_in(page, live, content.MEMBER_EMAIL, content.MEMBER_PASSWORD)
    page.get_by_role("link", name="Masterclasses").first.click()
    page.wait_for_url("**/masterclasses/")
    expect(page.get_by_text("Membership active")).to_be_visible()
    shots("library-member")

    page.get_by_role("link", name=re.compile("Persistent Low Back Pain")).first.click()
    page.wait_for_url("**" + SERIES)
    shots("series-member")
    page.get_by_role("link", name="Soft-tissue work for the lumbar spine").first.click()
    page.wait_for_url("**" + LESSON)
    expect(page.locator("video")).to_have_count(1)
    expect(page.get_by_text("This lesson is for members.")).not_to_be_visible()

    start = page.eval_on_selector("video", "v => v.currentTime")
    played = play_until(page, start + 3)
    assert played > start + 3
    shots("lesson-playing")

    with page.expect_response(lambda r: "/learn/video/progress/" in r.url) as saved:
        page.eval_on_selector("video", "v => v.pause()")
    assert saved.value.status == 200
    position = page.eval_on_selector("video", "v => v.currentTime")
    progress = LessonProgress.objects.get(
        user__email=content.MEMBER_EMAIL, masterclass__slug="persistent-low-back-pain"
    )
    assert abs(progress.position_seconds - position) < 1.0
    assert progress.completed_at is None

    page.get_by_role("link", name=re.compile("Persistent Low Back Pain")).first.click()
    page.wait_for_url("**" + SERIES)
    expect(page.get_by_text(re.compile(r"\d+ % watched")).first).to_be_visible()
    shots("series-with-progress")

    page.goto(live.url + "/account/")
    expect(page.get_by_role("heading", name="Continue watching")).to_be_visible()
    shots("my-account-continue-watching")
    page.get_by_role("link", name="Soft-tissue work for the lumbar spine").click()
    page.wait_for_url("**" + LESSON)
    expect(page.get_by_text("Welcome back: the lesson resumes at")).to_be_visible()
    page.wait_for_function(
        f"() => document.querySelector('video').readyState >= 1 && "
        f"Math.abs(document.querySelector('video').currentTime - {position}) < 1.5"
    )
    resumed_from = page.eval_on_selector("video", "v => v.currentTime")
    play_until(page, resumed_from + 1)
    shots("lesson-resumed")
    pause_and_leave(page, live)


def test_visitor_meets_the_paywall_and_can_watch_the_preview(page, shots, live, demo_site):
    log_in(page, live, content.VISITOR_EMAIL, content.VISITOR_PASSWORD)
    page.goto(live.url + "/masterclasses/")
    expect(page.get_by_text("Members only").first).to_be_visible()
    shots("library-visitor")
    page.goto(live.url + SERIES)
    expect(page.get_by_role("link", name="Join the membership").first).to_be_visible()
    expect(page.get_by_role("button", name="Buy for $149").first).to_be_visible()
    shots("series-paywall")

    page.goto(live.url + LESSON)
    expect(page.get_by_text("This lesson is for members.")).to_be_visible()
    expect(page.locator("video")).to_have_count(0)
    expect(page.get_by_role("link", name="Join the membership")).to_be_visible()
    shots("lesson-paywall")

    page.get_by_role("link", name="Watch the free preview").first.click()
    page.wait_for_url("**" + PREVIEW)
    play_until(page, 1.5)
    shots("preview-playing")
    pause_and_leave(page, live)


def test_copied_video_url_does_not_play_elsewhere(browser, page, live, demo_site, request):
    log_in(page, live, content.MEMBER_EMAIL, content.MEMBER_PASSWORD)
    page.goto(live.url + LESSON)
    src = live.url + page.get_attribute("video source", "src")
    own = page.request.get(src, headers={"Range": "bytes=0-3"})
    assert own.status == 206
    assert own.body() == b"\x1a\x45\xdf\xa3"

    stranger = browser.new_context()
    try:
        response = stranger.request.get(src)
        assert response.status == 403
        assert response.body() == b""
        # Pasted into another browser's address bar, the video does not play.
        other = stranger.new_page()
        other.goto(live.url + "/")
        playable = other.evaluate(
            """src => new Promise(resolve => {
                const v = document.createElement('video');
                v.muted = true;
                v.onloadeddata = () => resolve(true);
                v.onerror = () => resolve(false);
                v.src = src;
                document.body.appendChild(v);
                setTimeout(() => resolve(false), 5000);
            })""",
            src,
        )
        assert playable is False
        Shots(other, request.node.name)("stranger")
    finally:
        stranger.close()

    visitor = browser.new_context()
    try:
        visitor_page = visitor.new_page()
        log_in(visitor_page, live, content.VISITOR_EMAIL, content.VISITOR_PASSWORD)
        response = visitor_page.request.get(src, headers={"Range": "bytes=0-3"})
        assert response.status == 403
        assert response.body() == b""
    finally:
        visitor.close()


def test_phone_layout_of_the_lesson_pages(phone_page, live, demo_site, request):
    shots = Shots(phone_page, request.node.name)
    log_in(phone_page, live, content.MEMBER_EMAIL, content.MEMBER_PASSWORD)
    for path, label in [
        ("/masterclasses/", "library"),
        (SERIES, "series"),
        (LESSON, "lesson"),
    ]:
        phone_page.goto(live.url + path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{label} scrolls sideways ({width}px)"
        shots(label)
    # Let the player finish its metadata request before the live server is torn down.
    phone_page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    phone_page.goto(live.url + "/masterclasses/")
