"""Captions of a lesson video: one WebVTT text per language.

The text and its parsed cues are stored in the database, not on a storage backend:
caption files are small, the transcript is built from the cues without reading a file,
and the track is served only through the access-checked caption endpoint
(``courses.stream_views.caption_track``), so there is no URL to leak.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODE = RegexValidator(
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
    _("Use a language code such as en, es or pt-BR."),
)


class VideoCaption(models.Model):
    video = models.ForeignKey("courses.Video", on_delete=models.CASCADE, related_name="captions")
    language = models.CharField(
        _("language code"),
        max_length=16,
        validators=[LANGUAGE_CODE],
        help_text=_("A language code such as en, es or pt-BR."),
    )
    label = models.CharField(
        max_length=60, help_text=_("What viewers see in the captions menu, e.g. English.")
    )
    content = models.TextField(editable=False)
    cues = models.JSONField(default=list, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["video", "language"]
        verbose_name = _("caption track")
        constraints = [
            models.UniqueConstraint(
                fields=["video", "language"], name="video_caption_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.video} — {self.label}"

    @property
    def cue_count(self) -> int:
        return len(self.cues)
