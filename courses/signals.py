"""Signals the courses app sends where Django's own cannot tell."""

from django.dispatch import Signal

# A video's streaming state changed by an UPDATE (transcoding), which sends no post_save:
# pages that keep what a video shows (cms) listen. Sent with ``sender=Video`` and
# ``video_id``.
video_streaming_changed = Signal()
