"""Admin views for masterclass products, lesson videos and access grants."""

from wagtail.admin.panels import FieldPanel, HelpPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .forms import VideoAdminForm
from .models import AccessGrant, Masterclass, Video


class MasterclassViewSet(SnippetViewSet):
    model = Masterclass
    icon = "folder-open-inverse"
    menu_label = "Masterclasses"
    list_display = ["title", "slug", Column("price_display", label="Price"), "created_at"]
    search_fields = ["title"]
    panels = [
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("summary"),
        FieldPanel("price_amount"),
        FieldPanel("currency"),
    ]


class VideoViewSet(SnippetViewSet):
    model = Video
    icon = "media"
    menu_label = "Lesson videos"
    list_display = [
        "title",
        Column("duration_display", label="Duration"),
        Column("size_display", label="Size"),
        "content_type",
        "created_at",
    ]
    search_fields = ["title"]
    edit_handler = ObjectList(
        [
            HelpPanel(
                content=(
                    "Videos are private: members stream them from their lesson page and "
                    "they never get a public address. Upload MP4 (H.264) or WebM (VP9)."
                )
            ),
            FieldPanel("title"),
            FieldPanel("file"),
            FieldPanel("duration_seconds"),
            FieldPanel("poster"),
        ],
        base_form_class=VideoAdminForm,
    )


class AccessGrantViewSet(SnippetViewSet):
    model = AccessGrant
    icon = "key"
    menu_label = "Access grants"
    list_display = ["user", "masterclass", "source", "starts_at", "ends_at", "revoked_at"]
    list_filter = ["source", "masterclass"]
    panels = [
        FieldPanel("user"),
        FieldPanel("source"),
        FieldPanel("masterclass"),
        FieldPanel("starts_at"),
        FieldPanel("ends_at"),
        FieldPanel("source_reference"),
        FieldPanel("revoked_at"),
    ]


class MasterclassGroup(SnippetViewSetGroup):
    items = (MasterclassViewSet, VideoViewSet, AccessGrantViewSet)
    menu_icon = "media"
    menu_label = "Masterclasses"
    menu_name = "masterclasses"


register_snippet(MasterclassGroup)
