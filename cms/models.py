"""Public site content: Wagtail page types and site-wide settings.

Pages are marketing content with drafts and revisions. Transactional data (sessions,
tickets, registrations) lives in ``courses`` and ``payments`` and is only read here.
"""

import math

from django import forms
from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase

from .blocks import BodyBlock
from .panels import SessionsPanel

WORDS_PER_MINUTE = 220


# What search results and link previews say when a page has no words of its own.
SITE_DESCRIPTION = _(
    "Hands-on continuing-education workshops and online masterclasses for massage "
    "therapists and physiotherapists, with CE certificates."
)


class SeoMixin(models.Model):
    """Open Graph image and text for link previews; title/description come from Wagtail."""

    social_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown when the page is shared. Falls back to the hero image."),
    )

    promote_panels = [
        *Page.promote_panels,
        FieldPanel("social_image"),
    ]

    og_type = "website"

    class Meta:
        abstract = True

    def get_og_image(self):
        return self.social_image or getattr(self, "hero_image", None)

    def get_meta_description(self) -> str:
        if self.search_description:
            return self.search_description
        # The home page has no intro: its hero text says what the site is about.
        intro = (
            getattr(self, "intro", "")
            or getattr(self, "summary", "")
            or getattr(self, "hero_text", "")
        )
        return Truncator(strip_tags(str(intro))).chars(160) or SITE_DESCRIPTION


class HomePage(SeoMixin, Page):
    hero_title = models.CharField(max_length=120)
    hero_text = models.TextField(blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hero_cta_text = models.CharField(max_length=40, blank=True)
    hero_cta_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = StreamField(BodyBlock(), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("hero_title"),
                FieldPanel("hero_text"),
                FieldPanel("hero_image"),
                FieldPanel("hero_cta_text"),
                FieldPanel("hero_cta_page"),
            ],
            heading=_("Hero"),
        ),
        FieldPanel("body"),
    ]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    def get_context(self, request, *args, **kwargs):
        from .fragments import kept

        context = super().get_context(request, *args, **kwargs)
        context.update(kept(request, f"home:{self.pk}", self._cards, listing=True))
        return context

    def _cards(self) -> dict:
        from . import workshops

        return {
            "latest_articles": list(
                ArticlePage.objects.live()
                .public()
                .order_by("-date")
                .select_related("hero_image")
                .prefetch_related("hero_image__renditions")[:3]
            ),
            "upcoming_workshops": workshops.upcoming_cards(limit=3),
            "workshop_index": WorkshopIndexPage.objects.live().public().first(),
        }


class StandardPage(SeoMixin, Page):
    intro = models.TextField(blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = StreamField(BodyBlock(), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]


class ArticleIndexPage(SeoMixin, Page):
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.ArticlePage"]
    max_count = 1
    page_size = 9

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = (
            ArticlePage.objects.child_of(self)
            .live()
            .public()
            .order_by("-date", "-pk")
            .select_related("hero_image")
        )
        tag = request.GET.get("tag", "").strip()
        if tag:
            articles = articles.filter(tags__slug=tag)
        context["tag"] = tag
        context["articles"] = Paginator(articles, self.page_size).get_page(request.GET.get("page"))
        return context


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE
    )


class ArticlePage(SeoMixin, Page):
    intro = models.TextField(help_text=_("One or two sentences shown in listings and previews."))
    author = models.CharField(max_length=120)
    date = models.DateField(_("publication date"), default=timezone.localdate)
    hero_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = StreamField(BodyBlock())
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("author"), FieldPanel("date"), FieldPanel("tags")], _("About")),
        FieldPanel("hero_image"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]
    parent_page_types = ["cms.ArticleIndexPage"]
    subpage_types: list[str] = []
    og_type = "article"

    @property
    def reading_time(self) -> int:
        """Minutes to read the body, rounded up; at least one."""
        words = len(strip_tags(self.body.render_as_block()).split()) + len(self.intro.split())
        return max(1, math.ceil(words / WORDS_PER_MINUTE))


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """Contact details and footer text editors change without a deploy."""

    contact_phone = models.CharField(max_length=30, blank=True)
    booking_email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    instagram_url = models.URLField(blank=True)
    facebook_url = models.URLField(blank=True)
    youtube_url = models.URLField(blank=True)
    footer_text = models.TextField(
        blank=True, help_text=_("A sentence or two about the business, shown in the footer.")
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("contact_phone"), FieldPanel("booking_email"), FieldPanel("address")],
            _("Contact"),
        ),
        MultiFieldPanel(
            [FieldPanel("instagram_url"), FieldPanel("facebook_url"), FieldPanel("youtube_url")],
            _("Social links"),
        ),
        FieldPanel("footer_text"),
    ]

    class Meta:
        verbose_name = "site settings"


