"""Queue adaptive-streaming renditions for lesson videos uploaded before the server had
ffmpeg (or whose build failed): `manage.py video_renditions [--all]`."""

from django.core.management.base import BaseCommand

from courses.models import StreamStatus, Video
from courses.services.transcoding import ffmpeg_path, video_renditions_request


class Command(BaseCommand):
    help = "Queue HLS renditions for videos without them (through the outbox and the worker)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="Rebuild every video's renditions.")

    def handle(self, *args, **options) -> None:
        if ffmpeg_path() is None:
            self.stderr.write(
                "ffmpeg is not installed here; the worker needs it (make media-tools)."
            )
        videos = Video.objects.exclude(file="")
        if not options["all"]:
            videos = videos.filter(
                stream_status__in=[StreamStatus.NONE, StreamStatus.UNAVAILABLE, StreamStatus.FAILED]
            )
        count = 0
        for video in videos.iterator():
            video_renditions_request(video=video)
            count += 1
        self.stdout.write(f"Queued renditions for {count} video(s).")
