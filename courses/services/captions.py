"""Storing a caption track: parsed first, so an invalid file changes nothing."""

from django.db import transaction

from ..captions import webvtt_parse
from ..models import Video, VideoCaption


def video_caption_store(*, video: Video, language: str, label: str, data: bytes) -> VideoCaption:
    """Add or replace the ``language`` track of ``video`` from WebVTT bytes.

    Raises ``courses.captions.CaptionInvalid`` (with line numbers) before any write.
    """
    content, cues = webvtt_parse(data, duration_seconds=video.duration_seconds)
    with transaction.atomic():
        caption, _created = VideoCaption.objects.update_or_create(
            video=video,
            language=language,
            defaults={
                "label": label,
                "content": content,
                "cues": [cue.as_dict() for cue in cues],
            },
        )
    return caption
