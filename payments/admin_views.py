"""Staff actions in the Wagtail admin: refund an order, cancel (and refund) one
registration, cancel a whole session, give a complimentary seat. Thin: forms collect
input, ``services`` decide; every refusal is shown on the form and changes nothing."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from courses.errors import CoursesError
from courses.formatting import money_amount
from courses.models import Registration, Session

from . import selectors, services
from .errors import PaymentsError
from .forms import ComplimentaryForm, OrderRefundForm, RegistrationCancelForm, SessionCancelForm
from .models import Order

REFUND_PERMISSION = "payments.refund_order"
CHECK_IN_PERMISSION = "courses.check_in_attendees"


def order_inspect_url(order: Order) -> str:
    return reverse("orders:inspect", args=[order.pk])


def session_edit_url(session: Session) -> str:
    return reverse("workshop_sessions:edit", args=[session.pk])


class StaffActionView(WagtailAdminTemplateMixin, FormView):
    """A form page in the admin for one staff action, behind one permission."""

    permission = REFUND_PERMISSION
    header_icon = "doc-full-inverse"
    submit_label = _("Confirm")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        raise NotImplementedError

    def back_url(self) -> str:
        raise NotImplementedError

    def trail(self) -> list[dict]:
        """Breadcrumbs after the admin's home: where this action sits."""
        raise NotImplementedError

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, *self.trail()]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            object=self.object, back_url=self.back_url(), submit_label=self.submit_label, **kwargs
        )

    def refuse(self, form, error: Exception):
        form.add_error(None, str(error))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class OrderRefundView(StaffActionView):
    form_class = OrderRefundForm
    template_name = "payments/admin/order_refund.html"
    page_title = _("Refund order")
    submit_label = _("Refund")

    def get_object(self):
        return get_object_or_404(
            Order.objects.select_related("session__workshop", "session__venue"),
            pk=self.kwargs["order_id"],
        )

    def get_page_subtitle(self):
        return gettext("Order %(number)s") % {"number": self.object.number}

    def trail(self) -> list[dict]:
        return [
            {"url": reverse("orders:index"), "label": _("Orders")},
            {
                "url": order_inspect_url(self.object),
                "label": gettext("Order %(number)s") % {"number": self.object.number},
            },
            {"url": "", "label": _("Refund")},
        ]

    def back_url(self) -> str:
        return order_inspect_url(self.object)

    def get_initial(self):
        return {
            "amount": selectors.order_refundable_amount(order=self.object),
            "key": uuid.uuid4().hex,
        }

    def get_context_data(self, **kwargs):
        order = self.object
        paid = selectors.order_paid_amount(order=order)
        refundable = selectors.order_refundable_amount(order=order)
        return super().get_context_data(
            order=order,
            paid=paid,
            refundable=refundable,
            committed=paid - refundable,
            refunds=order.refunds.select_related("registration", "requested_by"),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            refund = services.order_refund_by_staff(
                order_id=self.object.pk,
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["reason"],
                requested_by=self.request.user,
                key=f"staff-order-refund-{form.cleaned_data['key']}",
            )
        except PaymentsError as error:
            return self.refuse(form, error)
        refund.refresh_from_db()
        messages.success(
            self.request,
            gettext("Refund of %(amount)s for order %(number)s: %(status)s.")
            % {
                "amount": money_amount(refund.amount, refund.currency),
                "number": self.object.number,
                "status": refund.display_status.lower(),
            },
        )
        return redirect(self.back_url())


class RegistrationCancelView(StaffActionView):
    form_class = RegistrationCancelForm
    template_name = "payments/admin/registration_cancel.html"
    page_title = _("Cancel registration")
    submit_label = _("Cancel registration")
    header_icon = "group"

    def get_object(self):
        return get_object_or_404(
            Registration.objects.select_related(
                "session__workshop", "session__venue", "ticket_type"
            ),
            pk=self.kwargs["registration_id"],
        )

    def get_page_subtitle(self):
        return self.object.attendee_name

    def trail(self) -> list[dict]:
        return [
            {"url": reverse("order_registrations:index"), "label": _("Registrations")},
            {
                "url": reverse("order_registrations:inspect", args=[self.object.pk]),
                "label": self.object.attendee_name,
            },
            {"url": "", "label": _("Cancel")},
        ]

    def back_url(self) -> str:
        return reverse("order_registrations:inspect", args=[self.object.pk])

    def quote(self):
        return selectors.registration_refund_quote(registration=self.object, by_staff=True)

    def get_initial(self):
        return {"refund_amount": self.quote().amount}

    def get_context_data(self, **kwargs):
        return super().get_context_data(registration=self.object, quote=self.quote(), **kwargs)

    def form_valid(self, form):
        try:
            result = services.registration_cancel_with_refund(
                registration_id=self.object.pk,
                requested_by=self.request.user,
                by_staff=True,
                refund_amount=form.cleaned_data["refund_amount"],
                note=form.cleaned_data["reason"],
            )
        except PaymentsError as error:
            return self.refuse(form, error)
        values = {"name": self.object.attendee_name}
        if result.refund is None:
            text = gettext("%(name)s's registration is canceled and the seat is free.")
        else:
            values["amount"] = money_amount(result.refund.amount, result.refund.currency)
            text = gettext(
                "%(name)s's registration is canceled and the seat is free. "
                "Refund of %(amount)s sent."
            )
        messages.success(self.request, text % values)
        return redirect(self.back_url())


class SessionActionView(StaffActionView):
    header_icon = "date"
    crumb = ""

    def get_object(self):
        return get_object_or_404(
            Session.objects.select_related("workshop", "venue"), pk=self.kwargs["session_id"]
        )

    def get_page_subtitle(self):
        return str(self.object)

    def trail(self) -> list[dict]:
        return [
            {"url": reverse("workshop_sessions:index"), "label": _("Dates & tickets")},
            {"url": session_edit_url(self.object), "label": str(self.object)},
            {"url": "", "label": self.crumb},
        ]

    def back_url(self) -> str:
        return session_edit_url(self.object)


class SessionCancelView(SessionActionView):
    form_class = SessionCancelForm
    template_name = "payments/admin/session_cancel.html"
    page_title = _("Cancel session")
    crumb = _("Cancel session")
    submit_label = _("Cancel session and refund everyone")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            session=self.object, plan=selectors.session_cancel_plan(session=self.object), **kwargs
        )

    def form_valid(self, form):
        try:
            result = services.session_cancel_with_refunds(
                session_id=self.object.pk,
                requested_by=self.request.user,
                note=form.cleaned_data["reason"],
            )
        except PaymentsError as error:
            return self.refuse(form, error)
        total = sum(refund.amount for refund in result.refunds)
        currency = result.refunds[0].currency if result.refunds else "usd"
        messages.success(
            self.request,
            gettext(
                "“%(session)s” is canceled: %(registrations)s, %(orders)s (%(amount)s), "
                "%(emails)s on their way."
            )
            % {
                "session": self.object,
                "registrations": ngettext(
                    "%(count)s registration canceled",
                    "%(count)s registrations canceled",
                    result.registrations,
                )
                % {"count": result.registrations},
                "orders": ngettext(
                    "%(count)s order refunded", "%(count)s orders refunded", len(result.refunds)
                )
                % {"count": len(result.refunds)},
                "amount": money_amount(total, currency),
                "emails": ngettext("%(count)s e-mail", "%(count)s e-mails", result.notices)
                % {"count": result.notices},
            },
        )
        return redirect(self.back_url())


class ComplimentaryView(SessionActionView):
    form_class = ComplimentaryForm
    template_name = "payments/admin/complimentary.html"
    page_title = _("Add a complimentary registration")
    crumb = _("Complimentary registration")
    submit_label = _("Add and e-mail the ticket")
    permission = CHECK_IN_PERMISSION

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"session": self.object}

    def get_context_data(self, **kwargs):
        from courses import selectors as courses_selectors

        return super().get_context_data(
            session=self.object,
            seats_left=courses_selectors.session_seats_available(session=self.object),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            registration = services.registration_create_complimentary(
                session=self.object,
                ticket_type_id=data["ticket_type"].pk,
                attendee_name=data["attendee_name"],
                attendee_email=data["attendee_email"],
                licence_number=data["licence_number"],
                override_capacity=data["override_capacity"],
            )
        except (CoursesError, PaymentsError) as error:
            return self.refuse(form, error)
        messages.success(
            self.request,
            gettext("%(name)s has a complimentary seat; their ticket is on its way to %(email)s.")
            % {"name": registration.attendee_name, "email": registration.attendee_email},
        )
        return redirect(self.back_url())
