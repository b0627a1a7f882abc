"""Complimentary registrations: a free seat given by staff, e-mailed to the attendee."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from courses import services as courses_services
from courses.models import Registration, Session

from ..errors import CancellationRefused
from ..models import NoticeKind
from .notices import notice_claim


def registration_create_complimentary(
    *,
    session: Session,
    ticket_type_id: int,
    attendee_name: str,
    attendee_email: str,
    licence_number: str = "",
    override_capacity: bool = False,
) -> Registration:
    """Staff give a free seat: the walk-in service (same lock, same capacity rule), not
    checked in, and the attendee is e-mailed their ticket."""
    ticket_type = session.ticket_types.filter(pk=ticket_type_id).first()
    if ticket_type is None:
        raise CancellationRefused(gettext("Choose one of this session's ticket types."))
    if session.is_cancelled or session.ends_at <= timezone.now():
        raise CancellationRefused(
            gettext("This session is canceled or over: no seats can be added.")
        )
    with transaction.atomic():
        registration = courses_services.registration_create_walk_in(
            session=session,
            ticket_type=ticket_type,
            attendee_name=attendee_name,
            attendee_email=attendee_email,
            licence_number=licence_number,
            complimentary=True,
            override_capacity=override_capacity,
            check_in=False,
        )
        notice_claim(
            key=f"complimentary-ticket:{registration.pk}",
            kind=NoticeKind.COMPLIMENTARY_TICKET,
            to=registration.attendee_email,
            registration=registration,
            session=session,
        )
    return registration
