"""Courses: the approved course records and everything that is sold and attended.

One module per concern; everything is importable from ``courses.models`` as before
(migrations name ``courses.models.new_ticket_code`` and ``new_certificate_code``).

- ``catalog``: instructors, venues, workshops, sessions, ticket types;
- ``registrations``: the seats and the waiting list;
- ``learning``: masterclasses, videos, access grants, lesson progress;
- ``captions``, ``home_study``: a video's caption tracks; a masterclass's graded test;
- ``records``: certificates, reminders, messages to attendees;
- ``operations``: the audit log, door-app actions, the outbox.
"""

from .captions import VideoCaption
from .catalog import (
    TIME_ZONE_CHOICES,
    CourseType,
    Instructor,
    Session,
    SessionStatus,
    TicketType,
    Venue,
    Workshop,
    new_ticket_code,
    window_in_order,
)
from .home_study import HomeStudyAttempt, HomeStudyOption, HomeStudyQuestion, QuestionKind
from .learning import (
    VIDEO_CONTENT_TYPES,
    VIDEO_EXTENSIONS,
    AccessGrant,
    AccessSource,
    LessonProgress,
    Masterclass,
    StreamStatus,
    Video,
    ce_hours_text,
)
from .operations import (
    AuditAction,
    AuditEntry,
    AuditLogIsAppendOnly,
    DoorAction,
    DoorActionKind,
    DoorActionOutcome,
    MailInFlight,
    OutboxEntry,
)
from .records import AttendeeMessage, Certificate, ReminderSent, new_certificate_code
from .registrations import (
    WAITLIST_ACTIVE,
    Registration,
    RegistrationStatus,
    WaitlistEntry,
    WaitlistStatus,
)

__all__ = [
    "TIME_ZONE_CHOICES",
    "VIDEO_CONTENT_TYPES",
    "VIDEO_EXTENSIONS",
    "WAITLIST_ACTIVE",
    "AccessGrant",
    "AccessSource",
    "AttendeeMessage",
    "AuditAction",
    "AuditEntry",
    "AuditLogIsAppendOnly",
    "Certificate",
    "CourseType",
    "DoorAction",
    "DoorActionKind",
    "DoorActionOutcome",
    "HomeStudyAttempt",
    "HomeStudyOption",
    "HomeStudyQuestion",
    "Instructor",
    "LessonProgress",
    "MailInFlight",
    "Masterclass",
    "OutboxEntry",
    "QuestionKind",
    "Registration",
    "RegistrationStatus",
    "ReminderSent",
    "Session",
    "SessionStatus",
    "StreamStatus",
    "TicketType",
    "Venue",
    "Video",
    "VideoCaption",
    "WaitlistEntry",
    "WaitlistStatus",
    "Workshop",
    "ce_hours_text",
    "new_certificate_code",
    "new_ticket_code",
    "window_in_order",
]
