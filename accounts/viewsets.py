"""Wagtail's user and group admin, with every change of roles and every account deletion
written to the audit log in the transaction that makes it."""

from django.db import transaction

from wagtail.users.views import groups, users

from courses.models import AuditAction
from courses.services.audit import audit_record

from .services.roles import group_permissions_snapshot, roles_change_record, user_roles_snapshot


class UserCreateView(users.CreateView):
    def save_instance(self):
        instance = super().save_instance()
        roles_change_record(
            actor=self.request.user,
            target=instance,
            before={},
            after=user_roles_snapshot(user=instance),
        )
        return instance


class UserEditView(users.EditView):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Read before the form binds: a bound form already changes the instance's flags.
        self.roles_before = user_roles_snapshot(user=self.object)

    def save_instance(self):
        instance = super().save_instance()
        roles_change_record(
            actor=self.request.user,
            target=instance,
            before=self.roles_before,
            after=user_roles_snapshot(user=instance),
        )
        return instance


class UserDeleteView(users.DeleteView):
    def delete_action(self):
        # Recorded before the row goes (the entry keeps its id and name as text), and in the
        # same transaction: a failed deletion leaves no trace, a done one always does.
        with transaction.atomic():
            audit_record(
                actor=self.request.user,
                action=AuditAction.ERASURE,
                target=self.object,
                details={
                    "how": "deleted by staff in the admin",
                    "roles": user_roles_snapshot(user=self.object),
                },
            )
            super().delete_action()


class UserViewSet(users.UserViewSet):
    add_view_class = UserCreateView
    edit_view_class = UserEditView
    delete_view_class = UserDeleteView


class GroupEditView(groups.EditView):
    def process_form(self):
        # The group's permissions are saved after the group itself: one transaction for both
        # and the audit row.
        before = group_permissions_snapshot(group=self.object)
        with transaction.atomic():
            response = super().process_form()
            roles_change_record(
                actor=self.request.user,
                target=self.object,
                before=before,
                after=group_permissions_snapshot(group=self.object),
            )
        return response


class GroupViewSet(groups.GroupViewSet):
    edit_view_class = GroupEditView
