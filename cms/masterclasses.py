"""What masterclass pages show a viewer: access, progress, the paywall's ways in.

Pages call these from ``get_context``; every access decision is
``courses.selectors.user_can_watch_lesson`` (via ``masterclass_access_for_user``), so
pages, the stream endpoint and the progress API cannot disagree.
"""

import re
from dataclasses import dataclass, field
from functools import cached_property

from django.apps import apps
from django.core.paginator import Paginator
from django.utils import timezone

from wagtail.models import Page

from config.kept import Kept
from courses.locators import LessonFacts, LessonRef
from courses.models import LessonProgress, Masterclass, Video
from courses.playback import playback_token_make, playback_url
from courses.selectors import (
    ViewerAccess,
    access_grants_and_progress,
    lesson_progress_recent,
    masterclass_access_for_user,
    user_membership_grant,
    workshops_including_masterclass,
)
from courses.selectors.streaming import CaptionTrack, video_caption_tracks, video_player_media

from .content_version import content_version


def format_duration(seconds: float | int | None) -> str:
    """'1 h 05 min', '12 min', '45 s'."""
    seconds = int(seconds or 0)
    if seconds < 60:
        return f"{seconds} s" if seconds else ""
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def format_clock(seconds: float | int | None) -> str:
    """'3:07' or '1:02:03', as a video player shows time."""
    seconds = int(seconds or 0)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def lesson_key(lesson: Page) -> str:
    return str(lesson.pk)


def lesson_facts_find(key: str) -> LessonFacts | None:
    """The published lesson with this key, in a published series (registered with
    ``courses.locators``: the stream endpoint re-reads the preview flag through it)."""
    from .models import LessonPage, MasterclassPage

    if not key.isdigit():
        return None
    lesson = (
        LessonPage.objects.live().filter(pk=int(key)).values("path", "video_id", "is_preview")
    ).first()
    if lesson is None:
        return None
    masterclass_id = (
        MasterclassPage.objects.live()
        .filter(path=lesson["path"][: -Page.steplen])
        .values_list("masterclass_id", flat=True)
        .first()
    )
    if masterclass_id is None:
        return None
    return LessonFacts(
        masterclass_id=masterclass_id, video_id=lesson["video_id"], is_preview=lesson["is_preview"]
    )


# A heading in the lesson notes that starts with a time ("2:15 Positioning the client",
# "1:02:03 - Summary") is a chapter of the video: the player lists it and seeks to it.
CHAPTER_HEADING = re.compile(r"^\s*(?:(\d{1,2}):)?(\d{1,2}):(\d{2})\s*[-–—:]?\s+(\S.*)$")


@dataclass(frozen=True)
class Chapter:
    start: int
    title: str

    @property
    def clock(self) -> str:
        return format_clock(self.start)


def lesson_chapters(lesson: Page, video: Video | None = None) -> list[Chapter]:
    """Chapters from the notes' timestamped headings, in time order, within the video
    (``video``: the lesson's, when the caller has it)."""
    video = video or lesson.video
    duration = video.duration_seconds if video else None
    chapters = []
    for block in lesson.notes:
        if block.block_type != "heading":
            continue
        match = CHAPTER_HEADING.match(block.value["text"])
        if match is None:
            continue
        hours, minutes, seconds, title = match.groups()
        start = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
        if int(seconds) < 60 and (not duration or start < duration):
            chapters.append(Chapter(start=start, title=title.strip()))
    return sorted(chapters, key=lambda chapter: chapter.start)


def masterclass_lesson_refs(masterclass_id: int) -> list[LessonRef]:
    """The live lessons of the first live page of the masterclass (registered with
    ``courses.locators`` for the home-study test and the CE hours check)."""
    from .models import LessonPage, MasterclassPage

    page = (
        MasterclassPage.objects.live().filter(masterclass_id=masterclass_id).order_by("path")
    ).first()
    if page is None:
        return []
    lessons = LessonPage.objects.child_of(page).live().select_related("video").order_by("path")
    return [
        LessonRef(
            key=lesson_key(lesson),
            title=lesson.title,
            url=lesson.get_url() or "",
            duration_seconds=(lesson.video.duration_seconds or 0) if lesson.video else 0,
        )
        for lesson in lessons
    ]


@dataclass(frozen=True)
class LessonEntry:
    """A live lesson as every viewer sees it: nothing personal, kept per content version."""

    pk: int
    key: str
    title: str
    url: str
    summary: str
    is_preview: bool
    video_id: int | None
    duration_seconds: int
    duration: str
    number: int
    video: Video | None = None  # shared like the entry: read it, never change it


