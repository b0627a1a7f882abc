"""Registration forms: step 1 chooses tickets (GET), step 2 names one attendee per seat."""

from decimal import Decimal

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from courses.formatting import money
from courses.forms import WalkInForm
from courses.models import TicketType

# One attendee form per seat: the most one order can name (AttendeeFormSet's max_num).
MAX_SEATS_PER_ORDER = 50


class QuantityRefused(ValueError):
    """A ``ticket_<id>`` value no order could book; the message is for the buyer."""


def parse_quantities(data, ticket_types: list[TicketType]) -> dict[int, int]:
    """``ticket_<id>=N`` pairs from a query string, bounded before anything is built from
    them: each at most its type's ``max_per_order``, all together at most
    ``MAX_SEATS_PER_ORDER``. Unknown ids are ignored; anything else that is not a small
    whole number raises ``QuantityRefused``. Seats left and sales windows are the seat
    service's to judge, under the session lock."""
    quantities = {}
    for ticket_type in ticket_types:
        raw = str(data.get(f"ticket_{ticket_type.pk}", "")).strip()
        if not raw:
            continue
        most = min(ticket_type.max_per_order, MAX_SEATS_PER_ORDER)
        if not (raw.isascii() and raw.isdigit()):
            raise QuantityRefused(
                gettext("Choose how many “%(name)s” tickets you want: a number from 0 to %(most)s.")
                % {"name": ticket_type.name, "most": most}
            )
        quantity = int(raw) if len(raw) <= 6 else most + 1  # 20 digits: just too many
        if quantity > most:
            raise QuantityRefused(
                ngettext(
                    "You can book at most %(count)s “%(name)s” ticket in one order.",
                    "You can book at most %(count)s “%(name)s” tickets in one order.",
                    most,
                )
                % {"count": most, "name": ticket_type.name}
            )
        if quantity > 0:
            quantities[ticket_type.pk] = quantity
    if sum(quantities.values()) > MAX_SEATS_PER_ORDER:
        raise QuantityRefused(
            gettext("One order can book at most %(count)s seats.") % {"count": MAX_SEATS_PER_ORDER}
        )
    return quantities


class AttendeeForm(forms.Form):
    ticket_type = forms.IntegerField(widget=forms.HiddenInput)
    attendee_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    attendee_email = forms.EmailField(
        label=_("E-mail"), help_text=_("The ticket is sent here."), widget=forms.EmailInput()
    )
    licence_number = forms.CharField(
        label=_("License number"),
        max_length=50,
        required=False,
        help_text=_("Printed on the CE certificate, e.g. CAMTC 12345."),
    )


# Django's templates for a plain <input>: each includes "django/forms/widgets/input.html".
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html" for name in ("input", "text", "email", "hidden", "number")
)


def _as_text(value) -> str:
    """``{{ value|stringformat:'s' }}``: escaped unless already safe."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)
    return text if isinstance(value, SafeData) else conditional_escape(text)


class InputRenderer(DjangoTemplates):
    """Renders plain ``<input>`` widgets (and a form of hidden inputs only) in Python,
    byte for byte as Django's ``input.html``, ``attrs.html`` and ``div.html`` do (two
    template includes per input were most of the attendees step's form cost); every
    other template goes to Django's renderer."""

    def render(self, template_name, context, request=None):
        if template_name == self.form_template_name and not (
            context["fields"] or context["errors"]
        ):
            # A form of hidden inputs only (the management form): they, one after another.
            return mark_safe("".join(str(field) for field in context["hidden_fields"]))
        if template_name not in _INPUT_TEMPLATES:
            return super().render(template_name, context, request)
        widget = context["widget"]
        html = ['<input type="', conditional_escape(widget["type"]), '" name="']
        html.append(conditional_escape(widget["name"]))
        html.append('"')
        if widget["value"] is not None:
            html += [' value="', _as_text(widget["value"]), '"']
        for name, value in widget["attrs"].items():
            if value is False:
                continue
            html += [" ", conditional_escape(name)]
            if value is not True:
                html += ['="', _as_text(value), '"']
        html.append(">")
        return mark_safe("".join(html))


class _AttendeeFormSet(forms.BaseFormSet):
    @cached_property
    def management_form(self):
        """As first shown (unbound), the four hidden inputs depend on the number of seats
        alone: rendered once per process per count (building and rendering the form each
        time was a tenth of the step's render). Bound, Django's form, which validates."""
        if self.is_bound:
            return super().management_form
        counts = (self.total_form_count(), self.initial_form_count(), self.min_num, self.max_num)
        key = (self.prefix, self.auto_id, *counts)
        html = _management_forms.get(key)
        if html is None:
            html = _management_forms[key] = mark_safe(str(super().management_form))
        return html


# (prefix, auto_id, total, initial, min, max) -> HTML: a few per number of seats.
_management_forms: dict[tuple, str] = {}


AttendeeFormSet = forms.formset_factory(
    AttendeeForm,
    formset=_AttendeeFormSet,
    renderer=InputRenderer(),
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_SEATS_PER_ORDER,
    validate_max=True,
)


# --- Staff: refunds, cancellations, complimentary seats -------------------------------------


