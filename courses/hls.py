"""HLS playlists as a viewer receives them: every URL in them signed for that viewer.

The stored playlists name their segments by file name only; what we serve replaces each
with a URL carrying a fresh playback token (``courses.playback``), so a playlist copied
to another browser, or fetched after its token lapses, leads nowhere.
"""

from django.urls import reverse

from .models import Video
from .playback import PlaybackClaims, playback_token_make
from .services.transcoding import SEGMENT_NAME

CONTENT_TYPE = "application/vnd.apple.mpegurl"


def child_token(claims: PlaybackClaims, user) -> str:
    """A fresh token with the same claims (viewer, video, lesson) and a new expiry."""
    return playback_token_make(
        user=user,
        video_id=claims.video_id,
        masterclass_id=claims.masterclass_id,
        lesson_key=claims.lesson_key,
    )


def master_playlist(video: Video, token: str) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rendition in video.stream_renditions:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={rendition['bandwidth']},"
            f"AVERAGE-BANDWIDTH={rendition['average_bandwidth']},"
            f"RESOLUTION={rendition['width']}x{rendition['height']},"
            f'CODECS="{rendition["codecs"]}"'
        )
        lines.append(
            reverse("courses:hls_variant", kwargs={"token": token, "rendition": rendition["name"]})
        )
    return "\n".join(lines) + "\n"


def variant_playlist(stored: str, *, token: str, rendition: str) -> str:
    """The stored media playlist with each segment name replaced by its signed URL; any
    other URI (there should be none) is dropped rather than passed on."""
    lines = []
    for line in stored.splitlines():
        if not line.strip() or line.startswith("#"):
            lines.append(line)
        elif SEGMENT_NAME.match(line.strip()):
            lines.append(
                reverse(
                    "courses:hls_segment",
                    kwargs={"token": token, "rendition": rendition, "segment": line.strip()},
                )
            )
        elif lines and lines[-1].startswith("#EXTINF"):
            lines.pop()
    return "\n".join(lines) + "\n"
