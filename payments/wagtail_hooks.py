"""Staff views in the Wagtail admin: orders and registrations (filters, search, CSV/XLSX
export, order detail with Stripe ids and event history), memberships (read-only) and a
dashboard panel."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property

from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from courses import services as courses_services
from courses.exports import SafeExportIndexView
from courses.formatting import money_amount
from courses.models import AuditAction, Registration, RegistrationStatus, Session

from . import admin_views
from .admin_display import disputes_display, refunds_display
from .admin_panels import BookingsPanel
from .models import Membership, Order, OrderStatus, StripeEvent


class OrderPermissionPolicy(ModelPermissionPolicy):
    """Orders are created by buyers and Stripe, never typed in or deleted from the admin
    (that would break the money trail). Staff may view, flag and annotate."""

    def user_has_permission(self, user, action):
        if action in ("add", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(Order, OrderPermissionPolicy(Order))


# --- Staff refund and cancellation actions (views in admin_views.py) ------------------------


def _order_refund_url(order: Order, user) -> str:
    if not user.has_perm(admin_views.REFUND_PERMISSION) or order.status not in (
        OrderStatus.PAID,
        OrderStatus.PARTIALLY_REFUNDED,
    ):
        return ""
    return reverse("payments_order_refund", args=[order.pk])


def _registration_cancel_url(registration: Registration, user) -> str:
    if (
        not user.has_perm(admin_views.REFUND_PERMISSION)
        or registration.status != RegistrationStatus.CONFIRMED
    ):
        return ""
    return reverse("payments_registration_cancel", args=[registration.pk])


class OrderInspectView(generic.InspectView):
    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if url := _order_refund_url(self.object, self.request.user):
            buttons.append(HeaderButton("Refund", url=url, icon_name="rotate"))
        return buttons

    def get_refunds_display_value(self):
        return refunds_display(self.object)

    def get_disputes_display_value(self):
        return disputes_display(self.object)

    def get_total_amount_display_value(self):
        return money_amount(self.object.total_amount, self.object.currency)

    def get_amount_refunded_display_value(self):
        return money_amount(self.object.amount_refunded, self.object.currency)


class AuditedExportIndexView(SafeExportIndexView):
    """A list whose CSV/XLSX export (people's names, e-mails, payments) leaves an audit row."""

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


class OrderIndexView(AuditedExportIndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if url := _order_refund_url(instance, self.request.user):
            buttons.append(MenuItem("Refund", url=url, icon_name="rotate", priority=40))
        return buttons


class RegistrationInspectView(generic.InspectView):
    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if url := _registration_cancel_url(self.object, self.request.user):
            buttons.append(HeaderButton("Cancel / refund", url=url, icon_name="cross"))
        return buttons


class RegistrationIndexView(AuditedExportIndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if url := _registration_cancel_url(instance, self.request.user):
            buttons.append(MenuItem("Cancel / refund", url=url, icon_name="cross", priority=40))
        return buttons


@hooks.register("workshop_session_actions")
def session_staff_actions(session: Session, user) -> list[MenuItem]:
    if session.is_cancelled or session.ends_at <= timezone.now():
        return []
    items = []
    if user.has_perm(admin_views.CHECK_IN_PERMISSION):
        url = reverse("payments_session_complimentary", args=[session.pk])
        items.append(
            MenuItem("Add complimentary registration", url=url, icon_name="plus", priority=50)
        )
    if user.has_perm(admin_views.REFUND_PERMISSION):
        url = reverse("payments_session_cancel", args=[session.pk])
        items.append(MenuItem("Cancel this session", url=url, icon_name="cross", priority=60))
    return items


@hooks.register("register_admin_urls")
def register_staff_action_urls():
    return [
        path(
            "bookings/orders/<int:order_id>/refund/",
            admin_views.OrderRefundView.as_view(),
            name="payments_order_refund",
        ),
        path(
            "bookings/registrations/<int:registration_id>/cancel/",
            admin_views.RegistrationCancelView.as_view(),
            name="payments_registration_cancel",
        ),
        path(
            "bookings/sessions/<int:session_id>/cancel/",
            admin_views.SessionCancelView.as_view(),
            name="payments_session_cancel",
        ),
        path(
            "bookings/sessions/<int:session_id>/complimentary/",
            admin_views.ComplimentaryView.as_view(),
            name="payments_session_complimentary",
        ),
    ]


class OrderViewSet(ModelViewSet):
    model = Order
    index_view_class = OrderIndexView
    inspect_view_class = OrderInspectView
    name = "orders"
    icon = "doc-full-inverse"
    menu_label = "Orders"
    list_display = [
        "number",
        "email",
        "item_display",
        "status",
        "total_display",
        "needs_attention",
        "created_at",
    ]
    list_filter = [
        "status",
        "needs_attention",
        "session__workshop",
        "session",
        "masterclass",
        "created_at",
    ]
    search_fields = [
        "reference",
        "email",
        "buyer__full_name",
        "lines__registration__attendee_name",
        "lines__registration__attendee_email",
        "masterclass__title",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
    ]
    search_backend_name = None
    list_export = [
        "number",
        "email",
        "session",
        "masterclass",
        "status",
        "total_amount",
        "amount_refunded",
        "currency",
        "created_at",
        "paid_at",
        "late_payment",
        "needs_attention",
        "attention_note",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
    ]
    export_filename = "orders"
    form_fields = ["needs_attention", "attention_note"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "number",
        "status",
        "needs_attention",
        "attention_note",
        "disputes",
        "email",
        "buyer",
        "session",
        "masterclass",
        "total_amount",
        "amount_refunded",
        "currency",
        "hold_expires_at",
        "created_at",
        "paid_at",
        "late_payment",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
        "lines",
        "payments",
        "refunds",
        "events",
    ]
    copy_view_enabled = False

    def get_queryset(self, request):
        return Order.objects.select_related("session__workshop", "session__venue", "masterclass")


class RegistrationViewSet(ModelViewSet):
    model = Registration
    index_view_class = RegistrationIndexView
    inspect_view_class = RegistrationInspectView
    name = "order_registrations"
    icon = "group"
    menu_label = "Registrations"
    list_display = [
        "attendee_name",
        "attendee_email",
        "session",
        "ticket_type",
        "status",
        "created_at",
    ]
    list_filter = ["status", "session__workshop", "session", "ticket_type", "created_at"]
    search_fields = ["attendee_name", "attendee_email", "licence_number", "code", "reservation"]
    search_backend_name = None
    list_export = [
        "attendee_name",
        "attendee_email",
        "licence_number",
        "session",
        "ticket_type",
        "status",
        "price_amount",
        "currency",
        "created_at",
        "confirmed_at",
        "checked_in_at",
        "reservation",
    ]
    export_filename = "registrations"
    form_fields = ["attendee_name", "attendee_email", "licence_number"]
    inspect_view_enabled = True
    copy_view_enabled = False

    def get_index_view_kwargs(self, **kwargs):
        # Seats are taken through the seat services (locks, capacity), not typed in here.
        return super().get_index_view_kwargs(**kwargs) | {"add_url_name": None}

    @property
    def add_view(self):
        def refuse(request):
            raise PermissionDenied

        return refuse

    def get_queryset(self, request):
        return Registration.objects.select_related(
            "session__workshop", "session__venue", "ticket_type"
        )


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
    index_view_class = AuditedExportIndexView
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
    list_export = MEMBERSHIP_FIELDS
    export_filename = "memberships"
    inspect_view_enabled = True
    inspect_view_fields = [*MEMBERSHIP_FIELDS, "synced_at"]
    copy_view_enabled = False
    form_fields = ["cancel_at_period_end"]  # never saved: the policy refuses every change

    def get_queryset(self, request):
        return Membership.objects.select_related("user")


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
    menu_label = "Stripe events"
    list_display = ["event_id", "type", "received_at", "processed_at", "error"]
    list_filter = ["type", "processed_at", "received_at"]
    search_fields = ["event_id", "type", "error"]
    search_backend_name = None
    inspect_view_enabled = True
    inspect_view_fields = ["event_id", "type", "received_at", "processed_at", "order", "error"]
    copy_view_enabled = False
    form_fields = ["error"]  # never saved: the policy allows viewing only


class CheckoutViewSetGroup(ModelViewSetGroup):
    menu_label = "Bookings"
    menu_icon = "tick-inverse"
    menu_order = 250
    items = (OrderViewSet, RegistrationViewSet, MembershipViewSet, StripeEventViewSet)


@hooks.register("register_admin_viewset")
def register_checkout_viewsets():
    return CheckoutViewSetGroup()


@hooks.register("construct_homepage_panels")
def add_bookings_panel(request, panels):
    if request.user.has_perm("payments.view_order"):
        panels.append(BookingsPanel())
