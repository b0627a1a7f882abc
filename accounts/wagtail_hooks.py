"""Admin for accounts: the audit log (read-only, for admins) and privacy requests."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from courses.models import AuditEntry

from .admin_views import ERASE_PERMISSION, DeletionEraseView
from .models import DeletionRequest, DeletionStatus


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
    menu_label = _("Audit log")
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


class DeletionRequestPermissionPolicy(AuditLogPermissionPolicy):
    """Requests come from the people themselves; staff only read them and erase."""


register_permission_policy(DeletionRequest, DeletionRequestPermissionPolicy(DeletionRequest))


class DeletionRequestIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.status == DeletionStatus.PENDING and self.request.user.has_perm(
            ERASE_PERMISSION
        ):
            url = reverse("accounts_deletion_erase", args=[instance.pk])
            buttons.append(MenuItem(_("Erase now"), url=url, icon_name="bin", priority=40))
        return buttons


class DeletionRequestViewSet(ModelViewSet):
    """Settings → Privacy requests: who asked to be deleted, when it is due or was done,
    and what was kept and why."""

    model = DeletionRequest
    index_view_class = DeletionRequestIndexView
    name = "privacy-requests"
    icon = "user"
    menu_label = _("Privacy requests")
    add_to_settings_menu = True
    list_display = ["email", "status", "requested_at", "due_at", "completed_at"]
    list_filter = ["status"]
    search_fields = ["email"]
    search_backend_name = None
    inspect_view_enabled = True
    inspect_view_fields = [
        "email",
        "status",
        "requested_at",
        "due_at",
        "completed_at",
        "retention_reason",
    ]
    form_fields = ["status"]  # never saved: the policy refuses every change


@hooks.register("register_admin_viewset")
def register_privacy_requests_viewset():
    return DeletionRequestViewSet()


@hooks.register("register_admin_urls")
def register_privacy_action_urls():
    return [
        path(
            "privacy-requests/<int:deletion_id>/erase/",
            DeletionEraseView.as_view(),
            name="accounts_deletion_erase",
        )
    ]
