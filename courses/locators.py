"""What the page layer knows, for apps that may not import ``cms``.

``courses`` and ``payments`` never import page code, yet a receipt or My account wants
to link to the masterclass's page, and the stream endpoint must know whether a lesson is
a free preview *now*. The app that owns the pages registers one function per question
(``cms`` does so in its AppConfig), and everyone else asks here. With nothing registered,
or no live page, the answer is "" (no URL) or ``None`` (no such lesson).
"""

from collections.abc import Callable
from dataclasses import dataclass

from .models import Masterclass

MasterclassUrlFinder = Callable[[Masterclass], str]

_finders: list[MasterclassUrlFinder] = []


def masterclass_url_finder_register(finder: MasterclassUrlFinder) -> None:
    """Register ``finder(masterclass) -> url or ""``; registering twice is harmless."""
    if finder not in _finders:
        _finders.append(finder)


def masterclass_url(masterclass: Masterclass) -> str:
    """The URL (usually a site-relative path) of the page showing ``masterclass``, or ""."""
    for finder in _finders:
        url = finder(masterclass)
        if url:
            return url
    return ""


@dataclass(frozen=True)
class LessonFacts:
    """What the published lesson says about itself at this moment."""

    masterclass_id: int
    video_id: int | None
    is_preview: bool


LessonFinder = Callable[[str], LessonFacts | None]

_lesson_finders: list[LessonFinder] = []


def lesson_finder_register(finder: LessonFinder) -> None:
    """Register ``finder(lesson_key) -> LessonFacts or None``; twice is harmless."""
    if finder not in _lesson_finders:
        _lesson_finders.append(finder)


def lesson_facts(lesson_key: str) -> LessonFacts | None:
    """The published lesson named ``lesson_key``, or None when there is none."""
    for finder in _lesson_finders:
        facts = finder(lesson_key)
        if facts is not None:
            return facts
    return None


@dataclass(frozen=True)
class LessonRef:
    """A live lesson of a masterclass, in the editor's order (for the home-study test's
    unlock rule and the CE hours check)."""

    key: str
    title: str
    url: str
    duration_seconds: int


MasterclassLessonsFinder = Callable[[int], list[LessonRef]]

_lessons_finders: list[MasterclassLessonsFinder] = []


def masterclass_lessons_finder_register(finder: MasterclassLessonsFinder) -> None:
    """Register ``finder(masterclass_id) -> [LessonRef, ...]``; twice is harmless."""
    if finder not in _lessons_finders:
        _lessons_finders.append(finder)


def masterclass_lessons(masterclass_id: int) -> list[LessonRef]:
    """The live lessons of the masterclass's page, or [] when it has none."""
    for finder in _lessons_finders:
        lessons = finder(masterclass_id)
        if lessons:
            return lessons
    return []
