"""Staff views in the Wagtail admin: orders and registrations (filters, search, CSV/XLSX
export, order detail with Stripe ids and event history), the Bookings menu (memberships
and Stripe events: ``viewsets``), staff actions' URLs (``admin_views``, ``phone_admin``)
and a dashboard panel."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus import MenuItem as ActionMenuItem
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permissions import register_permission_policy

from courses.admin_filters import session_filter_options, ticket_type_filter_options
from courses.formatting import money_amount
from courses.models import Masterclass, Registration, RegistrationStatus, Session

from . import admin_views, phone_admin, report_views, selectors
from .admin_display import disputes_display, refunds_display
from .admin_panels import BookingsPanel
from .models import Order, OrderStatus
from .reports.definitions import REPORTS
from .viewsets import (
    AuditedExportIndexView,
    MembershipViewSet,
    OrderPermissionPolicy,
    StripeEventViewSet,
)

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
            buttons.append(HeaderButton(_("Refund"), url=url, icon_name="rotate"))
        if self.object.is_phone_booking and self.request.user.has_perm(
            phone_admin.PHONE_BOOKING_PERMISSION
        ):
            url = phone_admin.phone_order_url(self.object)
            buttons.append(HeaderButton(_("Phone booking"), url=url, icon_name="mail"))
        return buttons

    def get_refunds_display_value(self):
        return refunds_display(self.object)

    def get_disputes_display_value(self):
        return disputes_display(self.object)

    def get_taken_by_display_value(self):
        taken_by = self.object.taken_by
        return f"{taken_by.get_full_name()} <{taken_by.email}>" if taken_by else _("Online")

    def get_total_amount_display_value(self):
        return money_amount(self.object.total_amount, self.object.currency)

    def get_amount_refunded_display_value(self):
        return money_amount(self.object.amount_refunded, self.object.currency)


class OrderIndexView(AuditedExportIndexView):
    export_labels = {
        "session": session_filter_options,
        "masterclass": Masterclass.objects.all,
        "taken_by": get_user_model().objects.all,
    }

    def get_base_queryset(self):
        if self.is_export:
            return super().get_base_queryset()  # related rows come as labels
        # What the columns read (item), fetched with the rows.
        return (
            super()
            .get_base_queryset()
            .select_related("session__workshop", "session__venue", "masterclass", "taken_by")
        )

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if url := _order_refund_url(instance, self.request.user):
            buttons.append(ActionMenuItem(_("Refund"), url=url, icon_name="rotate", priority=40))
        return buttons


class RegistrationInspectView(generic.InspectView):
    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if url := _registration_cancel_url(self.object, self.request.user):
            buttons.append(HeaderButton(_("Cancel / refund"), url=url, icon_name="cross"))
        return buttons


class RegistrationIndexView(AuditedExportIndexView):
    export_headings = {
        "payment_method_label": _("Payment method"),
        "payment_reference": _("Payment reference"),
    }

    export_labels = {"session": session_filter_options, "ticket_type": ticket_type_filter_options}

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        if self.is_export:
            # Only the export shows how a seat was paid: the list (and its count) skips
            # the joins to the order. Sessions and tickets come as labels.
            return queryset.annotate(**selectors.registration_payment_columns())
        return queryset.select_related(
            "session__workshop",
            "session__venue",
            "ticket_type__session__workshop",
            "ticket_type__session__venue",
        )

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if url := _registration_cancel_url(instance, self.request.user):
            buttons.append(
                ActionMenuItem(_("Cancel / refund"), url=url, icon_name="cross", priority=40)
            )
        return buttons


@hooks.register("workshop_session_actions")
def session_staff_actions(session: Session, user) -> list[ActionMenuItem]:
    if session.is_cancelled or session.ends_at <= timezone.now():
        return []
    items = []
    if user.has_perm(admin_views.CHECK_IN_PERMISSION):
        url = reverse("payments_session_complimentary", args=[session.pk])
        items.append(
            ActionMenuItem(
                _("Add complimentary registration"), url=url, icon_name="plus", priority=50
            )
        )
    if user.has_perm(admin_views.REFUND_PERMISSION):
        url = reverse("payments_session_cancel", args=[session.pk])
        items.append(
            ActionMenuItem(_("Cancel this session"), url=url, icon_name="cross", priority=60)
        )
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
    # Nothing links to a booking from content, and its rows are written in the checkout's
    # seat-lock transaction: no reference-index rows (two queries and a savepoint a save).
    add_to_reference_index = False
    model = Order
    index_view_class = OrderIndexView
    inspect_view_class = OrderInspectView
    name = "orders"
    icon = "doc-full-inverse"
    menu_label = _("Orders")
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
        "payment_method",
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
        "payment_method",
        "payment_reference",
        "taken_by",
        "buyer_phone",
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
        "buyer_phone",
        "taken_by",
        "payment_method",
        "payment_reference",
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


class RegistrationViewSet(ModelViewSet):
    # Nothing links to a booking from content, and its rows are written in the checkout's
    # seat-lock transaction: no reference-index rows (two queries and a savepoint a save).
    add_to_reference_index = False
    model = Registration
    index_view_class = RegistrationIndexView
    inspect_view_class = RegistrationInspectView
    name = "order_registrations"
    icon = "group"
    menu_label = _("Registrations")
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
        "payment_method_label",
        "payment_reference",
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


class CheckoutViewSetGroup(ModelViewSetGroup):
    menu_label = _("Bookings")
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


# --- The owner's reports (views in report_views.py) ----------------------------------------


class ReportMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return report_views.user_can_see_reports(request.user)


# Wagtail's own "Reports" menu (locked pages, site history...) gains the business
# reports; each item shows only to people with payments.view_reports.
@hooks.register("register_reports_menu_item")
def register_business_overview_menu_item():
    return ReportMenuItem(
        _("Business overview"), reverse("payments_reports"), icon_name="table", order=10
    )


def _report_menu_item(slug: str, order: int):
    def item():
        report = REPORTS[slug]
        return ReportMenuItem(
            report.title, reverse("payments_report", args=[slug]), icon_name="table", order=order
        )

    return item


for _order, _slug in enumerate(REPORTS, start=2):
    hooks.register("register_reports_menu_item", _report_menu_item(_slug, _order * 10))


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path("reports/", report_views.ReportIndexView.as_view(), name="payments_reports"),
        path("reports/<slug:slug>/", report_views.ReportView.as_view(), name="payments_report"),
        path(
            "reports/<slug:slug>/csv/",
            report_views.ReportView.as_view(as_csv=True),
            name="payments_report_csv",
        ),
    ]
