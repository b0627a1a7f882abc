"""Staff pages for bookings taken by phone, in the Wagtail admin: "Take a phone booking"
on a session (the caller, attendees and how they pay), and a booking's own page (its
payment link with its expiry, resend, record an offline payment). Thin: forms collect,
``services.phone_*`` decide, every refusal is shown on the form and changes nothing."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from courses import selectors as courses_selectors
from courses.errors import CoursesError
from courses.formatting import local_datetime
from courses.links import absolute_url
from courses.models import Session
from courses.services import SeatRequest

from . import services
from .errors import PaymentsError
from .forms import (
    PHONE_ROWS_DEFAULT,
    PHONE_ROWS_MAX,
    PhoneBookingForm,
    PhonePaymentForm,
    phone_attendee_formset,
)
from .models import Order, OrderStatus, PaymentMethod
from .ticket_links import order_link_path

PHONE_BOOKING_PERMISSION = "payments.take_phone_booking"


def phone_order_url(order: Order) -> str:
    return reverse("payments_phone_order", args=[order.pk])


class PhoneStaffView(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PHONE_BOOKING_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _send_link(request, order: Order) -> bool:
    """E-mail the payment link; the outcome is a message for staff. True when sent."""
    absolute = absolute_url
    try:
        order = services.phone_order_link_send(
            order_id=order.pk,
            sent_by=request.user,
            success_url=absolute(
                order_link_path(reference=order.reference, name="payments:checkout_return")
            )
            + "&session_id={CHECKOUT_SESSION_ID}",
            cancel_url=absolute(order_link_path(reference=order.reference)),
        )
    except PaymentsError as error:
        messages.error(
            request, gettext("The payment link was not sent: %(error)s") % {"error": error}
        )
        return False
    messages.success(
        request,
        gettext("Payment link e-mailed to %(email)s. The seats are held until %(until)s.")
        % {"email": order.email, "until": _expiry(order)},
    )
    return True


def _expiry(order: Order) -> str:
    return local_datetime(order.hold_expires_at, order.session.tz if order.session else None)


class PhoneBookingView(PhoneStaffView):
    """Take a phone booking for one session."""

    template_name = "payments/admin/phone_booking.html"
    page_title = _("Take a phone booking")

    def dispatch(self, request, *args, **kwargs):
        self.session = get_object_or_404(
            Session.objects.select_related("workshop", "venue"), pk=kwargs["session_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.session)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("workshop_sessions:index"), "label": _("Dates & tickets")},
            {
                "url": reverse("workshop_sessions:edit", args=[self.session.pk]),
                "label": str(self.session),
            },
            {"url": "", "label": _("Phone booking")},
        ]

    def _rows(self) -> int:
        raw = self.request.GET.get("rows", "")
        rows = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else 0
        return min(max(rows, PHONE_ROWS_DEFAULT), PHONE_ROWS_MAX)

    def _formset(self, data=None):
        ticket_types = self.session.ticket_types.order_by("price_amount", "pk")
        formset_class = phone_attendee_formset(self._rows())
        return formset_class(data, prefix="seats", form_kwargs={"ticket_types": ticket_types})

    def get(self, request, *args, **kwargs):
        return self.render(PhoneBookingForm(), self._formset())

    def post(self, request, *args, **kwargs):
        form, formset = PhoneBookingForm(request.POST), self._formset(request.POST)
        if not (form.is_valid() and formset.is_valid()):
            return self.render(form, formset, status=400)
        data = form.cleaned_data
        seats = [
            SeatRequest(
                ticket_type_id=row["ticket_type"].pk,
                attendee_name=row["attendee_name"],
                attendee_email=row["attendee_email"],
                licence_number=row["licence_number"],
            )
            for row in formset.cleaned_data
            if row
        ]
        try:
            order = services.phone_order_create(
                taken_by=request.user,
                session_id=self.session.pk,
                buyer_email=data["buyer_email"],
                buyer_name=data["buyer_name"],
                buyer_phone=data["buyer_phone"],
                requests=seats,
                payment_method=data["payment_method"],
                payment_reference=data["payment_reference"],
            )
        except (CoursesError, PaymentsError) as error:
            form.add_error(None, str(error))
            return self.render(form, formset, status=400)
        if order.status == OrderStatus.PENDING:
            _send_link(request, order)
        else:
            messages.success(
                request,
                gettext(
                    "Booked: order %(number)s, %(method)s. "
                    "The receipt goes to %(email)s and each attendee gets their ticket."
                )
                % {
                    "number": order.number,
                    "method": order.get_payment_method_display().lower(),
                    "email": order.email,
                },
            )
        return redirect(phone_order_url(order))

    def render(self, form, formset, status: int = 200):
        context = self.get_context_data(
            form=form,
            formset=formset,
            session=self.session,
            seats_left=courses_selectors.session_seats_available(session=self.session),
            more_rows_url=f"?rows={min(self._rows() + 2, PHONE_ROWS_MAX)}",
            can_add_rows=self._rows() < PHONE_ROWS_MAX,
        )
        return self.render_to_response(context, status=status)


class PhoneOrderView(PhoneStaffView):
    """One phone booking: who took it, how it is paid; its payment link (expiry, resend);
    record an offline payment while it waits."""

    template_name = "payments/admin/phone_order.html"

    def dispatch(self, request, *args, **kwargs):
        self.order = get_object_or_404(
            Order.objects.select_related(
                "session__workshop", "session__venue", "taken_by", "buyer"
            ).filter(taken_by__isnull=False),
            pk=kwargs["order_id"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return gettext("Phone booking %(number)s") % {"number": self.order.number}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("orders:index"), "label": _("Orders")},
            {"url": reverse("orders:inspect", args=[self.order.pk]), "label": str(self.order)},
            {"url": "", "label": _("Phone booking")},
        ]

    def get(self, request, *args, **kwargs):
        return self.render(PhonePaymentForm())

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "send_link":
            _send_link(request, self.order)
            return redirect(phone_order_url(self.order))
        form = PhonePaymentForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            order = services.phone_order_record_payment(
                order_id=self.order.pk,
                recorded_by=request.user,
                payment_method=form.cleaned_data["payment_method"],
                payment_reference=form.cleaned_data["payment_reference"],
            )
        except PaymentsError as error:
            form.add_error(None, str(error))
            return self.render(form, status=400)
        messages.success(
            request,
            gettext(
                "Payment recorded (%(method)s): the receipt "
                "goes to %(email)s and each attendee gets their ticket."
            )
            % {"method": order.get_payment_method_display().lower(), "email": order.email},
        )
        return redirect(phone_order_url(order))

    def render(self, form, status: int = 200):
        order = self.order
        context = self.get_context_data(
            order=order,
            session=order.session,
            lines=order.lines.select_related("registration__ticket_type"),
            form=form,
            expiry=_expiry(order),
            awaiting_link=order.status == OrderStatus.PENDING
            and order.payment_method == PaymentMethod.ONLINE,
            hold_active=order.hold_is_active,
            now=timezone.now(),
        )
        return self.render_to_response(context, status=status)


@hooks.register("workshop_session_actions")
def session_phone_booking_action(session: Session, user) -> list[MenuItem]:
    if session.is_cancelled or session.ends_at <= timezone.now():
        return []
    if not user.has_perm(PHONE_BOOKING_PERMISSION):
        return []
    url = reverse("payments_session_phone_booking", args=[session.pk])
    return [MenuItem(_("Take a phone booking"), url=url, icon_name="mail", priority=45)]


@hooks.register("register_admin_urls")
def register_phone_booking_urls():
    return [
        path(
            "bookings/sessions/<int:session_id>/phone/",
            PhoneBookingView.as_view(),
            name="payments_session_phone_booking",
        ),
        path(
            "bookings/orders/<int:order_id>/phone/",
            PhoneOrderView.as_view(),
            name="payments_phone_order",
        ),
    ]