class WorkshopIndexPage(SeoMixin, Page):
    """Every upcoming session of every workshop, in date order, with filters."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.WorkshopPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from . import workshops
        from .fragments import kept

        context = super().get_context(request, *args, **kwargs)
        month = request.GET.get("month", "")[:20]
        city = request.GET.get("city", "")[:80]
        page = request.GET.get("page", "")[:10]

        def compute() -> dict:
            return {
                "listing": workshops.session_listing(month=month, city=city, page=page or None),
                "past_cards": workshops.past_listing(),
            }

        name = f"workshop-index:{self.pk}:{month}|{city}|{page}"
        context.update(kept(request, name, compute, listing=True))
        return context


class WorkshopPage(SeoMixin, Page):
    """Marketing content for one approved workshop. Its dated sessions and tickets are
    live data in ``courses`` (edited in the Sessions admin), shown here read-only."""

    workshop = models.ForeignKey(
        "courses.Workshop",
        on_delete=models.PROTECT,
        related_name="pages",
        help_text=_("The approved course record: CE hours, refund policy and sessions."),
    )
    summary = models.TextField(help_text=_("Two or three sentences for listings and previews."))
    hero_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = StreamField(BodyBlock(), blank=True)
    instructors = ParentalManyToManyField("courses.Instructor", blank=True, related_name="+")
    what_to_bring = RichTextField(blank=True, features=["bold", "italic", "ul", "link"])

    content_panels = [
        *Page.content_panels,
        FieldPanel("workshop"),
        FieldPanel("summary"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
        FieldPanel("instructors", widget=forms.CheckboxSelectMultiple),
        FieldPanel("what_to_bring"),
        SessionsPanel(heading=_("Dates and tickets")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.WorkshopIndexPage"]
    subpage_types: list[str] = []
    og_type = "website"

    def get_context(self, request, *args, **kwargs):
        from . import workshops
        from .fragments import kept

        context = super().get_context(request, *args, **kwargs)
        parts = kept(
            request,
            f"workshop-page:{self.pk}:{self.workshop_id}:{request.get_host()}",
            lambda: workshops.workshop_page_parts(self, request),
            listing=False,
            session_ids=lambda parts: [d.session.pk for d in parts["sessions"]],
        )
        self.workshop = parts.pop("workshop")
        context.update(parts)
        return context


# --- Masterclasses ------------------------------------------------------------------
# The library (index) → a masterclass series → its lessons. Pages are the content; who
# may watch is decided by ``courses.selectors.user_can_watch_lesson`` from AccessGrants.


class MasterclassIndexPage(SeoMixin, Page):
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])
    hero_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("hero_image")]
    subpage_types = ["cms.MasterclassPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from .masterclasses import library_context

        context = super().get_context(request, *args, **kwargs)
        context.update(library_context(self, request, request.GET.get("page")))
        return context


class MasterclassPage(SeoMixin, Page):
    """One masterclass series: what it teaches, who teaches it, its lessons in order."""

    masterclass = models.ForeignKey(
        "courses.Masterclass",
        on_delete=models.PROTECT,
        related_name="pages",
        help_text=_("The product record: its price and who has access come from here."),
    )
    intro = models.TextField(help_text=_("One or two sentences shown in the library."))
    cover_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    instructor = models.ForeignKey(
        "courses.Instructor", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level = models.CharField(
        max_length=60, blank=True, help_text=_("E.g. “All levels” or “Experienced therapists”.")
    )
    body = StreamField(BodyBlock(), blank=True, help_text=_("What the series covers and for whom."))

    content_panels = [
        *Page.content_panels,
        FieldPanel("masterclass"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("cover_image"), FieldPanel("instructor"), FieldPanel("level")], _("About")
        ),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.MasterclassIndexPage"]
    subpage_types = ["cms.LessonPage"]

    def get_og_image(self):
        return self.social_image or self.cover_image

    def lessons(self):
        """Live lessons in the editor's order, with their videos."""
        return LessonPage.objects.child_of(self).live().select_related("video").order_by("path")

    def get_context(self, request, *args, **kwargs):
        from .masterclasses import series_context

        context = super().get_context(request, *args, **kwargs)
        context.update(series_context(self, request))
        return context


class LessonPage(SeoMixin, Page):
    """A lesson: the video, notes and downloads. Previews play for every visitor."""

    video = models.ForeignKey(
        "courses.Video", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField(blank=True, help_text=_("What this lesson covers, in a sentence."))
    is_preview = models.BooleanField(
        _("free preview"),
        default=False,
        help_text=_("Anyone can watch a preview lesson, without a membership or purchase."),
    )
    notes = StreamField(BodyBlock(), blank=True, help_text=_("Lesson notes shown below the video."))
    downloads = StreamField(
        [("document", DocumentChooserBlock())],
        blank=True,
        help_text=_("Handouts and worksheets (PDF), for those who can watch the lesson."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("video"),
        FieldPanel("summary"),
        FieldPanel("is_preview"),
        FieldPanel("notes"),
        FieldPanel("downloads"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("notes"),
    ]
    parent_page_types = ["cms.MasterclassPage"]
    subpage_types: list[str] = []

    def get_og_image(self):
        return self.social_image or getattr(self.get_parent().specific, "cover_image", None)

    def get_meta_description(self) -> str:
        return self.search_description or Truncator(self.summary).chars(160)

    def get_context(self, request, *args, **kwargs):
        from .masterclasses import lesson_context

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_context(self, request))
        return context
