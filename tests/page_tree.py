"""The smallest page tree that page tests need, built by factories in a fraction of the
time `seed_demo` takes (no images, accounts, orders or waiting lists).

    root -> home -> workshops -> physiomassage-training (two dated sessions with tickets)
                 -> masterclasses -> persistent-low-back-pain -> a free preview lesson
                                                              -> a members-only lesson

Slugs, titles, dates and prices are the demo's first workshop and masterclass, so a test
reads the same whichever tree it runs on. Tests about the demo content itself keep the
`demo_site` fixture.
"""

import datetime
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site as DjangoSite

from wagtail.models import Collection, Locale, Page, Site

from cms.models import (
    HomePage,
    LessonPage,
    MasterclassIndexPage,
    MasterclassPage,
    WorkshopIndexPage,
    WorkshopPage,
)
from courses.models import Session
from tests.factories import (
    InstructorFactory,
    MasterclassFactory,
    SessionFactory,
    TicketTypeFactory,
    VenueFactory,
    VideoFactory,
    WorkshopFactory,
)

LA = zoneinfo.ZoneInfo("America/Los_Angeles")


@dataclass
class PageTree:
    home: HomePage
    workshops: WorkshopIndexPage
    workshop: WorkshopPage
    sessions: list[Session]
    masterclasses: MasterclassIndexPage
    series: MasterclassPage
    preview: LessonPage
    lesson: LessonPage


def _at(day: str, time: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=LA)


def _publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _root() -> Page:
    """Wagtail's root page (with its locale and root collection); a flushed database
    (transactional tests) first gets them back."""
    if not Locale.objects.exists():
        Locale.objects.create(language_code=settings.LANGUAGE_CODE[:2])
    if not Collection.objects.filter(depth=1).exists():
        Collection.add_root(name="Root")
    return Page.get_first_root_node() or Page.add_root(
        instance=Page(
            title="Root", slug="root", content_type=ContentType.objects.get_for_model(Page)
        )
    )


def _home() -> HomePage:
    """A published HomePage as the default site's root, in place of Wagtail's welcome
    page. A flushed database (transactional tests) first gets Wagtail's roots back."""
    root = _root()
    Page.objects.filter(depth=2).delete()  # the welcome page, and its Site with it
    home = _publish(
        root,
        HomePage(
            title="Home",
            slug="home",
            hero_title="Hands-on training that changes how you treat pain",
            hero_cta_text="See upcoming workshops",
        ),
    )
    Site.objects.create(
        hostname="localhost",
        port=80,
        root_page=home,
        is_default_site=True,
        site_name="PhysioMassage Academy",
    )
    DjangoSite.objects.update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": "physiomassage.example", "name": "PhysioMassage Academy"},
    )
    return home


def _workshop(index: WorkshopIndexPage) -> tuple[WorkshopPage, list[Session]]:
    marsh = InstructorFactory(name="Dr. Elena Marsh", credentials="PT, DPT, OCS")
    workshop = WorkshopFactory(
        title="PhysioMassage Training: Low Back and Neck Pain",
        ce_title="PhysioMassage: Manual Therapy and Graded Exercise for Persistent Spinal Pain",
        ce_hours=Decimal("14.0"),
    )
    san_diego = VenueFactory(
        name="Harbor Therapy Collective",
        address="1550 India Street",
        city="San Diego",
        postal_code="92101",
    )
    sessions = []
    for (first, last, early_end), venue, capacity in [
        (("2027-02-21", "2027-02-22", "2027-01-10"), VenueFactory(), 24),
        (("2027-04-17", "2027-04-18", "2027-03-07"), san_diego, 20),
    ]:
        session = SessionFactory(
            workshop=workshop,
            venue=venue,
            capacity=capacity,
            starts_at=_at(first, "09:00"),
            ends_at=_at(last, "17:00"),
        )
        session.instructors.add(marsh)
        TicketTypeFactory(
            session=session,
            name="Early bird",
            price_amount=34900,
            sales_end=_at(early_end, "23:59"),
        )
        TicketTypeFactory(session=session, name="Standard", price_amount=44900, sort_order=1)
        sessions.append(session)
    page = WorkshopPage(
        title=workshop.title,
        slug="physiomassage-training",
        workshop=workshop,
        summary="Two hands-on days combining soft-tissue and joint techniques with graded "
        "exercise for clients with persistent low back and neck pain.",
    )
    index.add_child(instance=page)
    page.instructors.set([marsh])
    page.save_revision().publish()
    return page, sessions


def _masterclass(home: HomePage) -> tuple[MasterclassIndexPage, MasterclassPage, list]:
    library = _publish(
        home, MasterclassIndexPage(title="Masterclasses", slug="masterclasses", show_in_menus=True)
    )
    series = _publish(
        library,
        MasterclassPage(
            title="Persistent Low Back Pain: From Assessment to Home Program",
            slug="persistent-low-back-pain",
            masterclass=MasterclassFactory(
                title="Persistent Low Back Pain: From Assessment to Home Program",
                slug="persistent-low-back-pain",
                price_amount=14900,
            ),
            intro="Assessing and treating clients whose back pain has lasted for months.",
            instructor=InstructorFactory(name="Dr. Elena Marsh", credentials="PT, DPT"),
            level="All levels",
        ),
    )
    lessons = [
        _publish(
            series,
            LessonPage(
                title=title,
                slug=slug,
                summary=summary,
                is_preview=is_preview,
                video=VideoFactory(title=title, duration_seconds=24),
            ),
        )
        for title, slug, summary, is_preview in [
            (
                "Why the first conversation matters",
                "why-the-first-conversation-matters",
                "The questions that shape the whole plan, and the red flags to rule out.",
                True,
            ),
            (
                "Soft-tissue work for the lumbar spine",
                "soft-tissue-work-for-the-lumbar-spine",
                "Positioning, pressure and pace for a sensitive back, step by step.",
                False,
            ),
        ]
    ]
    return library, series, lessons


def page_tree_create() -> PageTree:
    home = _home()
    workshops = _publish(
        home,
        WorkshopIndexPage(title="Workshops", slug="workshops", show_in_menus=True),
    )
    home.hero_cta_page = workshops
    home.save_revision().publish()
    workshop, sessions = _workshop(workshops)
    masterclasses, series, (preview, lesson) = _masterclass(home)
    return PageTree(home, workshops, workshop, sessions, masterclasses, series, preview, lesson)


def lesson_create(*, masterclass=None, video=None, is_preview: bool = False) -> LessonPage:
    """A published lesson in a published series straight under the root: the least a
    playback test needs, since the stream re-reads the lesson on every request."""
    masterclass = masterclass or MasterclassFactory()
    series = MasterclassPage.objects.filter(masterclass=masterclass).first()
    if series is None:
        series = MasterclassPage(
            title=masterclass.title, slug=masterclass.slug, masterclass=masterclass, intro="."
        )
        _root().add_child(instance=series)
    lesson = LessonPage(title="Lesson", slug=f"lesson-{series.numchild + 1}", is_preview=is_preview)
    lesson.video = video or VideoFactory()
    series.add_child(instance=lesson)
    return lesson


def lesson_playback_token(user, lesson: LessonPage) -> str:
    """The token the lesson page would give ``user`` for ``lesson``'s video."""
    from courses.playback import playback_token_make

    return playback_token_make(
        user=user,
        video_id=lesson.video_id,
        masterclass_id=lesson.get_parent().specific.masterclass_id,
        lesson_key=str(lesson.pk),
    )
