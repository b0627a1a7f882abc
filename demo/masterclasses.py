"""Demo masterclasses: the library, two series with lessons and sample videos, a member
with an active membership and a visitor without. Safe to run again.

The sample videos (a test pattern with a tone, ~24 s of VP9/Opus WebM, a few hundred KB
together) are committed in ``demo/media/`` so the demo needs neither ffmpeg nor a
download. Each lesson gets its own copy on the private storage under a random name, as
an editor's upload would.
"""

import datetime
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files import File
from django.core.files.base import ContentFile
from django.utils import timezone

from wagtail.documents.models import Document

from allauth.account.models import EmailAddress

from cms.models import LessonPage, MasterclassIndexPage, MasterclassPage
from courses.models import AccessSource, Instructor, Masterclass, StreamStatus, Video, Workshop
from courses.services import access_grant_create
from courses.services.captions import video_caption_store
from courses.services.transcoding import ffmpeg_path, video_renditions_build
from courses.storage import private_media_storage
from demo import content
from demo.groups import EDITORS
from demo.home_study import seed_home_study
from demo.images import demo_image

MEDIA = Path(__file__).resolve().parent / "media"
SAMPLE_SECONDS = 24
MEMBERSHIP_REFERENCE = "demo-membership"

LIBRARY = {
    "title": "Masterclasses",
    "slug": "masterclasses",
    "intro": (
        "<p>Short, focused video lessons filmed in our treatment rooms: assessment, "
        "hands-on technique and the exercise that makes it last. Watch at your own pace "
        "and pick up where you left off.</p>"
    ),
}

SERIES = [
    {
        "title": "Persistent Low Back Pain: From Assessment to Home Program",
        "slug": "persistent-low-back-pain",
        "masterclass_slug": "persistent-low-back-pain",
        "price_amount": 14900,
        "instructor": ("Dr. Elena Marsh", "PT, DPT"),
        "level": "All levels",
        "palette": "teal",
        "video": "lesson-a.webm",
        "intro": (
            "Four lessons on assessing and treating clients whose back pain has lasted for "
            "months: what to ask, what to test, how to combine soft-tissue work with graded "
            "movement, and how to hand over a program they will actually do."
        ),
        "body": (
            "<p>This masterclass follows one client from the first conversation to the "
            "sixth session. Every technique is shown on the table from two angles, with "
            "the cues our instructors use in the workshop.</p>"
            "<ul><li>A ten-minute subjective assessment that finds the client's goal</li>"
            "<li>Soft-tissue and mobilisation techniques for the lumbar spine and hips</li>"
            "<li>Three graded exercises and how to progress them</li></ul>"
        ),
        "lessons": [
            (
                "Why the first conversation matters",
                "The questions that shape the whole plan, and the red flags to rule out.",
                True,
            ),
            (
                "Assessing movement without a lab",
                "Simple, repeatable tests: sit-to-stand, hip hinge, a loaded reach.",
                False,
            ),
            (
                "Soft-tissue work for the lumbar spine",
                "Positioning, pressure and pace for a sensitive back, step by step.",
                False,
            ),
            (
                "Building the home program",
                "Three exercises, how to dose them and how to check they are being done.",
                False,
            ),
        ],
    },
    {
        "title": "The Neck and Shoulder Complex",
        "slug": "neck-and-shoulder-complex",
        "masterclass_slug": "neck-and-shoulder-complex",
        "price_amount": 11900,
        "instructor": ("Marcus Reyes", "LMT"),
        "level": "Experienced therapists",
        "palette": "dusk",
        "video": "lesson-b.webm",
        "intro": (
            "Three lessons for the desk-bound neck and the overhead shoulder: safe "
            "positioning, targeted soft-tissue work and the two exercises clients need most."
        ),
        "body": (
            "<p>Neck pain is the second most common reason clients book with us. This "
            "series shows how to screen safely, where to work and how to make relief last "
            "beyond the session.</p>"
        ),
        "lessons": [
            (
                "Screening the neck safely",
                "Five questions and two tests before any neck work.",
                False,
            ),
            (
                "Upper trapezius and levator scapulae",
                "Side-lying and supine techniques that respect a sensitive neck.",
                False,
            ),
            (
                "Shoulder blade control at home",
                "Two exercises that keep the gains between sessions.",
                False,
            ),
        ],
    },
]

HANDOUT = (
    "PhysioMassage Academy — home program handout\n\n"
    "1. Hip hinge with a dowel: 2 x 10, slow and controlled.\n"
    "2. Side plank on the knees: 3 x 20 seconds each side.\n"
    "3. Walking: 20 minutes a day, at a pace that allows conversation.\n\n"
    "Pain up to 3/10 during and after exercise is acceptable if it settles by the next "
    "morning.\n"
)


