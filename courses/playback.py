"""Short-lived playback tokens: a signed promise that *this* viewer may fetch *this*
video for *this* lesson until a moment soon.

The token is only half of the check: the stream endpoint still asks
``user_can_watch_lesson`` on every request, so a grant that ends or is revoked stops
playback at once, whatever the token says. A token copied to another browser fails the
viewer check (anonymous tokens are only ever made for free previews). The token does not
say whether the lesson is a free preview: that is read from the published lesson on
every request, so a token (or a leaked signing key) cannot open a members-only video.
"""

import datetime
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext

from .errors import PlaybackDenied

SALT = "courses.video-playback"


@dataclass(frozen=True)
class PlaybackClaims:
    user_id: int | None
    video_id: int
    masterclass_id: int
    lesson_key: str
    expires_at: int


def playback_token_make(
    *,
    user,
    video_id: int,
    masterclass_id: int,
    lesson_key: str,
    now: datetime.datetime | None = None,
) -> str:
    issued = now.timestamp() if now else time.time()
    payload = {
        "u": user.pk if user is not None and user.is_authenticated else None,
        "v": video_id,
        "m": masterclass_id,
        "l": str(lesson_key),
        "e": int(issued + settings.VIDEO_PLAYBACK_MAX_AGE),
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def playback_token_read(*, token: str, user) -> PlaybackClaims:
    """The claims of a valid token for ``user``; ``PlaybackDenied`` for anything else."""
    try:
        payload = signing.loads(token, salt=SALT)
        claims = PlaybackClaims(
            user_id=payload["u"],
            video_id=int(payload["v"]),
            masterclass_id=int(payload["m"]),
            lesson_key=str(payload["l"]),
            expires_at=int(payload["e"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise PlaybackDenied(gettext("This playback link is not valid.")) from exc
    if claims.expires_at <= time.time():
        raise PlaybackDenied(gettext("This playback link has expired. Reload the lesson."))
    viewer_id = user.pk if user is not None and user.is_authenticated else None
    if claims.user_id != viewer_id:
        raise PlaybackDenied(gettext("This playback link was made for someone else."))
    return claims


def playback_url(token: str) -> str:
    return reverse("courses:video_stream", kwargs={"token": token})