@dataclass(frozen=True)
class SeriesEntry:
    """A series page and its live lessons in the editor's order, as every viewer sees it.

    ``page`` is shared by every request of the process until the content changes: read
    it, never change it."""

    page: Page
    live: bool
    lessons: tuple[LessonEntry, ...]

    @property
    def parent_path(self) -> str:
        return self.page.path[: -Page.steplen]

    @property
    def total_duration(self) -> str:
        return format_duration(sum(x.duration_seconds for x in self.lessons if x.video_id))


class Catalog:
    def __init__(self, series: dict[int, SeriesEntry]) -> None:
        self.series = series  # by page id, in tree order
        self.by_path = {entry.page.path: entry for entry in series.values()}

    @cached_property
    def _restricted_paths(self) -> tuple[str, ...]:
        """Pages with a view restriction (read once, and only for a listing)."""
        from wagtail.models import PageViewRestriction

        return tuple(PageViewRestriction.objects.values_list("page__path", flat=True))

    def is_public(self, entry: SeriesEntry) -> bool:
        """Neither the page nor an ancestor has a view restriction (Wagtail's public())."""
        return not any(entry.page.path.startswith(path) for path in self._restricted_paths)


# The masterclass tree is content: the same for every viewer until an editor publishes,
# unpublishes or moves a page, or changes a masterclass, an instructor or a video (each
# moves the content version, ``cms.signals``). One per site (lesson URLs are relative to
# the site that serves them) and content version.
_catalogs = Kept(size=20)


def masterclass_catalog(request) -> Catalog:
    """Every series with its live lessons: no query while the content is unchanged;
    built afresh each request when the content version is unknown (cache down)."""
    version = content_version(request)
    if version is None:
        return _catalog_build(request)
    key = (version, request._get_raw_host(), request.get_port())
    catalog = _catalogs.get(key)
    if catalog is None:
        catalog = _catalogs.put(key, _catalog_build(request))
    return catalog


def _catalog_build(request, only_pk: int | None = None) -> Catalog:
    """Two queries, however many series and lessons: the series pages (with their
    masterclass, instructor and cover image) and the live lessons with their videos."""
    from .models import LessonPage, MasterclassPage

    pages = MasterclassPage.objects.select_related(
        "masterclass", "instructor__photo", "cover_image"
    )
    if only_pk is not None:
        pages = pages.filter(pk=only_pk)
    pages = list(pages.order_by("path"))
    if not pages:
        return Catalog(series={})
    lessons = LessonPage.objects.live().defer_streamfields().select_related("video")
    if only_pk is not None:
        lessons = lessons.child_of(pages[0])
    lessons_by_parent: dict[str, list[LessonEntry]] = {}
    for lesson in lessons.order_by("path"):
        siblings = lessons_by_parent.setdefault(lesson.path[: -Page.steplen], [])
        video = lesson.video
        siblings.append(
            LessonEntry(
                pk=lesson.pk,
                key=lesson_key(lesson),
                title=lesson.title,
                url=lesson.get_url(request) or "",
                summary=lesson.summary,
                is_preview=lesson.is_preview,
                video_id=lesson.video_id,
                duration_seconds=(video.duration_seconds or 0) if video else 0,
                duration=format_clock(video.duration_seconds) if video else "",
                number=len(siblings) + 1,
                video=video,
            )
        )
    series = {
        page.pk: SeriesEntry(
            page=page,
            live=page.live,
            lessons=tuple(lessons_by_parent.get(page.path, ())),
        )
        for page in pages
    }
    return Catalog(series=series)


# Captions and transcripts are content too (a caption's save moves the content version);
# each viewer's track URLs carry their own token and are made per request.
_captions = Kept(size=500)


def _caption_tracks(request, video) -> list[CaptionTrack]:
    version = content_version(request)
    if version is None:
        return video_caption_tracks(video=video)
    key = (version, video.pk)
    tracks = _captions.get(key)
    if tracks is None:
        tracks = _captions.put(key, video_caption_tracks(video=video))
    return tracks


def _series_entry(request, series_page: Page) -> SeriesEntry:
    """The kept entry of ``series_page``; one not in the catalog (a new page in preview)
    is read on its own."""
    entry = masterclass_catalog(request).series.get(series_page.pk)
    if entry is None:
        entry = _catalog_build(request, only_pk=series_page.pk).series[series_page.pk]
    return entry


@dataclass
class LessonRow:
    lesson: LessonEntry
    progress: LessonProgress | None
    can_watch: bool

    @property
    def number(self) -> int:
        return self.lesson.number

    @property
    def duration(self) -> str:
        return self.lesson.duration

    @property
    def percent(self) -> int:
        return self.progress.percent if self.progress else 0

    @property
    def completed(self) -> bool:
        return bool(self.progress and self.progress.completed_at)

    @property
    def started(self) -> bool:
        return bool(self.progress and self.progress.position_seconds > 0)