def lesson_notes(title: str, summary: str) -> list[dict]:
    return [
        {"type": "heading", "value": {"text": "In this lesson", "level": "h2"}},
        {
            "type": "paragraph",
            "value": f"<p>{summary}</p><p>Watch the whole lesson once, then rewatch the "
            "technique sections with a colleague or a willing family member on the table. "
            "Pause where the instructor pauses: those are the moments to check your hand "
            "position.</p>",
        },
        {"type": "heading", "value": {"text": "Key points", "level": "h3"}},
        {
            "type": "paragraph",
            "value": "<ul><li>Explain what you are about to do before you do it.</li>"
            "<li>Ask for feedback on pressure in numbers, not adjectives.</li>"
            f"<li>Write down one thing from “{title}” you will try this week.</li></ul>",
        },
        # Headings that start with a time are the video's chapters on the lesson page.
        {"type": "heading", "value": {"text": "0:00 Setting the scene", "level": "h3"}},
        {"type": "paragraph", "value": "<p>What the client wants, and what to ask first.</p>"},
        {"type": "heading", "value": {"text": "0:11 Safety checks", "level": "h3"}},
        {"type": "paragraph", "value": "<p>The questions and tests before any hands-on work.</p>"},
        {"type": "heading", "value": {"text": "0:15 Hands-on", "level": "h3"}},
        {"type": "paragraph", "value": "<p>Positioning, pressure and feedback, step by step.</p>"},
    ]


def seed_masterclasses(home) -> MasterclassIndexPage:
    library = _library(home)
    for number, data in enumerate(SERIES, start=1):
        _series(library, data, seed=number * 3)
    _workshop_inclusion()
    _accounts()
    _editor_permissions()
    seed_home_study(
        masterclass_slug=SERIES[1]["masterclass_slug"], member_email=content.MEMBER_EMAIL
    )
    return library


def _library(home) -> MasterclassIndexPage:
    library = MasterclassIndexPage.objects.first()
    if library is None:
        library = MasterclassIndexPage(
            title=LIBRARY["title"],
            slug=LIBRARY["slug"],
            intro=LIBRARY["intro"],
            hero_image=demo_image("Masterclass library", "sage", seed=11),
            show_in_menus=True,
        )
        home.add_child(instance=library)
        library.save_revision().publish()
    return library


def _series(library, data: dict, seed: int) -> MasterclassPage:
    masterclass, _ = Masterclass.objects.get_or_create(
        slug=data["masterclass_slug"],
        defaults={
            "title": data["title"],
            "summary": data["intro"],
            "price_amount": data["price_amount"],
        },
    )
    series = MasterclassPage.objects.filter(slug=data["slug"]).first()
    if series is None:
        name, credentials = data["instructor"]
        instructor, _ = Instructor.objects.get_or_create(
            name=name, defaults={"credentials": credentials}
        )
        series = MasterclassPage(
            title=data["title"],
            slug=data["slug"],
            masterclass=masterclass,
            intro=data["intro"],
            instructor=instructor,
            level=data["level"],
            cover_image=demo_image(data["title"][:60], data["palette"], seed=seed),
            body=[{"type": "paragraph", "value": data["body"]}],
        )
        library.add_child(instance=series)
        series.save_revision().publish()
    poster = demo_image(f"{data['title'][:48]} poster", data["palette"], seed=seed + 1)
    for title, summary, is_preview in data["lessons"]:
        slug = _slugify(title)
        if LessonPage.objects.filter(slug=slug).descendant_of(series).exists():
            continue
        lesson = LessonPage(
            title=title,
            slug=slug,
            summary=summary,
            is_preview=is_preview,
            video=_video(title, data["video"], poster),
            notes=lesson_notes(title, summary),
            downloads=[{"type": "document", "value": _handout().pk}] if "program" in title else [],
        )
        series.add_child(instance=lesson)
        lesson.save_revision().publish()
    return series


def _slugify(title: str) -> str:
    from django.utils.text import slugify

    return slugify(title)[:80]


def _video(title: str, filename: str, poster) -> Video:
    video = Video.objects.filter(title=title).first()
    if video is not None:
        _media_for(video, filename)  # a demo seeded before captions and renditions existed
        return video
    video = Video(
        title=title,
        content_type="video/webm",
        size_bytes=(MEDIA / filename).stat().st_size,
        duration_seconds=SAMPLE_SECONDS,
        poster=poster,
    )
    video.file.save(filename, ContentFile((MEDIA / filename).read_bytes()), save=False)
    video.save()
    _media_for(video, filename)
    return video


