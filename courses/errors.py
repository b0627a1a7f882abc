"""Domain errors of the courses app. Views turn them into messages or 4xx answers."""


class CoursesError(Exception):
    """Base class: every rule the courses services enforce raises a subclass."""


class InvalidAccessGrant(CoursesError):
    """An access grant that cannot exist, e.g. one that ends before it starts."""


class InvalidProgress(CoursesError):
    """A progress report with impossible values (negative, not a number, past the end)."""


class PlaybackDenied(CoursesError):
    """A playback token that is malformed, tampered with, expired or not for this viewer."""