class MoneyField(forms.DecimalField):
    """An amount typed in major units ("120.50") and cleaned to minor units (12050)."""

    def __init__(self, *, currency: str = "usd", **kwargs) -> None:
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"step": "0.01", "inputmode": "decimal"})
        self.currency = currency

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{Decimal(value) / 100:.2f}"
        return super().prepare_value(value)

    def clean(self, value):
        cleaned = super().clean(value)
        return None if cleaned is None else int(cleaned * 100)


REASON_HELP = _("Required. Kept with the refund and quoted in the e-mail to the attendee or buyer.")


class OrderRefundForm(forms.Form):
    amount = MoneyField(label=_("Amount to refund"), min_value=Decimal("0.01"))
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text=REASON_HELP,
    )
    # One key per opened form: submitting it twice makes one refund.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class RegistrationCancelForm(forms.Form):
    refund_amount = MoneyField(
        label=_("Refund for this seat"),
        help_text=_(
            "Prefilled from the workshop's refund policy; change it if needed (0 for none)."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text=REASON_HELP,
    )


class SessionCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Message to everyone"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        help_text=_("Required. Why the session is canceled; every attendee and buyer receives it."),
    )
    confirm = forms.BooleanField(
        label=_("Yes, cancel the session, every registration, and refund every paid order in full")
    )


class ComplimentaryForm(WalkInForm):
    """The check-in walk-in form, for a free seat given from the admin."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["payment"]
        self.fields["attendee_email"].help_text = _(
            "Their ticket (QR code and calendar file) is e-mailed here at once."
        )


# --- Staff: bookings taken by phone ---------------------------------------------------------

PHONE_ROWS_DEFAULT = 2
PHONE_ROWS_MAX = 20
PHONE_RE = r"^\+?[0-9 ().-]{7,30}$"


class PhoneBookingForm(forms.Form):
    """The caller and how they pay; the attendees come in ``PhoneAttendeeFormSet``."""

    buyer_email = forms.EmailField(
        label=_("Buyer's e-mail"),
        help_text=_(
            "The receipt (and the payment link) go here. An account with this e-mail is "
            "linked; otherwise one is opened and the buyer is invited to it."
        ),
    )
    buyer_name = forms.CharField(label=_("Buyer's name"), max_length=150, required=False)
    buyer_phone = forms.RegexField(
        label=_("Buyer's phone"),
        regex=PHONE_RE,
        max_length=30,
        error_messages={"invalid": _("Enter a phone number: digits, spaces, +, ( ), - or dots.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    payment_method = forms.ChoiceField(
        label=_("Payment"),
        choices=[
            ("online", _("E-mail a payment link (card; the seats are held for 24 hours)")),
            ("cash", _("Paid in cash")),
            ("check", _("Paid by check")),
            ("bank_transfer", _("Paid by bank transfer")),
            ("complimentary", _("Complimentary (no charge)")),
        ],
        widget=forms.RadioSelect,
        initial="online",
    )
    payment_reference = forms.CharField(
        label=_("Payment reference"),
        max_length=100,
        required=False,
        help_text=_(
            "Check number or bank transfer reference (required for those); a receipt "
            "number for cash if you have one."
        ),
    )


class PhoneAttendeeForm(forms.Form):
    ticket_type = forms.ModelChoiceField(
        label=_("Ticket"), queryset=TicketType.objects.none(), empty_label=None
    )
    attendee_name = forms.CharField(label=_("Full name"), max_length=150)
    attendee_email = forms.EmailField(label=_("E-mail"), help_text=_("The ticket is sent here."))
    licence_number = forms.CharField(label=_("License number"), max_length=50, required=False)

    def __init__(self, *args, ticket_types=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["ticket_type"]
        field.queryset = ticket_types if ticket_types is not None else TicketType.objects.none()
        field.label_from_instance = lambda t: f"{t.name} — {money(t.price_amount, t.currency)}"
        # An untouched extra row (default ticket, nothing typed) counts as empty: skipped.
        field.initial = field.queryset.first()


def phone_attendee_formset(rows: int = PHONE_ROWS_DEFAULT):
    """Attendee rows for a phone booking: ``rows`` shown, at least one filled in; rows left
    untouched are skipped."""
    rows = min(max(rows, 1), PHONE_ROWS_MAX)
    return forms.formset_factory(
        PhoneAttendeeForm,
        extra=rows - 1,
        min_num=1,
        validate_min=True,
        max_num=PHONE_ROWS_MAX,
        validate_max=True,
        absolute_max=PHONE_ROWS_MAX,
    )


class PhonePaymentForm(forms.Form):
    """Record how a phone booking awaiting its link was paid after all."""

    payment_method = forms.ChoiceField(
        label=_("Paid by"),
        choices=[
            ("cash", _("Cash")),
            ("check", _("Check")),
            ("bank_transfer", _("Bank transfer")),
        ],
        widget=forms.RadioSelect,
    )
    payment_reference = forms.CharField(
        label=_("Payment reference"),
        max_length=100,
        required=False,
        help_text=_("Check number or bank transfer reference (required for those)."),
    )
