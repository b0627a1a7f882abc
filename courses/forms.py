from django.core.files.uploadedfile import UploadedFile

from wagtail.admin.forms import WagtailAdminModelForm

from .media import VideoFileInfo, video_file_inspect


class VideoAdminForm(WagtailAdminModelForm):
    """Editors' upload form: checks the file is really an MP4/WebM video within the size
    limit, and records its type, size and (when ffprobe can read it) duration."""

    file_info: VideoFileInfo | None = None

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if isinstance(uploaded, UploadedFile):
            self.file_info = video_file_inspect(uploaded)
        return uploaded

    def save(self, commit: bool = True):
        video = super().save(commit=False)
        if self.file_info is not None:
            video.content_type = self.file_info.content_type
            video.size_bytes = self.file_info.size_bytes
            if self.file_info.duration_seconds and not self.cleaned_data.get("duration_seconds"):
                video.duration_seconds = self.file_info.duration_seconds
        if commit:
            video.save()
            self.save_m2m()
        return video
