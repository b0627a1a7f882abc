"""Everything we hold about one person, for the "Your data" page and its JSON download."""

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext

from courses.models import AccessGrant, Certificate, LessonProgress, Registration
from payments.models import Membership, Order

from ..models import DeletionRequest, DeletionStatus


def _when(value) -> str | None:
    return value.isoformat() if value else None


def user_data_export(*, user: Any) -> dict:
    """Profile, orders, registrations (tickets), progress, certificates and memberships,
    as plain JSON-ready data, in the sections the page shows."""
    registrations = (
        Registration.objects.filter(buyer=user) | Registration.objects.filter(attendee_user=user)
    ).select_related("session__workshop", "ticket_type")
    return {
        "profile": {
            "email": user.email,
            "full_name": user.full_name,
            "licence_number": user.licence_number,
            "licence_state": user.licence_state,
            "phone": user.phone,
            "joined": _when(user.date_joined),
            "last_sign_in": _when(user.last_login),
        },
        "orders": [
            {
                "reference": str(order.reference),
                "what": str(order.session or order.masterclass or ""),
                "status": order.status,
                "total": order.total_amount,
                "refunded": order.amount_refunded,
                "currency": order.currency,
                "email": order.email,
                "created": _when(order.created_at),
            }
            for order in Order.objects.filter(buyer=user).select_related("session", "masterclass")
        ],
        "registrations": [
            {
                "ticket_code": registration.code,
                "session": str(registration.session),
                "ticket_type": registration.ticket_type.name,
                "attendee_name": registration.attendee_name,
                "attendee_email": registration.attendee_email,
                "licence_number": registration.licence_number,
                "status": registration.status,
                "checked_in": _when(registration.checked_in_at),
                "checked_out": _when(registration.checked_out_at),
            }
            for registration in registrations.distinct()
        ],
        "lesson_progress": [
            {
                "lesson": progress.lesson_key,
                "position_seconds": round(progress.position_seconds),
                "completed": _when(progress.completed_at),
            }
            for progress in LessonProgress.objects.filter(user=user)
        ],
        "certificates": [
            {
                "code": certificate.code,
                "participant": certificate.participant_name,
                "course": certificate.course_title,
                "ce_hours": str(certificate.ce_hours),
                "issued": _when(certificate.issued_at),
            }
            for certificate in Certificate.objects.filter(
                Q(registration__in=registrations) | Q(user=user, masterclass__isnull=False)
            )
        ],
        "memberships": [
            {
                "plan": membership.plan,
                "status": membership.status,
                "current_period_end": _when(membership.current_period_end),
                "ended": _when(membership.ended_at),
            }
            for membership in Membership.objects.filter(user=user)
        ],
        "access": [
            {
                "source": grant.source,
                "masterclass": str(grant.masterclass or gettext("All masterclasses")),
                "from": _when(grant.starts_at),
                "until": _when(grant.ends_at),
            }
            for grant in AccessGrant.objects.filter(user=user).select_related("masterclass")
        ],
    }


def user_pending_deletion(*, user: Any) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(user=user, status=DeletionStatus.PENDING).first()
