"""Staff view of memberships in the Wagtail admin (Bookings → Memberships): read-only,
because Stripe is the source of truth; changes go through Stripe (the dashboard or the
member's Customer Portal) and arrive here by webhook."""

from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import Membership


class MembershipPermissionPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(Membership, MembershipPermissionPolicy(Membership))


class MembershipViewSet(ModelViewSet):
    model = Membership
    name = "memberships"
    icon = "group"
    menu_label = "Memberships"
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
    list_export = [
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
    export_filename = "memberships"
    inspect_view_enabled = True
    inspect_view_fields = [
        "user",
        "plan",
        "status",
        "amount",
        "currency",
        "current_period_end",
        "cancel_at_period_end",
        "ended_at",
        "created_at",
        "synced_at",
        "stripe_customer_id",
        "stripe_subscription_id",
    ]
    copy_view_enabled = False
    form_fields = ["cancel_at_period_end"]  # never saved: the policy refuses every change

    def get_queryset(self, request):
        return Membership.objects.select_related("user")
