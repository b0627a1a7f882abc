"""Admin for accounts: the audit log (read-only, for admins)."""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from courses.models import AuditEntry


class AuditLogPermissionPolicy(ModelPermissionPolicy):
    """The audit log only grows: nobody adds, edits or deletes rows from the admin."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(AuditEntry, AuditLogPermissionPolicy(AuditEntry))


AUDIT_FIELDS = [
    "created_at",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "details",
]


class AuditLogViewSet(ModelViewSet):
    """Settings → Audit log: who did what to money or personal data, and when."""

    model = AuditEntry
    name = "audit-log"
    icon = "history"
    menu_label = "Audit log"
    add_to_settings_menu = True
    list_display = ["created_at", "actor_label", "action", "target_label", "target_type"]
    list_filter = ["action", "created_at"]
    search_fields = ["actor_label", "target_label", "target_id"]
    search_backend_name = None
    list_export = AUDIT_FIELDS
    export_filename = "audit-log"
    inspect_view_enabled = True
    inspect_view_fields = AUDIT_FIELDS
    form_fields = ["action"]  # never saved: the policy refuses every change


@hooks.register("register_admin_viewset")
def register_audit_log_viewset():
    return AuditLogViewSet()
