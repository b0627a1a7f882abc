"""Editors type prices in dollars; the database keeps integer cents."""

import pytest

from courses.money_fields import MoneyAmountFormField


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("349", 34900), ("349.5", 34950), ("$1,047.50", 104750), ("0", 0), (" 12 ", 1200)],
)
def test_dollars_typed_are_stored_as_cents(typed, stored):
    assert MoneyAmountFormField().clean(typed) == stored


def test_stored_cents_are_shown_as_dollars():
    assert MoneyAmountFormField().prepare_value(34900) == "349.00"


def test_an_empty_optional_price_is_none():
    assert MoneyAmountFormField(required=False).clean("") is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Enter an amount in dollars"),
        ("-5", "cannot be negative"),
        ("349.999", "at most 2 digits"),
        ("1.99", "$1.99 looks too low"),
        ("34900", "$34,900.00 looks too high"),
    ],
)
def test_implausible_or_bad_prices_are_refused_with_a_reason(typed, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        MoneyAmountFormField().clean(typed)
    assert message in " ".join(error.value.messages)
