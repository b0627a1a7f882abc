"""Where the site shows a masterclass, for apps that may not import ``cms``.

``courses`` and ``payments`` never import page code, yet a receipt or My account wants
to link to the masterclass's page. The app that owns the pages registers one function
that answers "which URL shows this masterclass?" (``cms`` does so in its AppConfig), and
everyone else asks here. With nothing registered, or no live page, the answer is "".
"""

from collections.abc import Callable

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
