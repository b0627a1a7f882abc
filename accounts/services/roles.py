"""Role changes (groups, permissions, staff/superuser flags) leave an audit row."""

from typing import Any

from django.contrib.auth.models import Group

from courses.models import AuditAction
from courses.services.audit import audit_record


def user_roles_snapshot(*, user: Any) -> dict:
    """What a user may do, as plain data to compare before and after an edit."""
    if user.pk is None:
        return {}
    return {
        "active": user.is_active,
        "staff": user.is_staff,
        "superuser": user.is_superuser,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(
            f"{app}.{codename}"
            for app, codename in user.user_permissions.values_list(
                "content_type__app_label", "codename"
            )
        ),
    }


def group_permissions_snapshot(*, group: Group) -> dict:
    if group.pk is None:
        return {}
    return {
        "name": group.name,
        "permissions": sorted(
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        ),
    }


def roles_change_record(*, actor: Any, target: Any, before: dict, after: dict) -> None:
    """Record a change of who may do what, if there was one. Call it in the transaction
    that saved the change."""
    if before != after:
        audit_record(
            actor=actor,
            action=AuditAction.ROLE_CHANGE,
            target=target,
            details={"before": before, "after": after},
        )
