"""Home-study tests: a masterclass's question bank and its members' attempts.

NCBTMB's home-study rule: a recorded course earns CE only after a test is taken and
graded. Questions and options are edited in Wagtail (a snippet with orderable options);
an attempt keeps what was asked, what was answered and how it was graded, so a later
edit of the question bank never rewrites a member's result."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice (one correct option)")
    MULTIPLE = "multiple", _("Multiple choice (one or more correct options)")


class HomeStudyQuestion(ClusterableModel):
    masterclass = models.ForeignKey(
        "courses.Masterclass", on_delete=models.CASCADE, related_name="test_questions"
    )
    text = models.TextField(_("question"))
    kind = models.CharField(
        _("answer type"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.SINGLE
    )
    explanation = models.TextField(
        help_text=_("Shown after the test is submitted: why the correct answer is correct.")
    )
    sort_order = models.PositiveSmallIntegerField(
        default=0, help_text=_("Questions are shuffled per attempt; this orders the editor list.")
    )

    class Meta:
        ordering = ["masterclass", "sort_order", "pk"]
        verbose_name = _("test question")
        verbose_name_plural = _("test questions")

    def __str__(self) -> str:
        return self.text[:80]


class HomeStudyOption(Orderable):
    question = ParentalKey(HomeStudyQuestion, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("option"), max_length=300)
    is_correct = models.BooleanField(_("correct"), default=False)

    panels = [FieldPanel("text"), FieldPanel("is_correct")]

    class Meta(Orderable.Meta):
        verbose_name = _("option")

    def __str__(self) -> str:
        return self.text


class HomeStudyAttempt(models.Model):
    """One sitting of a masterclass's test. ``seed`` fixes the shuffled order for the
    attempt; ``questions`` snapshots the question ids asked; ``answers`` the option ids
    chosen per question; ``results`` whether each was right. Submitted once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="home_study_attempts"
    )
    masterclass = models.ForeignKey(
        "courses.Masterclass", on_delete=models.PROTECT, related_name="test_attempts"
    )
    seed = models.PositiveIntegerField()
    questions = models.JSONField(default=list)
    answers = models.JSONField(default=dict, blank=True)
    results = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    passing_grade_percent = models.PositiveSmallIntegerField()
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "masterclass"],
                condition=Q(submitted_at__isnull=True),
                name="home_study_one_open_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.masterclass} ({self.started_at:%Y-%m-%d})"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None
