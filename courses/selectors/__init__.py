"""Reads for courses, one module per concern:

- ``seats``: seats taken and left per session and per ticket type, computed at query
  time (an expired hold stops counting the instant it expires).
- ``listings``: sessions for listings, with their seats in one query.
- ``waitlist``: the waiting-list queue and offers.
- ``access``: who may watch which masterclass; lesson progress.
- ``aftersale``: attendees, check-in counts, certificates, reminders due.

The public names are re-exported here (``from courses import selectors``).
"""

from courses.selectors.access import (
    ViewerAccess,
    access_grants_active,
    lesson_progress_for_user,
    lesson_progress_recent,
    masterclass_access_for_user,
    masterclasses_purchased,
    user_can_watch_lesson,
    user_can_watch_masterclass,
    user_membership_grant,
    workshops_including_masterclass,
)
from courses.selectors.aftersale import (
    CheckInCounts,
    certificate_visible_to,
    registrations_with_full_attendance,
    reminders_due,
    session_attendees,
    session_check_in_counts,
    sessions_needing_certificates,
    staff_sessions,
    user_certificates,
)
from courses.selectors.listings import (
    listing_sessions,
    past_sessions,
    upcoming_sessions,
    workshop_sessions_for_admin,
    workshop_upcoming_sessions,
)
from courses.selectors.planning import (
    UPCOMING_DAYS,
    calendar_filter_choices,
    calendar_sessions,
    sessions_coming_up,
    workshops_with_latest_session,
    workshops_without_upcoming_date,
)
from courses.selectors.seats import (
    FEW_SEATS_THRESHOLD,
    Availability,
    TicketQuantities,
    TicketTypeQuantity,
    availability_of,
    registrations_taking_seats,
    seats_sold_out,
    session_availability,
    session_seat_counts,
    session_seats_available,
    session_seats_taken,
    session_sold_out,
    sessions_with_seats,
    ticket_type_has_registrations,
    ticket_type_quantity_choices,
    ticket_type_seats_left,
    ticket_type_seats_taken,
    waitlist_offer_outstanding,
)
from courses.selectors.waitlist import (
    session_waitlist,
    session_waitlist_history,
    user_waitlist_entries,
    user_waitlist_entry,
    waitlist_offers_lapsed,
    waitlist_position,
    waitlist_seat_limit,
)

__all__ = [
    "FEW_SEATS_THRESHOLD",
    "UPCOMING_DAYS",
    "Availability",
    "CheckInCounts",
    "TicketQuantities",
    "TicketTypeQuantity",
    "ViewerAccess",
    "access_grants_active",
    "availability_of",
    "calendar_filter_choices",
    "calendar_sessions",
    "certificate_visible_to",
    "lesson_progress_for_user",
    "lesson_progress_recent",
    "listing_sessions",
    "masterclass_access_for_user",
    "masterclasses_purchased",
    "past_sessions",
    "registrations_taking_seats",
    "registrations_with_full_attendance",
    "reminders_due",
    "seats_sold_out",
    "session_attendees",
    "session_availability",
    "session_check_in_counts",
    "session_seat_counts",
    "session_seats_available",
    "session_seats_taken",
    "session_sold_out",
    "session_waitlist",
    "session_waitlist_history",
    "sessions_coming_up",
    "sessions_needing_certificates",
    "sessions_with_seats",
    "staff_sessions",
    "ticket_type_has_registrations",
    "ticket_type_quantity_choices",
    "ticket_type_seats_left",
    "ticket_type_seats_taken",
    "upcoming_sessions",
    "user_can_watch_lesson",
    "user_can_watch_masterclass",
    "user_certificates",
    "user_membership_grant",
    "user_waitlist_entries",
    "user_waitlist_entry",
    "waitlist_offer_outstanding",
    "waitlist_offers_lapsed",
    "waitlist_position",
    "waitlist_seat_limit",
    "workshop_sessions_for_admin",
    "workshop_upcoming_sessions",
    "workshops_including_masterclass",
    "workshops_with_latest_session",
    "workshops_without_upcoming_date",
]
