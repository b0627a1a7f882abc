"""Writes for courses, one module per concern:

- ``locking``: ``session_lock``, the session row lock every seat-changing write takes.
- ``scheduling``: rules that guard admin edits of sessions and ticket types.
- ``seats``: hold, confirm, release and cancel seats (the oversell rule); expire holds.
- ``waitlist``: the waiting list and its offers of freed seats.
- ``access``: masterclass access grants and lesson progress.
- ``attendance``: check-in, check-out, walk-ins.
- ``door_sync``: door devices' offline batches of check-ins and check-outs.
- ``aftersale``: CE certificates, reminders, messages to attendees.
- ``audit``: the append-only audit log of staff actions on money and personal data.

The public names are re-exported here (``from courses import services``).
"""

from courses.services.access import (
    COMPLETED_FRACTION,
    MAX_LESSON_SECONDS,
    POSITION_TOLERANCE_SECONDS,
    access_grant_create,
    access_grant_end,
    lesson_progress_record,
    workshop_access_grants_create,
)
from courses.services.aftersale import (
    attendee_message_create,
    attendee_message_send,
    certificate_email_send,
    certificate_issue_for_session,
    certificate_reissue,
    certificates_issue_and_send,
    reminder_claim,
    reminder_send,
)
from courses.services.attendance import (
    registration_check_in,
    registration_check_out,
    registration_create_walk_in,
)
from courses.services.audit import audit_record
from courses.services.door_sync import (
    MAX_DOOR_ACTIONS,
    DoorActionInput,
    DoorActionResult,
    check_in_actions_apply,
    door_actions_parse,
)
from courses.services.locking import (
    LockOutsideTransaction,
    session_lock,
    session_lock_with_ticket_types,
)
from courses.services.scheduling import (
    MAX_NEW_DATES,
    NewDate,
    session_cancel,
    session_capacity_change,
    session_delete,
    session_delete_check,
    session_schedule_again,
    session_validate,
    ticket_type_removal_check,
)
from courses.services.seats import (
    DEFAULT_HOLD,
    SeatRequest,
    holds_expire,
    registration_cancel,
    seat_hold_cancel,
    seat_hold_confirm,
    seat_hold_create,
    seat_hold_release,
    session_registrations_cancel,
)
from courses.services.waitlist import (
    waitlist_close_for_session,
    waitlist_ended_email_send,
    waitlist_join,
    waitlist_leave,
    waitlist_move,
    waitlist_offer_email_send,
    waitlist_offer_seats,
    waitlist_offers_expire,
    waitlist_remove,
    waitlist_seats_freed,
)

__all__ = [
    "COMPLETED_FRACTION",
    "DEFAULT_HOLD",
    "MAX_DOOR_ACTIONS",
    "MAX_LESSON_SECONDS",
    "MAX_NEW_DATES",
    "POSITION_TOLERANCE_SECONDS",
    "DoorActionInput",
    "DoorActionResult",
    "LockOutsideTransaction",
    "NewDate",
    "SeatRequest",
    "access_grant_create",
    "access_grant_end",
    "attendee_message_create",
    "attendee_message_send",
    "audit_record",
    "certificate_email_send",
    "certificate_issue_for_session",
    "certificate_reissue",
    "certificates_issue_and_send",
    "check_in_actions_apply",
    "door_actions_parse",
    "holds_expire",
    "lesson_progress_record",
    "registration_cancel",
    "registration_check_in",
    "registration_check_out",
    "registration_create_walk_in",
    "reminder_claim",
    "reminder_send",
    "seat_hold_cancel",
    "seat_hold_confirm",
    "seat_hold_create",
    "seat_hold_release",
    "session_cancel",
    "session_capacity_change",
    "session_delete",
    "session_delete_check",
    "session_lock",
    "session_lock_with_ticket_types",
    "session_registrations_cancel",
    "session_schedule_again",
    "session_validate",
    "ticket_type_removal_check",
    "waitlist_close_for_session",
    "waitlist_ended_email_send",
    "waitlist_join",
    "waitlist_leave",
    "waitlist_move",
    "waitlist_offer_email_send",
    "waitlist_offer_seats",
    "waitlist_offers_expire",
    "waitlist_remove",
    "waitlist_seats_freed",
    "workshop_access_grants_create",
]
