"""Prices as editors type them: dollars on screen, integer minor units in the database.

``MoneyAmountField`` is the model field for a price column; its form field,
``MoneyAmountFormField``, is the one place that converts ``349`` / ``349.00`` typed by an
editor into ``34900`` stored (and back for display), and refuses amounts that are almost
certainly a slip of units (``199`` meant as cents, ``34900`` meant as dollars).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .formatting import CURRENCY_SYMBOLS, DEFAULT_CURRENCY, currency_minor_digits, money_amount

# Outside these bounds a price is a typo far more often than a real price: a CE workshop
# or masterclass never costs under $5 or over $10,000. 0 (free) is always allowed.
PLAUSIBLE_MIN_MINOR = 500
PLAUSIBLE_MAX_MINOR = 1_000_000


class MoneyInput(forms.TextInput):
    """A text box with the currency shown before it, numeric keyboard on phones."""

    def __init__(self, currency: str = DEFAULT_CURRENCY, attrs=None):
        self.currency = currency
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        code = self.currency.lower()
        return format_html(
            '<span class="money-input" style="display:flex;align-items:center;gap:.4em">'
            '<span aria-hidden="true">{}</span>{}<span>{}</span></span>',
            CURRENCY_SYMBOLS.get(code, ""),
            super().render(name, value, attrs, renderer),
            code.upper(),
        )


class MoneyAmountFormField(forms.Field):
    """Dollars in, integer minor units out (``"349"`` → ``34900``); empty is ``None``."""

    widget = MoneyInput
    default_error_messages = {
        "invalid": _("Enter an amount in dollars, such as 349 or 349.50."),
        "negative": _("A price cannot be negative. Enter 0 for a free ticket."),
        "too_precise": _("Enter at most %(digits)s digits after the decimal point."),
        "too_low": _(
            "%(amount)s looks too low: prices are entered in dollars, not cents. "
            "For $349.00 enter 349."
        ),
        "too_high": _(
            "%(amount)s looks too high: prices are entered in dollars, not cents. "
            "For $349.00 enter 349."
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
            return f"{Decimal(value).scaleb(-digits):.{digits}f}"
        return value

    def to_python(self, value) -> int | None:
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
        params = {"amount": money_amount(value, self.currency)}
        if 0 < value < PLAUSIBLE_MIN_MINOR:
            raise ValidationError(self.error_messages["too_low"], code="too_low", params=params)
        if value > PLAUSIBLE_MAX_MINOR:
            raise ValidationError(self.error_messages["too_high"], code="too_high", params=params)


class MoneyAmountField(models.PositiveIntegerField):
    """An integer amount in minor units whose form field takes dollars."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MoneyAmountFormField, **kwargs})
