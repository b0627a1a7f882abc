"""Masterclass library, series and lesson pages for members, visitors and anonymous."""

import re

from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client

import pytest

from cms.models import HomePage, LessonPage, MasterclassIndexPage, MasterclassPage
from courses.models import AccessGrant, AccessSource, LessonProgress, Masterclass, Video
from courses.services import lesson_progress_record
from demo import content
from demo.masterclasses import seed_masterclasses
from tests.factories import AccessGrantFactory, UserFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

LIBRARY = "/masterclasses/"
SERIES = "/masterclasses/persistent-low-back-pain/"
PREVIEW = SERIES + "why-the-first-conversation-matters/"
MEMBERS_ONLY = SERIES + "soft-tissue-work-for-the-lumbar-spine/"
STREAM = re.compile(r'<source src="(/learn/video/[^"]+/)"')


def login(email: str) -> Client:
    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


@pytest.fixture
def member(db) -> Client:
    """The demo's member, with an open membership; made here when the tree (page_tree)
    has no accounts. Request the tree before this fixture."""
    from accounts.models import User

    if not User.objects.filter(email=content.MEMBER_EMAIL).exists():
        AccessGrantFactory(user=UserFactory(email=content.MEMBER_EMAIL))
    return login(content.MEMBER_EMAIL)


@pytest.fixture
def visitor(db) -> Client:
    """The demo's visitor, without access; made here when the tree has no accounts."""
    from accounts.models import User

    if not User.objects.filter(email=content.VISITOR_EMAIL).exists():
        UserFactory(email=content.VISITOR_EMAIL)
    return login(content.VISITOR_EMAIL)


def test_demo_has_two_masterclasses_with_lessons_and_one_preview(demo_site):
    assert MasterclassIndexPage.objects.live().count() == 1
    assert MasterclassPage.objects.live().count() == 2
    assert LessonPage.objects.live().count() == 7
    assert LessonPage.objects.filter(is_preview=True).count() == 1
    for video in Video.objects.all():
        assert video.file.storage.exists(video.file.name)
        assert video.content_type == "video/webm"
    grant = AccessGrant.objects.get(user__email=content.MEMBER_EMAIL)
    assert grant.source == AccessSource.MEMBERSHIP
    assert grant.masterclass is None
    assert not AccessGrant.objects.filter(user__email=content.VISITOR_EMAIL).exists()


def test_seeding_again_changes_nothing(demo_site):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert LessonPage.objects.count() == 7
    assert Video.objects.count() == 7
    assert Masterclass.objects.count() == 2
    assert AccessGrant.objects.count() == 1


def test_library_is_in_the_main_navigation(client, page_tree):
    assert f'href="{LIBRARY}"' in client.get("/").content.decode()


def test_library_lists_masterclasses_with_lessons_duration_and_access(client, demo_site, member):
    html = client.get(LIBRARY).content.decode()
    assert "Persistent Low Back Pain" in html
    assert "The Neck and Shoulder Complex" in html
    assert "4 lessons" in html
    assert "Dr. Elena Marsh" in html
    assert "Members only" in html
    assert "1 free preview" in html
    html = member.get(LIBRARY).content.decode()
    assert "Included in your membership" in html
    assert "Membership active" in html


def test_visitor_sees_series_page_with_previews_and_paywall(page_tree, visitor):
    html = visitor.get(SERIES).content.decode()
    assert "Watch the free preview" in html
    assert "Join the membership" in html
    assert "Buy for $149" in html
    assert "Soft-tissue work for the lumbar spine" in html


def test_visitor_meets_the_paywall_on_a_members_lesson(page_tree, visitor):
    response = visitor.get(MEMBERS_ONLY)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This lesson is for members." in html
    assert "Join the membership" in html
    assert "Buy this masterclass" in html
    assert "<video" not in html
    assert "/learn/video/" not in html
    assert "Handouts" not in html or "available to members" in html


def test_anonymous_paywall_links_to_the_membership_and_login(client, page_tree):
    """Joining starts on the membership page (which has sign-up and log-in, and leads back
    to the lesson); members log in straight from the paywall."""
    html = client.get(MEMBERS_ONLY).content.decode()
    assert f'href="/payments/membership/?next={MEMBERS_ONLY}"' in html
    assert "/accounts/login/?next=" in html
    assert "<video" not in html


