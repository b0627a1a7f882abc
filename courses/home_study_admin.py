"""Wagtail admin for home-study CE: the masterclass's CE approval panel (with the video
length check) and the test questions with their options. The rules are
``courses.services.home_study``; these forms only show their answers to editors."""

from django.conf import settings
from django.contrib import messages
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    Panel,
)
from wagtail.snippets.views.snippets import SnippetViewSet

from .locators import masterclass_lessons
from .models import HomeStudyQuestion, Masterclass
from .services.home_study import ce_hours_check, question_options_check


def _video_seconds(masterclass_id: int | None) -> int:
    if not masterclass_id:
        return 0
    return sum(lesson.duration_seconds for lesson in masterclass_lessons(masterclass_id))


class MasterclassAdminForm(WagtailAdminModelForm):
    """CE approval needs a title, hours and an approved-provider number; hours far beyond
    the published video are refused (a difference within reason is only a warning)."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("ce_approved"):
            if not cleaned.get("ce_title"):
                self.add_error("ce_title", _("Enter the title exactly as the board approved it."))
            if not cleaned.get("ce_hours"):
                self.add_error("ce_hours", _("Enter the approved CE hours."))
            if not cleaned.get("ce_provider_approval_number") and not (
                settings.CE_PROVIDER_APPROVAL_NUMBER
            ):
                self.add_error(
                    "ce_provider_approval_number",
                    _("Enter the approved-provider number: no provider-wide number is set."),
                )
        hours = cleaned.get("ce_hours")
        if hours is not None:
            check = ce_hours_check(ce_hours=hours, video_seconds=_video_seconds(self.instance.pk))
            if check.error:
                self.add_error("ce_hours", check.error)
        return cleaned


class CEHoursCheckPanel(Panel):
    """The published video length next to the CE hours, and the warning when they differ."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "courses/admin/ce_hours_check_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            masterclass = self.instance
            seconds = _video_seconds(masterclass.pk)
            check = ce_hours_check(ce_hours=masterclass.ce_hours, video_seconds=seconds)
            context.update(
                {
                    "video_hours": check.video_hours,
                    "has_video": bool(seconds),
                    "warning": check.warning if masterclass.ce_approved else "",
                    "question_count": masterclass.test_questions.count() if masterclass.pk else 0,
                }
            )
            return context


masterclass_edit_handler = ObjectList(
    [
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("summary"),
        FieldPanel("price_amount"),
        FieldPanel("currency"),
        MultiFieldPanel(
            [
                CEHoursCheckPanel(),
                FieldPanel("ce_approved"),
                FieldPanel("ce_title"),
                FieldRowPanel([FieldPanel("ce_hours"), FieldPanel("passing_grade_percent")]),
                FieldPanel("ce_provider_approval_number"),
                FieldRowPanel([FieldPanel("max_retakes"), FieldPanel("retake_cooldown_hours")]),
            ],
            heading=_("Home study CE"),
        ),
    ],
    base_form_class=MasterclassAdminForm,
)


@hooks.register("after_edit_snippet")
@hooks.register("after_create_snippet")
def warn_ce_hours_differ(request, instance) -> None:
    """A saved CE-approved masterclass whose hours differ from its video gets a visible
    warning (saving is not blocked: the board may have approved other hours)."""
    if not isinstance(instance, Masterclass) or not instance.ce_approved:
        return
    check = ce_hours_check(ce_hours=instance.ce_hours, video_seconds=_video_seconds(instance.pk))
    if check.warning:
        messages.warning(request, check.warning)
    if not instance.test_questions.exists():
        messages.warning(
            request, _("This masterclass has no test questions yet: add them under Test questions.")
        )


class HomeStudyQuestionForm(WagtailAdminModelForm):
    def is_valid(self) -> bool:
        valid = super().is_valid()
        formset = getattr(self, "formsets", {}).get("options")
        if not valid or formset is None:
            return valid
        options = [
            (form.cleaned_data.get("text", ""), bool(form.cleaned_data.get("is_correct")))
            for form in formset.forms
            if form.cleaned_data and not (formset.can_delete and formset._should_delete_form(form))
        ]
        for error in question_options_check(
            kind=self.cleaned_data.get("kind", ""), options=options
        ):
            self.add_error(None, error)
        return not self.errors


class HomeStudyQuestionViewSet(SnippetViewSet):
    model = HomeStudyQuestion
    icon = "help"
    menu_label = _("Test questions")
    list_display = ["text", "masterclass", "kind"]
    list_filter = ["masterclass", "kind"]
    search_fields = ["text"]
    edit_handler = ObjectList(
        [
            FieldPanel("masterclass"),
            FieldPanel("text"),
            FieldPanel("kind"),
            InlinePanel("options", label=_("Options"), min_num=2, max_num=8),
            FieldPanel("explanation"),
            FieldPanel("sort_order"),
        ],
        base_form_class=HomeStudyQuestionForm,
    )
