"""One error base for the courses domain, so callers can catch every rule we enforce."""


class CoursesError(Exception):
    """A domain rule refused the operation; ``str(error)`` is fit to show to a person."""


class SessionInvalid(CoursesError):
    """A session (with its ticket types) breaks a scheduling rule.

    ``errors`` maps a field name (``None`` for the whole session) to messages, so a form
    can show each message next to the field it is about.
    """

    def __init__(self, errors: dict[str | None, list[str]]) -> None:
        self.errors = errors
        super().__init__(" ".join(m for messages in errors.values() for m in messages))


class SessionHasRegistrations(CoursesError):
    """Sessions with registrations are never deleted: cancel them instead."""


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


class InvalidAccessGrant(CoursesError):
    """An access grant that cannot exist, e.g. one that ends before it starts."""


class InvalidProgress(CoursesError):
    """A progress report with impossible values (negative, not a number, past the end)."""


class PlaybackDenied(CoursesError):
    """A playback token that is malformed, tampered with, expired or not for this viewer."""


class TicketNotFound(CoursesError):
    pass


class TicketNotValid(CoursesError):
    """Cancelled, expired, or still awaiting payment."""


class TicketWrongSession(CoursesError):
    pass


class TicketAlreadyUsed(CoursesError):
    pass


class NotCheckedIn(CoursesError):
    pass


class SessionNotEnded(CoursesError):
    pass


class WaitlistError(CoursesError):
    """A waiting-list request that cannot be honoured (bad seats, not sold out, ...)."""


class WaitlistOfferInvalid(WaitlistError):
    """An offer link that is malformed, expired, used up or made for someone else."""


class DoorBatchInvalid(CoursesError):
    """A batch of door actions that cannot be read; nothing of it is stored."""


class HomeStudyError(CoursesError):
    """The home-study test cannot be started or submitted as asked."""


class HomeStudyAnswersInvalid(HomeStudyError):
    """Answers missing or not among the attempt's options; ``missing`` names the
    question ids left unanswered so the form can point at them."""

    def __init__(self, message: str, missing: list[int] | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []


class HomeStudyAttemptClosed(HomeStudyError):
    """The attempt was already submitted (a double submit or a stale tab)."""