@dataclass
class SeriesSummary:
    """One viewer's view of a series: the kept entry, their access and progress."""

    entry: SeriesEntry
    access: ViewerAccess
    lessons: list[LessonRow] = field(default_factory=list)

    @property
    def page(self) -> Page:
        return self.entry.page

    @property
    def lesson_count(self) -> int:
        return len(self.lessons)

    @property
    def total_duration(self) -> str:
        return self.entry.total_duration

    @property
    def completed_count(self) -> int:
        return sum(1 for row in self.lessons if row.completed)

    @property
    def percent(self) -> int:
        return round(100 * self.completed_count / self.lesson_count) if self.lessons else 0

    @property
    def preview_count(self) -> int:
        return sum(1 for row in self.lessons if row.lesson.is_preview)

    @property
    def first_preview(self) -> LessonRow | None:
        return next((row for row in self.lessons if row.lesson.is_preview), None)

    @property
    def next_lesson(self) -> LessonRow | None:
        """Where "Continue" goes: the first lesson not yet completed."""
        for row in self.lessons:
            if not row.completed:
                return row
        return self.lessons[0] if self.lessons else None


def _viewer_reads(entries: list[SeriesEntry], user) -> tuple[list, dict]:
    """The viewer's grants and their progress in these series' lessons: one query."""
    return access_grants_and_progress(
        user=user, lesson_keys=[lesson.key for e in entries for lesson in e.lessons]
    )


def _summaries(entries: list[SeriesEntry], user, grants, progress) -> list[SeriesSummary]:
    """Series with the viewer's access and progress (``_viewer_reads``): no query, however
    many masterclasses a library lists."""
    if not entries:
        return []
    access = masterclass_access_for_user(
        user=user, masterclass_ids={e.page.masterclass_id for e in entries}, grants=grants
    )
    summaries = []
    for entry in entries:
        viewer = access[entry.page.masterclass_id]
        rows = [
            LessonRow(
                lesson=lesson,
                progress=progress.get(lesson.key),
                can_watch=viewer.can_watch or lesson.is_preview,
            )
            for lesson in entry.lessons
        ]
        summaries.append(SeriesSummary(entry=entry, access=viewer, lessons=rows))
    return summaries


# Series per library page: a library of a hundred masterclasses renders (and reads the
# progress of) one page of them, not all.
LIBRARY_PAGE_SIZE = 12


def library_context(index_page: Page, request, page_number=None) -> dict:
    user = request.user
    catalog = masterclass_catalog(request)
    series = [
        entry
        for entry in catalog.series.values()
        if entry.live and entry.parent_path == index_page.path and catalog.is_public(entry)
    ]
    page_obj = Paginator(series, LIBRARY_PAGE_SIZE).get_page(page_number)
    listed = list(page_obj.object_list)
    # One read of the viewer's grants answers both the cards and the membership line.
    grants, progress = _viewer_reads(listed, user)
    return {
        "series_list": _summaries(listed, user, grants, progress),
        "series_count": page_obj.paginator.count,
        "page_obj": page_obj,
        "membership": user_membership_grant(user=user, grants=grants),
    }


def _masterclass(entry: SeriesEntry, series_page: Page) -> Masterclass:
    """The kept masterclass of the series, unless a preview shows another one."""
    if series_page.masterclass_id == entry.page.masterclass_id:
        return entry.page.masterclass
    return series_page.masterclass


def series_context(series_page: Page, request) -> dict:
    entry = _series_entry(request, series_page)
    summary = _summaries([entry], request.user, *_viewer_reads([entry], request.user))[0]
    masterclass = _masterclass(entry, series_page)
    return {
        "summary": summary,
        "access": summary.access,
        "masterclass": masterclass,
        "paywall": paywall_context(request, masterclass, summary.access),
    }


def lesson_context(lesson: Page, request) -> dict:
    user = request.user
    parent_path = lesson.path[: -Page.steplen]
    entry = masterclass_catalog(request).by_path.get(parent_path)
    if entry is None:
        entry = _series_entry(request, lesson.get_parent())
    series = entry.page
    summary = _summaries([entry], user, *_viewer_reads([entry], user))[0]
    rows = summary.lessons
    index = next((i for i, row in enumerate(rows) if row.lesson.pk == lesson.pk), None)
    current = rows[index] if index is not None else None
    can_watch = summary.access.can_watch or lesson.is_preview
    masterclass = series.masterclass
    # The kept video, unless a preview shows the lesson with another one.
    kept_video = current.lesson.video if current else None
    video = kept_video if kept_video and kept_video.pk == lesson.video_id else lesson.video
    context = {
        "series": series,
        "summary": summary,
        "access": summary.access,
        "can_watch": can_watch,
        "lesson_row": current,
        "previous_lesson": rows[index - 1].lesson if index else None,
        "next_lesson": rows[index + 1].lesson
        if index is not None and index + 1 < len(rows)
        else None,
        "paywall": paywall_context(request, masterclass, summary.access),
        "resume_at": 0,
        "video": video,
    }
    if can_watch and video:
        token = playback_token_make(
            user=user,
            video_id=lesson.video_id,
            masterclass_id=series.masterclass_id,
            lesson_key=lesson_key(lesson),
        )
        context["playback_token"] = token
        context["stream_url"] = playback_url(token)
        context["player_media"] = video_player_media(
            video=video, token=token, captions=_caption_tracks(request, video)
        )
        context["chapters"] = lesson_chapters(lesson, video)
        progress = current.progress if current else None
        # Resume where the viewer left off, unless they had (nearly) finished.
        if progress and not progress.completed_at:
            context["resume_at"] = round(progress.position_seconds, 1)
            context["resume_label"] = format_clock(progress.position_seconds)
    return context