def test_paywall_offers_the_workshop_that_includes_the_masterclass(page_tree, visitor):
    masterclass = Masterclass.objects.get(slug="persistent-low-back-pain")
    WorkshopFactory(title="Low Back Pain Intensive").included_masterclasses.add(masterclass)
    html = visitor.get(MEMBERS_ONLY).content.decode()
    assert "Low Back Pain Intensive" in html


def test_member_gets_the_player_with_a_working_stream(page_tree, member):
    html = member.get(MEMBERS_ONLY).content.decode()
    assert "<video" in html
    assert "This lesson is for members." not in html
    src = STREAM.search(html).group(1)
    response = member.get(src, HTTP_RANGE="bytes=0-3")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == b"\x1a\x45\xdf\xa3"
    assert 'data-progress-url="/learn/video/progress/"' in html


def test_preview_is_playable_by_anyone(client, page_tree):
    html = client.get(PREVIEW).content.decode()
    assert "<video" in html
    src = STREAM.search(html).group(1)
    response = client.get(src)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x1a\x45\xdf\xa3"
    assert "Log in</a> to save your progress" in html


def test_member_stream_url_does_not_work_for_the_visitor(page_tree, member, visitor):
    src = STREAM.search(member.get(MEMBERS_ONLY).content.decode()).group(1)
    response = visitor.get(src)
    assert response.status_code == 403
    assert response.content == b""


def test_lesson_resumes_and_progress_shows_everywhere(demo_site, member):
    from accounts.models import User

    user = User.objects.get(email=content.MEMBER_EMAIL)
    lesson = LessonPage.objects.get(slug="soft-tissue-work-for-the-lumbar-spine")
    first = LessonPage.objects.get(slug="why-the-first-conversation-matters")
    masterclass = lesson.get_parent().specific.masterclass
    lesson_progress_record(
        user=user,
        lesson_key=str(lesson.pk),
        position_seconds=12.4,
        duration_seconds=24,
        masterclass=masterclass,
    )
    lesson_progress_record(
        user=user,
        lesson_key=str(first.pk),
        position_seconds=23,
        duration_seconds=24,
        masterclass=masterclass,
    )
    html = member.get(MEMBERS_ONLY).content.decode()
    assert 'data-resume="12.4"' in html
    assert "resumes at 0:12" in html
    series = member.get(SERIES).content.decode()
    assert "1 of 4 completed" in series
    assert "51 % watched" in series
    assert "Continue: Assessing movement without a lab" in series
    assert "1 of 4 lessons completed" in member.get(LIBRARY).content.decode()
    dashboard = member.get("/account/").content.decode()
    assert "Continue watching" in dashboard
    assert "Soft-tissue work for the lumbar spine" in dashboard
    assert "Stopped at 0:12" in dashboard


def test_continue_watching_hides_lessons_after_access_ends(page_tree, member):
    from accounts.models import User

    user = User.objects.get(email=content.MEMBER_EMAIL)
    lesson = LessonPage.objects.get(slug="soft-tissue-work-for-the-lumbar-spine")
    LessonProgress.objects.create(
        user=user,
        lesson_key=str(lesson.pk),
        position_seconds=5,
        duration_seconds=24,
        masterclass=lesson.get_parent().specific.masterclass,
    )
    assert "Continue watching" in member.get("/account/").content.decode()
    AccessGrant.objects.filter(user=user).update(revoked_at="2026-01-01T00:00:00Z")
    assert "Continue watching" not in member.get("/account/").content.decode()


def test_staff_without_the_permission_meet_the_paywall(page_tree):
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    assert "<video" not in client.get(MEMBERS_ONLY).content.decode()


def test_editors_preview_every_lesson(page_tree):
    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="watch_every_masterclass"))
    client = Client()
    client.force_login(editor)
    assert "<video" in client.get(MEMBERS_ONLY).content.decode()
    assert "You can watch every lesson." in client.get("/masterclasses/").content.decode()


def test_demo_credentials_lists_member_and_visitor(demo_site, capsys):
    call_command("demo_credentials")
    out = capsys.readouterr().out
    assert content.MEMBER_EMAIL in out
    assert content.VISITOR_EMAIL in out


def test_seed_masterclasses_on_its_own_is_idempotent(demo_site):
    home = HomePage.objects.get()
    seed_masterclasses(home)
    seed_masterclasses(home)
    assert MasterclassPage.objects.count() == 2
