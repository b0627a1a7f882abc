"""Domain errors of the courses app. Views turn them into clear messages."""


class CoursesError(Exception):
    """Base of every rule the courses services enforce. ``str(error)`` is user-facing."""


class RegistrationClosed(CoursesError):
    """The session does not accept registrations now (not yet open, closed or cancelled)."""


class SessionFull(CoursesError):
    """Not enough seats left in the session for the requested quantity."""


class TicketTypeUnavailable(CoursesError):
    """The ticket type is not on sale, sold out for its own limit, or not of this session."""


class InvalidQuantity(CoursesError):
    """The quantity breaks the ticket type's minimum or maximum per order."""


class HoldExpired(CoursesError):
    """The held seats expired and cannot be confirmed (no seats free any more)."""
