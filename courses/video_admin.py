"""Admin for lesson videos and their caption tracks (registered in wagtail_hooks.py).

The video list and edit view show where adaptive streaming stands (waiting, processing
with a percentage, ready, failed with the reason) and which captions the video has.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, HelpPanel, ObjectList, Panel
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet

from .forms import VideoAdminForm, VideoCaptionForm
from .models import StreamStatus, Video, VideoCaption


def stream_status_label(video: Video) -> str:
    if video.stream_status == StreamStatus.PROCESSING:
        return _("Processing (%(percent)d %%)") % {"percent": video.stream_progress}
    return str(video.get_stream_status_display())


class StreamStatusColumn(Column):
    cell_template_name = "courses/admin/stream_status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["label"] = stream_status_label(instance)
        context["video"] = instance
        return context


class VideoStreamPanel(Panel):
    """Streaming status and caption tracks of the video being edited."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "courses/admin/video_stream_panel.html"

        def is_shown(self) -> bool:
            return bool(self.instance and self.instance.pk)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            video = self.instance
            context.update(
                video=video,
                label=stream_status_label(video),
                captions=list(video.captions.order_by("language")),
                add_caption_url=reverse("wagtailsnippets_courses_videocaption:add")
                + f"?video={video.pk}",
            )
            return context


class VideoViewSet(SnippetViewSet):
    model = Video
    icon = "media"
    menu_label = _("Lesson videos")
    list_display = [
        "title",
        Column("duration_display", label=_("Duration")),
        StreamStatusColumn("stream_status", label=_("Streaming")),
        Column("size_display", label=_("Size")),
        "created_at",
    ]
    list_filter = ["stream_status"]
    search_fields = ["title"]
    edit_handler = ObjectList(
        [
            HelpPanel(
                content=_(
                    "Videos are private: members stream them from their lesson page and "
                    "they never get a public address. Upload MP4 (H.264) or WebM (VP9); "
                    "after saving, the server prepares adaptive streaming (360p and 720p) "
                    "and a poster frame. Add captions for every video: viewers who cannot "
                    "hear it need them. Chapters: in the lesson's notes, start a heading "
                    "with a time, e.g. “2:15 Positioning the client”."
                )
            ),
            FieldPanel("title"),
            FieldPanel("file"),
            FieldPanel("duration_seconds"),
            FieldPanel("poster"),
            VideoStreamPanel(heading=_("Streaming and captions")),
        ],
        base_form_class=VideoAdminForm,
    )


class CaptionCreateView(CreateView):
    def get_initial(self):
        initial = super().get_initial()
        video = self.request.GET.get("video", "")
        if video.isdigit():
            initial["video"] = int(video)
        return initial


class VideoCaptionViewSet(SnippetViewSet):
    model = VideoCaption
    icon = "doc-full"
    menu_label = _("Captions")
    add_view_class = CaptionCreateView
    list_display = [
        "video",
        "label",
        "language",
        Column("cue_count", label=_("Cues")),
        "updated_at",
    ]
    list_filter = ["language"]
    search_fields = ["label"]
    edit_handler = ObjectList(
        [
            HelpPanel(
                content=_(
                    "Upload a WebVTT (.vtt) file per language. Each cue becomes a line of the "
                    "searchable transcript under the lesson video. Files are checked before "
                    "saving; problems are listed with their line numbers."
                )
            ),
            FieldPanel("video"),
            FieldPanel("language"),
            FieldPanel("label"),
            FieldPanel("upload"),
        ],
        base_form_class=VideoCaptionForm,
    )
