"""Admin building blocks shared by the Bookings menu: the read-only permission policy of
money records, the audited export listing, and the viewsets of records Stripe owns
(memberships, Stripe events). ``wagtail_hooks`` registers them with the orders and
registrations."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from courses import services as courses_services
from courses.admin_filters import LeanOptionsFilterSet
from courses.admin_search import SearchByTableMixin
from courses.exports import SafeExportIndexView
from courses.models import AuditAction

from .models import Membership, StripeEvent


class OrderPermissionPolicy(ModelPermissionPolicy):
    """Orders are created by buyers and Stripe, never typed in or deleted from the admin
    (that would break the money trail). Staff may view, flag and annotate."""

    def user_has_permission(self, user, action):
        if action in ("add", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class AuditedExportIndexView(SearchByTableMixin, SafeExportIndexView):
    """A list whose CSV/XLSX export (people's names, e-mails, payments) leaves an audit row."""

    base_filterset_class = LeanOptionsFilterSet

    def as_spreadsheet(self, queryset, spreadsheet_format):
        with transaction.atomic():
            courses_services.audit_record(
                actor=self.request.user,
                action=AuditAction.EXPORT,
                target=self.model,
                details={
                    "format": spreadsheet_format,
                    "rows": queryset.count(),
                    "query": self.request.GET.urlencode(),
                },
            )
        return super().as_spreadsheet(queryset, spreadsheet_format)


class MembershipIndexView(AuditedExportIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user")


class MembershipPermissionPolicy(OrderPermissionPolicy):
    """Memberships are not edited here either: Stripe is the source of truth (its dashboard
    or the member's Customer Portal), and changes arrive by webhook."""

    def user_has_permission(self, user, action):
        return action != "change" and super().user_has_permission(user, action)


register_permission_policy(Membership, MembershipPermissionPolicy(Membership))

MEMBERSHIP_FIELDS = [
    "user",
    "plan",
    "status",
    "amount",
    "currency",
    "current_period_end",
    "cancel_at_period_end",
    "ended_at",
    "created_at",
    "stripe_customer_id",
    "stripe_subscription_id",
]


class MembershipViewSet(ModelViewSet):
    """Bookings → Memberships: read-only list, filters, search, export and inspect."""

    model = Membership
    index_view_class = MembershipIndexView
    name = "memberships"
    icon = "group"
    menu_label = _("Memberships")
    list_display = [
        "user",
        "plan",
        "status",
        "price_display",
        "current_period_end",
        "cancel_at_period_end",
        "created_at",
    ]
    list_filter = ["status", "plan", "cancel_at_period_end", "created_at"]
    search_fields = [
        "user__email",
        "user__full_name",
        "stripe_subscription_id",
        "stripe_customer_id",
    ]
    search_backend_name = None
    list_export = MEMBERSHIP_FIELDS
    export_filename = "memberships"
    inspect_view_enabled = True
    inspect_view_fields = [*MEMBERSHIP_FIELDS, "synced_at"]
    copy_view_enabled = False
    form_fields = ["cancel_at_period_end"]  # never saved: the policy refuses every change


class StripeEventPermissionPolicy(ModelPermissionPolicy):
    """Stripe's events are a record, never edited: whoever may see orders may read them
    (to find one that failed and why; the outbox keeps retrying it)."""

    def user_has_permission(self, user, action):
        return action == "view" and user.is_active and user.has_perm("payments.view_order")

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(StripeEvent, StripeEventPermissionPolicy(StripeEvent))


class StripeEventViewSet(ModelViewSet):
    """Bookings → Stripe events: every verified webhook event; failed ones keep their
    error until a retry succeeds."""

    model = StripeEvent
    name = "stripe-events"
    icon = "warning"
    menu_label = _("Stripe events")
    list_display = ["event_id", "type", "received_at", "processed_at", "error"]
    list_filter = ["type", "processed_at", "received_at"]
    search_fields = ["event_id", "type", "error"]
    search_backend_name = None
    inspect_view_enabled = True
    inspect_view_fields = ["event_id", "type", "received_at", "processed_at", "order", "error"]
    copy_view_enabled = False
    form_fields = ["error"]  # never saved: the policy allows viewing only
