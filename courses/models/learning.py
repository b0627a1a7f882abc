"""Members-only learning: masterclasses, their lesson videos, who may watch
(access grants) and how far each viewer got."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.search import index

from ..formatting import money_amount
from ..money_fields import MoneyAmountField
from ..storage import private_media_storage, video_upload_to

# The product records members' access is about. Pages (cms) present them; payments sell
# them by writing AccessGrants through ``courses.services``.

VIDEO_EXTENSIONS = ["mp4", "webm"]
VIDEO_CONTENT_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}


def ce_hours_text(hours: Decimal | None) -> str:
    """ "14 CE hours", "7.5 CE hours", "1 CE hour": boards want "CE", never "CEU"."""
    if hours is None:
        return ""
    number = hours.normalize() if hours % 1 else int(hours)
    return f"{number} CE hour{'' if number == 1 else 's'}"


class Masterclass(index.Indexed, models.Model):
    """An online series of lessons that can be bought on its own or come with a grant."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    summary = models.TextField(blank=True, help_text=_("One or two sentences for listings."))
    price_amount = MoneyAmountField(
        _("one-time price"),
        null=True,
        blank=True,
        help_text=_("In dollars: 149 is $149.00. Leave empty when it is for members only."),
    )
    currency = models.CharField(max_length=3, default="usd")
    # Home-study CE (NCBTMB): a recorded course earns CE only after a graded test.
    ce_approved = models.BooleanField(
        _("CE-approved home study"),
        default=False,
        help_text=_("Members who pass its test get a Home Study CE certificate."),
    )
    ce_title = models.CharField(
        _("approved CE title"),
        max_length=255,
        blank=True,
        help_text=_("Exactly as approved by the CE board; printed on certificates."),
    )
    ce_hours = models.DecimalField(
        _("CE hours"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5"))],
        help_text=_("One hour of video is 1 CE."),
    )
    ce_provider_approval_number = models.CharField(
        _("approved-provider number"),
        max_length=60,
        blank=True,
        help_text=_("Only if this course has its own; otherwise the provider's number is used."),
    )
    passing_grade_percent = models.PositiveSmallIntegerField(
        _("passing grade (%)"),
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    max_retakes = models.PositiveSmallIntegerField(
        _("retakes allowed"),
        null=True,
        blank=True,
        default=2,
        help_text=_("After a failed first attempt. Leave empty for no limit."),
    )
    retake_cooldown_hours = models.PositiveSmallIntegerField(
        _("hours between attempts"),
        default=24,
        validators=[MaxValueValidator(24 * 30)],
        help_text=_("How long a member waits after a failed attempt. 0: no wait."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ce_hours__isnull=True) | Q(ce_hours__gt=0),
                name="masterclass_ce_hours_positive",
            ),
            models.CheckConstraint(
                condition=Q(passing_grade_percent__gte=1) & Q(passing_grade_percent__lte=100),
                name="masterclass_passing_grade_range",
            ),
        ]
        permissions = [
            ("watch_every_masterclass", "Can watch every lesson without a membership or purchase")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ce_hours_display(self) -> str:
        return ce_hours_text(self.ce_hours)

    @property
    def is_purchasable(self) -> bool:
        return bool(self.price_amount)

    @property
    def price_display(self) -> str:
        return money_amount(self.price_amount, self.currency) if self.price_amount else ""


class StreamStatus(models.TextChoices):
    NONE = "", _("Not requested")
    PENDING = "pending", _("Waiting to be processed")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    UNAVAILABLE = "unavailable", _("Original file only")


class Video(index.Indexed, models.Model):
    """A lesson video on private storage: no URL, a random stored name."""

    title = models.CharField(max_length=200)
    file = models.FileField(
        storage=private_media_storage,
        upload_to=video_upload_to,
        max_length=255,
        validators=[FileExtensionValidator(VIDEO_EXTENSIONS)],
        help_text=_("MP4 (H.264/AAC) or WebM (VP9/Opus)."),
    )
    content_type = models.CharField(max_length=40, editable=False)
    size_bytes = models.PositiveBigIntegerField(default=0, editable=False)
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"),
        null=True,
        blank=True,
        help_text=_("Filled in from the file when the server can read it; otherwise enter it."),
    )
    poster = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown before the video starts."),
    )
    # Adaptive streaming (HLS), built by a worker after each upload
    # (courses/services/transcoding.py); until it is ready the original file plays.
    stream_status = models.CharField(
        _("streaming"),
        max_length=12,
        choices=StreamStatus.choices,
        default=StreamStatus.NONE,
        editable=False,
    )
    stream_progress = models.PositiveSmallIntegerField(default=0, editable=False)
    stream_error = models.TextField(blank=True, editable=False)
    stream_source = models.CharField(max_length=255, blank=True, editable=False)
    stream_folder = models.CharField(max_length=255, blank=True, editable=False)
    stream_renditions = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def size_display(self) -> str:
        return filesizeformat(self.size_bytes)

    @property
    def has_stream(self) -> bool:
        """Adaptive renditions are ready for the current file."""
        return self.stream_status == StreamStatus.READY and bool(self.stream_renditions)

    @property
    def duration_display(self) -> str:
        if not self.duration_seconds:
            return ""
        minutes, seconds = divmod(self.duration_seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class AccessSource(models.TextChoices):
    MEMBERSHIP = "membership", _("Membership")
    PURCHASE = "purchase", _("Purchase")
    WORKSHOP = "workshop", _("Included with a workshop")
    STAFF = "staff", _("Staff preview")


class AccessGrant(models.Model):
    """The one source of truth for who may watch what, and when.

    ``masterclass`` empty means every masterclass (a membership). A grant counts from
    ``starts_at`` until ``ends_at`` (empty: no end) unless it was revoked (a refund).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants"
    )
    source = models.CharField(max_length=20, choices=AccessSource.choices)
    masterclass = models.ForeignKey(
        Masterclass,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_grants",
        help_text=_("Leave empty for access to every masterclass."),
    )
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    source_reference = models.CharField(
        max_length=255,
        blank=True,
        db_index=True,
        help_text=_("What created the grant: a Stripe subscription or order id, a registration."),
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "pk"]
        indexes = [models.Index(fields=["user", "masterclass", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="access_grant_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        what = self.masterclass or "all masterclasses"
        return f"{self.user} — {what} ({self.get_source_display()})"


class LessonProgress(models.Model):
    """How far a viewer got in one lesson. ``lesson_key`` names the lesson (the cms page
    id), so courses needs no knowledge of pages."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson_key = models.CharField(max_length=64)
    masterclass = models.ForeignKey(
        Masterclass, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    video = models.ForeignKey(
        Video, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position_seconds = models.FloatField(default=0)
    duration_seconds = models.FloatField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "pk"]
        verbose_name_plural = "lesson progress"
        indexes = [models.Index(fields=["updated_at"], name="lesson_progress_updated_idx")]
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson_key"], name="lesson_progress_unique"),
            models.CheckConstraint(
                condition=Q(position_seconds__gte=0) & Q(duration_seconds__gte=0),
                name="lesson_progress_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — lesson {self.lesson_key}"

    @property
    def percent(self) -> int:
        if self.completed_at:
            return 100
        if not self.duration_seconds:
            return 0
        return min(100, int(100 * self.position_seconds / self.duration_seconds))
