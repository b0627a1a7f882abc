"""One error base for the courses domain; views turn these into messages or 4xx."""


class CoursesError(Exception):
    """Base for every rule the courses domain refuses. ``str(error)`` is shown to people."""


class SessionFull(CoursesError):
    pass


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
