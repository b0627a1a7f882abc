"""Privacy requests: delete an account after a cooling-off period, keeping only what law
makes us keep (payment records, CE certificates), with an audit row for each erasure."""

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession

from courses.models import AuditAction, LessonProgress
from courses.services.audit import audit_record

from ..models import RETENTION_REASON, DeletionRequest, DeletionStatus, User


class DeletionAlreadyRequested(Exception):
    """The person already has a deletion waiting; nothing new was written."""


def account_deletion_request(
    *, user: User, now: datetime.datetime | None = None
) -> DeletionRequest:
    """Schedule the account's erasure after the cooling-off period; the person can still
    sign in and cancel until then."""
    now = now or timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        if DeletionRequest.objects.filter(user=user, status=DeletionStatus.PENDING).exists():
            raise DeletionAlreadyRequested(
                gettext("Your account is already scheduled for deletion.")
            )
        return DeletionRequest.objects.create(
            user=user,
            email=user.email,
            requested_at=now,
            due_at=now + datetime.timedelta(days=settings.ACCOUNT_DELETION_COOLING_OFF_DAYS),
        )


def account_deletion_cancel(*, user: User) -> bool:
    """The person changed their mind within the cooling-off period."""
    return bool(
        DeletionRequest.objects.filter(user=user, status=DeletionStatus.PENDING).update(
            status=DeletionStatus.CANCELLED
        )
    )


def account_erase(
    *, deletion_id: int, actor: Any = None, now: datetime.datetime | None = None
) -> DeletionRequest:
    """Erase the person's data and close the account. Orders, payments, refunds,
    registrations that were paid for and CE certificates stay (``RETENTION_REASON``); the
    login, profile, e-mail addresses, second factors, sessions and lesson progress go. Idempotent: a request already carried out is returned unchanged."""
    now = now or timezone.now()
    with transaction.atomic():
        deletion = DeletionRequest.objects.select_for_update().get(pk=deletion_id)
        if deletion.status != DeletionStatus.PENDING:
            return deletion
        user = User.objects.select_for_update().get(pk=deletion.user_id)
        user.email = f"deleted-user-{user.pk}@deleted.invalid"
        user.full_name = user.first_name = user.last_name = ""
        user.licence_number = user.licence_state = user.phone = ""
        user.is_active = user.is_staff = user.is_superuser = False
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        for session in UserSession.objects.filter(user=user):
            session.end()
        LessonProgress.objects.filter(user=user).delete()
        deletion.status = DeletionStatus.COMPLETED
        deletion.completed_at = now
        with translation.override(settings.LANGUAGE_CODE):  # the record stays in English
            deletion.retention_reason = str(RETENTION_REASON)
        deletion.save(update_fields=["status", "completed_at", "retention_reason"])
        audit_record(
            actor=actor,
            action=AuditAction.ERASURE,
            target=user,
            details={
                "deletion_request": deletion.pk,
                "requested_at": deletion.requested_at.isoformat(),
            },
        )
    return deletion


def account_deletions_process_due(*, now: datetime.datetime | None = None) -> int:
    """Beat: carry out every deletion whose cooling-off period has ended."""
    now = now or timezone.now()
    due = DeletionRequest.objects.filter(status=DeletionStatus.PENDING, due_at__lte=now)
    done = 0
    for deletion_id in list(due.values_list("pk", flat=True)):
        account_erase(deletion_id=deletion_id, now=now)
        done += 1
    return done