def _media_for(video: Video, filename: str) -> None:
    if not video.captions.exists():
        captions = (MEDIA / filename.replace(".webm", ".en.vtt")).read_bytes()
        video_caption_store(video=video, language="en", label="English", data=captions)
    if video.stream_status in (StreamStatus.NONE, StreamStatus.UNAVAILABLE):
        _renditions(video, filename)


# Clip file name -> the demo video whose renditions were built from it in this run.
_BUILT: dict[str, int] = {}


def _renditions(video: Video, filename: str) -> None:
    """Adaptive renditions built now, in this process, so the demo streams HLS without a
    worker: ffmpeg runs once per committed clip (a few seconds), the other lessons using
    the clip get a copy of the files. Skipped with the reason without ffmpeg."""
    if ffmpeg_path() is None:
        if not getattr(_renditions, "warned", False):
            print(
                "Demo videos play as progressive WebM: ffmpeg was not found "
                f"(VIDEO_FFMPEG={settings.VIDEO_FFMPEG!r}); install Debian's ffmpeg for HLS."
            )
            _renditions.warned = True  # type: ignore[attr-defined]
        return
    source = Video.objects.filter(pk=_BUILT.get(filename), stream_status=StreamStatus.READY)
    if source.exists():
        _copy_renditions(source.get(), video)
        return
    Video.objects.filter(pk=video.pk).update(
        stream_status=StreamStatus.PENDING, stream_source=video.file.name
    )
    status = video_renditions_build(video_id=video.pk)
    if status == StreamStatus.READY:
        _BUILT[filename] = video.pk
    if status != StreamStatus.READY:
        video.refresh_from_db()
        print(f"Demo video {video.title!r}: no renditions ({video.stream_error})")


def _copy_renditions(source: Video, video: Video) -> None:
    storage = private_media_storage()
    folder = f"hls/{secrets.token_urlsafe(16)}"
    names = ["poster.jpg"]
    for rendition in source.stream_renditions:
        files = storage.listdir(f"{source.stream_folder}/{rendition['name']}")[1]
        names += [f"{rendition['name']}/{name}" for name in files]
    for name in names:
        with storage.open(f"{source.stream_folder}/{name}", "rb") as handle:
            storage.save(f"{folder}/{name}", File(handle))
    Video.objects.filter(pk=video.pk).update(
        stream_status=StreamStatus.READY,
        stream_progress=100,
        stream_source=video.file.name,
        stream_folder=folder,
        stream_renditions=source.stream_renditions,
    )


def _handout() -> Document:
    title = "Home program handout"
    document = Document.objects.filter(title=title).first()
    if document is None:
        document = Document(title=title)
        document.file.save("home-program-handout.txt", ContentFile(HANDOUT.encode()), save=False)
        document.save()
    return document


def _workshop_inclusion() -> None:
    """When the demo has workshops, the first one includes the first masterclass, so the
    paywall shows all three ways in."""
    workshop = Workshop.objects.order_by("pk").first()
    masterclass = Masterclass.objects.filter(slug=SERIES[0]["masterclass_slug"]).first()
    if workshop is not None and masterclass is not None:
        workshop.included_masterclasses.add(masterclass)


def _accounts() -> None:
    user_model = get_user_model()
    accounts = [
        (content.MEMBER_EMAIL, content.MEMBER_PASSWORD, "Maya Member"),
        (content.VISITOR_EMAIL, content.VISITOR_PASSWORD, "Victor Visitor"),
    ]
    for email, password, name in accounts:
        user, created = user_model.objects.get_or_create(email=email, defaults={"full_name": name})
        if created:
            user.set_password(password)
            user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    member = user_model.objects.get(email=content.MEMBER_EMAIL)
    now = timezone.now()
    # Idempotent on the reference: re-seeding moves the end a month ahead again.
    access_grant_create(
        user=member,
        source=AccessSource.MEMBERSHIP,
        starts_at=now - datetime.timedelta(days=3),
        ends_at=now + datetime.timedelta(days=30),
        source_reference=MEMBERSHIP_REFERENCE,
    )


def _editor_permissions() -> None:
    """Editors upload lesson videos and manage masterclass records; access grants stay
    with administrators."""
    group = Group.objects.filter(name=EDITORS).first()
    if group is None:
        return
    codenames = [
        f"{action}_{model}"
        for model in ("video", "masterclass", "homestudyquestion")
        for action in ("add", "change", "delete", "view")
    ]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="courses", codename__in=codenames)
    )
