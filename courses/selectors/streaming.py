"""What the lesson player needs beyond the progressive file: the adaptive stream, the
poster frame, the caption tracks and the transcript, each URL signed for the viewer."""

from dataclasses import dataclass, field, replace

from django.urls import reverse

from courses.models import Video, VideoCaption

# The language whose transcript is shown first when a video has several tracks.
PREFERRED_LANGUAGE = "en"


@dataclass(frozen=True)
class TranscriptCue:
    start: float
    end: float
    text: str

    @property
    def clock(self) -> str:
        minutes, seconds = divmod(int(self.start), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@dataclass(frozen=True)
class CaptionTrack:
    language: str
    label: str
    url: str
    cues: list[TranscriptCue] = field(default_factory=list)


@dataclass(frozen=True)
class PlayerMedia:
    hls_url: str = ""
    poster_url: str = ""
    tracks: list[CaptionTrack] = field(default_factory=list)

    @property
    def transcript(self) -> CaptionTrack | None:
        return self.tracks[0] if self.tracks else None


def video_caption_tracks(*, video: Video) -> list[CaptionTrack]:
    """The video's captions and transcripts, preferred language first, without URLs: the
    same for every viewer, so pages may keep them (one query)."""
    captions = sorted(
        VideoCaption.objects.filter(video=video),
        key=lambda c: (c.language.split("-")[0] != PREFERRED_LANGUAGE, c.language),
    )
    return [
        CaptionTrack(
            language=caption.language,
            label=caption.label,
            url="",
            cues=[TranscriptCue(c["start"], c["end"], c["text"]) for c in caption.cues],
        )
        for caption in captions
    ]


def video_player_media(
    *, video: Video, token: str, captions: list[CaptionTrack] | None = None
) -> PlayerMedia:
    """Signed URLs and transcript for one viewer's playback token (one query, none when
    the ``captions`` from ``video_caption_tracks`` are given)."""
    if captions is None:
        captions = video_caption_tracks(video=video)
    tracks = [
        replace(
            track,
            url=reverse(
                "courses:caption_track", kwargs={"token": token, "language": track.language}
            ),
        )
        for track in captions
    ]
    if not video.has_stream:
        return PlayerMedia(tracks=tracks)
    return PlayerMedia(
        hls_url=reverse("courses:hls_master", kwargs={"token": token}),
        poster_url=reverse("courses:hls_poster", kwargs={"token": token}),
        tracks=tracks,
    )
