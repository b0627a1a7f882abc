"""The audit log of staff actions on money and personal data (one writer)."""

from typing import Any

from django.db import models, transaction

from courses.models import AuditAction, AuditEntry


def audit_record(
    *,
    actor: Any,
    action: AuditAction | str,
    target: models.Model | type[models.Model],
    details: dict | None = None,
) -> AuditEntry:
    """Append one audit row for ``actor`` doing ``action`` to ``target``.

    Call it inside the transaction that makes the change, so the row exists exactly when
    the change does (a rolled-back refund leaves no trace, a committed one always does).
    ``actor`` is the signed-in person; None for the system (a scheduled job). ``target``
    is the object acted on, or a model class for an action on a whole list (an export)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the action's transaction.")
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor_user,
        actor_label=actor_user.get_username() if actor_user is not None else "system",
        action=action,
        target_type=target._meta.label,
        target_id="" if isinstance(target, type) else str(target.pk),
        target_label=(
            str(target._meta.verbose_name_plural) if isinstance(target, type) else str(target)
        )[:255],
        details=details or {},
    )