@dataclass(frozen=True)
class WorkshopOffer:
    title: str
    url: str


@dataclass
class Paywall:
    masterclass: Masterclass
    workshops: list[WorkshopOffer]


def masterclass_page_url(masterclass: Masterclass) -> str:
    """The live, public page of ``masterclass`` (registered with ``courses.locators`` so
    receipts and My account can link to it without importing cms)."""
    from .models import MasterclassPage

    page = (
        MasterclassPage.objects.live().public().filter(masterclass=masterclass).order_by("path")
    ).first()
    return (page.get_url() or "") if page else ""


# Which workshops include a masterclass is content (a workshop's save or a change of its
# included masterclasses moves the content version, ``cms.signals``).
_offers = Kept(size=500)


def paywall_context(request, masterclass: Masterclass, access: ViewerAccess) -> Paywall | None:
    if access.can_watch:
        return None
    version = content_version(request)
    if version is None:
        return Paywall(masterclass=masterclass, workshops=workshop_offers(masterclass))
    key = (version, request._get_raw_host(), request.get_port(), masterclass.pk)
    offers = _offers.get(key)
    if offers is None:
        offers = _offers.put(key, workshop_offers(masterclass))
    return Paywall(masterclass=masterclass, workshops=offers)


def workshop_offers(masterclass: Masterclass) -> list[WorkshopOffer]:
    """Workshops whose ticket includes this masterclass, linked to their live page when
    the site has one (``WorkshopPage.workshop``), else listed by name."""
    workshops = list(workshops_including_masterclass(masterclass=masterclass))
    if not workshops:
        return []
    urls: dict[int, str] = {}
    try:
        workshop_page = apps.get_model("cms", "WorkshopPage")
    except LookupError:
        workshop_page = None
    if workshop_page is not None and any(
        f.name == "workshop" for f in workshop_page._meta.get_fields()
    ):
        for page in workshop_page.objects.live().public().filter(workshop__in=workshops):
            urls.setdefault(page.workshop_id, page.url)
    return [WorkshopOffer(title=w.title, url=urls.get(w.pk, "")) for w in workshops]


@dataclass(frozen=True)
class ContinueWatching:
    lesson: Page
    series_title: str
    percent: int
    position: str
    updated_at: object


def continue_watching(*, user, limit: int = 4) -> list[ContinueWatching]:
    """Lessons the viewer started and has not finished, newest first, that they can
    still watch and that are still published."""
    from .models import LessonPage

    if not user.is_authenticated:
        return []
    recent = list(lesson_progress_recent(user=user, limit=limit * 2))
    pages = {
        str(p.pk): p
        for p in LessonPage.objects.live()
        .filter(pk__in=[int(r.lesson_key) for r in recent if r.lesson_key.isdigit()])
        .select_related("video")
    }
    access = masterclass_access_for_user(
        user=user, masterclass_ids={r.masterclass_id for r in recent if r.masterclass_id}
    )
    shown = []
    for row in recent:
        lesson = pages.get(row.lesson_key)
        if lesson is None:
            continue
        viewer = access.get(row.masterclass_id)
        if lesson.is_preview or (viewer and viewer.can_watch):
            shown.append((row, lesson))
    shown = shown[:limit]
    # Each lesson's series is its parent page: their titles in one query, not one each.
    parent_paths = {lesson.path[: -lesson.steplen] for _row, lesson in shown}
    series_titles = (
        dict(Page.objects.filter(path__in=parent_paths).values_list("path", "title"))
        if parent_paths
        else {}
    )
    return [
        ContinueWatching(
            lesson=lesson,
            series_title=series_titles.get(lesson.path[: -lesson.steplen], ""),
            percent=row.percent,
            position=format_clock(row.position_seconds),
            updated_at=timezone.localtime(row.updated_at),
        )
        for row, lesson in shown
    ]
