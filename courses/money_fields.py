"""Prices as editors type them: dollars on screen, integer minor units in the database.

``MoneyAmountField`` is the model field for a price column; its form field,
``MoneyAmountFormField``, is the one place that converts ``349`` / ``349.00`` typed by an
editor into ``34900`` stored (and back for display). An amount that is almost certainly a
slip of units (``199`` meant as cents, ``34900`` meant as dollars) is not saved until the
editor confirms it: the warning comes with an "I confirm this unusual price" box beside
the price. Negative amounts, fractions of a cent and amounts the column cannot hold are
refused outright.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .formatting import CURRENCY_SYMBOLS, DEFAULT_CURRENCY, currency_minor_digits, money_amount

# Outside these bounds a price is a typo far more often than a real price: a CE workshop
# or masterclass rarely costs under $5 or over $10,000, so such an amount needs the
# editor's confirmation. 0 (free) is always fine.
PLAUSIBLE_MIN_MINOR = 500
PLAUSIBLE_MAX_MINOR = 1_000_000
# The column is a PostgreSQL integer: past this it could not be stored at all.
LARGEST_MINOR = 2_147_483_647
CONFIRM_SUFFIX = "_confirm"


def amount_is_unusual(minor: int) -> bool:
    return 0 < minor < PLAUSIBLE_MIN_MINOR or minor > PLAUSIBLE_MAX_MINOR


class MoneyInput(forms.TextInput):
    """A text box with the currency shown before it, numeric keyboard on phones.

    Its value is ``(text, confirmed)``: beside an unusual amount it also shows the
    "I confirm this unusual price" box, whose answer travels as ``<name>_confirm``."""

    def __init__(self, currency: str = DEFAULT_CURRENCY, attrs=None):
        self.currency = currency
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def value_from_datadict(self, data, files, name):
        return (data.get(name), bool(data.get(name + CONFIRM_SUFFIX)))

    def render(self, name, value, attrs=None, renderer=None):
        text, confirmed = value if isinstance(value, tuple) else (value, False)
        code = self.currency.lower()
        html = format_html(
            '<span class="money-input" style="display:flex;align-items:center;gap:.4em">'
            '<span aria-hidden="true">{}</span>{}<span>{}</span></span>',
            CURRENCY_SYMBOLS.get(code, ""),
            super().render(name, text, attrs, renderer),
            code.upper(),
        )
        minor = _minor_units(text, self.currency)
        if minor is None or not amount_is_unusual(minor):
            return html
        return html + format_html(
            '<label class="money-input__confirm" style="display:flex;gap:.5em;'
            'align-items:center;margin-top:.6em;font-weight:600">'
            '<input type="checkbox" name="{}" id="{}" value="1"{}> {}</label>',
            name + CONFIRM_SUFFIX,
            (attrs or {}).get("id", "id_" + name) + CONFIRM_SUFFIX,
            " checked" if confirmed else "",
            _("I confirm this unusual price of %(amount)s")
            % {"amount": money_amount(minor, self.currency)},
        )


def _minor_units(text, currency: str) -> int | None:
    """The typed amount in minor units, or None when it is not a usable amount."""
    try:
        return MoneyAmountFormField(currency=currency).to_python(text)
    except ValidationError:
        return None


class MoneyAmountFormField(forms.Field):
    """Dollars in, integer minor units out (``"349"`` → ``34900``); empty is ``None``."""

    widget = MoneyInput
    default_error_messages = {
        "invalid": _("Enter an amount in dollars, such as 349 or 349.50."),
        "negative": _("A price cannot be negative. Enter 0 for a free ticket."),
        "too_precise": _("Enter at most %(digits)s digits after the decimal point."),
        "too_large": _("%(amount)s is more than a price can be."),
        "unusual_low": _(
            "%(amount)s is an unusually low price: prices are entered in dollars, not cents "
            "(for $349.00 enter 349). If %(amount)s is right, tick “I confirm this unusual "
            "price” and save again."
        ),
        "unusual_high": _(
            "%(amount)s is an unusually high price: prices are entered in dollars, not cents "
            "(for $349.00 enter 349). If %(amount)s is right, tick “I confirm this unusual "
            "price” and save again."
        ),
    }

    def __init__(self, *, currency: str = DEFAULT_CURRENCY, **kwargs):
        self.currency = currency
        # The integer model field offers integer bounds; the checks below replace them.
        kwargs.pop("min_value", None)
        kwargs.pop("max_value", None)
        kwargs.setdefault("widget", MoneyInput(currency))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            digits = currency_minor_digits(self.currency)
            # A stored price was accepted when it was saved: it needs no new confirmation.
            return (f"{Decimal(value).scaleb(-digits):.{digits}f}", True)
        return value

    def to_python(self, value) -> int | None:
        if isinstance(value, tuple):
            value = value[0]
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        text = str(value).strip().replace(",", "").lstrip("$").strip()
        try:
            units = Decimal(text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not units.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        digits = currency_minor_digits(self.currency)
        minor = units.scaleb(digits)
        if minor != minor.to_integral_value():
            raise ValidationError(
                self.error_messages["too_precise"], code="too_precise", params={"digits": digits}
            )
        return int(minor.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def validate(self, value) -> None:
        super().validate(value)
        if value is None:
            return
        if value < 0:
            raise ValidationError(self.error_messages["negative"], code="negative")
        if value > LARGEST_MINOR:
            raise ValidationError(
                self.error_messages["too_large"],
                code="too_large",
                params={"amount": money_amount(value, self.currency)},
            )

    def clean(self, value) -> int | None:
        """Hard refusals first; then an unusual amount passes only when confirmed."""
        confirmed = isinstance(value, tuple) and value[1]
        amount = super().clean(value)
        if amount is not None and amount_is_unusual(amount) and not confirmed:
            code = "unusual_low" if amount < PLAUSIBLE_MIN_MINOR else "unusual_high"
            raise ValidationError(
                self.error_messages[code],
                code=code,
                params={"amount": money_amount(amount, self.currency)},
            )
        return amount


class MoneyAmountField(models.PositiveIntegerField):
    """An integer amount in minor units whose form field takes dollars."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MoneyAmountFormField, **kwargs})
