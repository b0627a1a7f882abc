"""After the sale: attendees and check-in counts, certificates, reminders due."""

import datetime
import hashlib
from dataclasses import dataclass

from django.db.models import (
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext

from config.prepared import Param, PreparedRead
from courses.formatting import local_time
from courses.models import (
    Certificate,
    DoorAction,
    DoorActionOutcome,
    Registration,
    RegistrationStatus,
    ReminderSent,
    Session,
    SessionStatus,
)
from courses.selectors.seats import sessions_with_seats

# --- After the sale -----------------------------------------------------------------


def session_attendees(*, session: Session, query: str = "") -> QuerySet[Registration]:
    """Everyone with a seat or a ticket for the session, for the check-in list; cancelled
    and expired registrations are kept out of the list (a scan still explains them)."""
    registrations = Registration.objects.filter(
        session=session, status=RegistrationStatus.CONFIRMED
    ).select_related("ticket_type")
    if query := query.strip():
        registrations = registrations.filter(
            Q(attendee_name__icontains=query)
            | Q(attendee_email__icontains=query)
            | Q(licence_number__icontains=query)
            | Q(code=query)
        )
    return registrations.order_by("attendee_name", "pk")


# Doors open an hour or two before a workshop; checking someone in earlier than this
# is almost always the wrong session picked from the list.
CHECK_IN_EARLY_WARNING = datetime.timedelta(hours=12)


def session_check_in_is_early(*, session: Session, at: datetime.datetime | None = None) -> bool:
    """Whether check-in now would be long before the session starts (staff are warned)."""
    return session.starts_at - (at or timezone.now()) > CHECK_IN_EARLY_WARNING


@dataclass(frozen=True)
class CheckInCounts:
    confirmed: int
    checked_in: int
    checked_out: int


def session_check_in_counts(*, session: Session) -> CheckInCounts:
    counts = Registration.objects.filter(
        session=session, status=RegistrationStatus.CONFIRMED
    ).aggregate(
        confirmed=Count("pk"),
        checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        checked_out=Count("pk", filter=Q(checked_out_at__isnull=False)),
    )
    return CheckInCounts(**counts)


def staff_sessions(*, now=None, past_days: int = 60) -> QuerySet[Session]:
    """Sessions staff work with at the door: upcoming, and recent ones for certificates."""
    now = now or timezone.now()
    return sessions_with_seats(
        Session.objects.filter(ends_at__gt=now - datetime.timedelta(days=past_days))
        .select_related("workshop", "venue")
        .order_by("starts_at", "pk"),
        now=now,
    )


def registrations_with_full_attendance(*, session: Session) -> QuerySet[Registration]:
    """Checked in and checked out: the only attendance a CE certificate may certify."""
    return Registration.objects.filter(
        session=session,
        status=RegistrationStatus.CONFIRMED,
        checked_in_at__isnull=False,
        checked_out_at__isnull=False,
    )


def sessions_needing_certificates(*, now=None, within_days: int = 30) -> QuerySet[Session]:
    """Recently ended sessions with at least one fully attended registration that has no
    current certificate (the beat task's work list)."""
    now = now or timezone.now()
    owed = Registration.objects.filter(
        session=OuterRef("pk"),
        status=RegistrationStatus.CONFIRMED,
        checked_in_at__isnull=False,
        checked_out_at__isnull=False,
    ).exclude(
        pk__in=Certificate.objects.filter(
            revoked_at__isnull=True, registration__isnull=False
        ).values("registration_id")
    )
    return Session.objects.filter(
        Exists(owed),
        status=SessionStatus.SCHEDULED,
        ends_at__lte=now,
        ends_at__gt=now - datetime.timedelta(days=within_days),
    )


def user_certificates(*, user) -> list[Certificate]:
    """Current certificates whose registration belongs to the user (their account or their
    sign-in e-mail), and their home-study certificates, newest first."""
    if not user.is_authenticated:
        return []
    return _USER_CERTIFICATES.all(user=user.pk, email=user.email or "")


# One statement for My account and the CE transcript, compiled once per process.
_USER_CERTIFICATES = PreparedRead(
    lambda: (
        Certificate.objects.filter(revoked_at__isnull=True)
        .filter(
            # The user's seats found by their own indexes, not a join to every certificate.
            Q(
                registration__in=Registration.objects.filter(
                    Q(attendee_user_id=Param("user", IntegerField()))
                    | Q(attendee_email__iexact=Param("email", CharField()))
                ).values("pk")
            )
            | Q(user_id=Param("user", IntegerField()), masterclass__isnull=False)
        )
        .order_by("-session_ended_on", "-pk")
    )
)


def certificate_visible_to(*, certificate: Certificate, user) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_perm("courses.check_in_attendees"):
        return True
    registration = certificate.registration
    if registration is None:  # home study: the member who passed the test
        return certificate.user_id == user.pk
    return registration.attendee_user_id == user.pk or (
        registration.attendee_email.lower() == (user.email or "").lower()
    )


def reminders_due(*, now=None, offsets_hours: list[int]) -> list[tuple[int, str]]:
    """(registration id, kind) pairs due now. Per registration only the nearest reminder
    whose time has come is due (a late beat never sends the week-before reminder the day
    before), and a reminder is skipped for people who booked after its time (their
    confirmation told them everything)."""
    now = now or timezone.now()
    offsets = sorted(offsets_hours)
    if not offsets:
        return []
    horizon = now + datetime.timedelta(hours=offsets[-1])
    registrations = Registration.objects.filter(
        status=RegistrationStatus.CONFIRMED,
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__gt=now,
        session__starts_at__lte=horizon,
    ).values_list("pk", "session__starts_at", "confirmed_at", "created_at")
    sent = set(
        ReminderSent.objects.filter(
            registration_id__in=[pk for pk, *_ in registrations]
        ).values_list("registration_id", "kind")
    )
    due = []
    for pk, starts_at, confirmed_at, created_at in registrations:
        for hours in offsets:
            send_from = starts_at - datetime.timedelta(hours=hours)
            if now < send_from:
                continue
            kind = f"{hours}h"
            booked = confirmed_at or created_at
            if booked < send_from and (pk, kind) not in sent:
                due.append((pk, kind))
            break
    return due


# --- The door list: what a check-in device keeps for offline use -------------------------

# The delta cursor is server time minus this overlap, so a change committed while the last
# list was being read comes again next time (rows are idempotent on the device).
DOOR_CURSOR_OVERLAP = datetime.timedelta(seconds=30)
# A device forgets a session's list this long after the session ends.
DOOR_LIST_KEEP_AFTER_END = datetime.timedelta(hours=12)


def ticket_code_hash(code: str) -> str:
    """What a device stores instead of the ticket code: the SHA-256 of the code, which it
    compares against the hash of what it scans (so a lost phone leaks no usable tickets)."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


@dataclass(frozen=True)
class DoorList:
    attendees: list[dict]
    flags: list[dict]
    counts: CheckInCounts
    cursor: datetime.datetime
    expires_at: datetime.datetime


def _when_by(at: datetime.datetime, user, tz) -> str:
    """When a check-in (or out) happened and, if known, who did it, e.g. "9:02 AM by Ann"."""
    time = local_time(at, tz)
    if user is None:
        return time
    return gettext("%(time)s by %(staff)s") % {"time": time, "staff": user.get_full_name()}


def registration_cancelled_refusal(*, registration: Registration) -> str:
    """What the door says about a canceled ticket: online (check-in) and offline (door list)."""
    text = (
        gettext(
            "Ticket canceled: %(name)s's registration was canceled (%(reason)s). "
            "Do not admit; the attendee can register at the door as a walk-in."
        )
        if registration.cancel_reason
        else gettext(
            "Ticket canceled: %(name)s's registration was canceled. "
            "Do not admit; the attendee can register at the door as a walk-in."
        )
    )
    return text % {"name": registration.attendee_name, "reason": registration.cancel_reason}


def _door_row(registration: Registration, session: Session) -> dict:
    tz = session.tz
    refusal = ""
    if registration.status == RegistrationStatus.CANCELLED:
        refusal = registration_cancelled_refusal(registration=registration)
    return {
        "id": registration.pk,
        "name": registration.attendee_name,
        "ticket_type": registration.ticket_type.name,
        "code_hash": ticket_code_hash(registration.code),
        "status": registration.status,
        "refusal": refusal,
        "notes": gettext("Complimentary") if registration.complimentary else "",
        "checked_in_at": registration.checked_in_at.isoformat()
        if registration.checked_in_at
        else None,
        "checked_in": (
            _when_by(registration.checked_in_at, registration.checked_in_by, tz)
            if registration.checked_in_at
            else ""
        ),
        "checked_out_at": registration.checked_out_at.isoformat()
        if registration.checked_out_at
        else None,
        "checked_out": (
            _when_by(registration.checked_out_at, registration.checked_out_by, tz)
            if registration.checked_out_at
            else ""
        ),
    }


def session_door_list(
    *,
    session: Session,
    since: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> DoorList:
    """The attendees a door device needs (confirmed and cancelled tickets, so a cancelled
    one is refused offline too), only those changed since ``since`` when given, plus the
    flags staff must look at and the live counts."""
    now = now or timezone.now()
    registrations = (
        Registration.objects.filter(
            session=session,
            status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED],
        )
        .exclude(status=RegistrationStatus.CANCELLED, confirmed_at__isnull=True)
        .select_related("ticket_type", "checked_in_by", "checked_out_by")
        .order_by("attendee_name", "pk")
    )
    if since is not None:
        registrations = registrations.filter(
            Q(door_changed_at__gte=since)
            | Q(cancelled_at__gte=since)
            | Q(confirmed_at__gte=since)
            | Q(created_at__gte=since)
        )
    flags = [
        {
            "id": str(action.client_id),
            "registration": action.registration_id,
            "message": action.message,
            "staff": action.staff.get_full_name() if action.staff else "",
        }
        for action in DoorAction.objects.filter(
            session=session, outcome=DoorActionOutcome.FLAGGED
        ).select_related("staff")
    ]
    return DoorList(
        attendees=[_door_row(registration, session) for registration in registrations],
        flags=flags,
        counts=session_check_in_counts(session=session),
        cursor=now - DOOR_CURSOR_OVERLAP,
        expires_at=session.ends_at + DOOR_LIST_KEEP_AFTER_END,
    )
