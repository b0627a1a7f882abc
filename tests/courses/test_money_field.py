"""Editors type prices in dollars; the database keeps integer cents."""

from django.core.exceptions import ValidationError

import pytest

from courses.money_fields import MoneyAmountFormField, MoneyInput


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("349", 34900), ("349.5", 34950), ("$1,047.50", 104750), ("0", 0), (" 12 ", 1200)],
)
def test_dollars_typed_are_stored_as_cents(typed, stored):
    assert MoneyAmountFormField().clean(typed) == stored


def test_stored_cents_are_shown_as_dollars():
    text, _confirmed = MoneyAmountFormField().prepare_value(34900)
    assert text == "349.00"


def test_an_empty_optional_price_is_none():
    assert MoneyAmountFormField(required=False).clean("") is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Enter an amount in dollars"),
        ("-5", "cannot be negative"),
        ("349.999", "at most 2 digits"),
        ("99999999", "$99,999,999.00 is more than a price can be"),
    ],
)
def test_bad_prices_are_refused_even_when_confirmed(typed, message):
    for value in (typed, (typed, True)):
        with pytest.raises(ValidationError) as error:
            MoneyAmountFormField().clean(value)
        assert message in " ".join(error.value.messages)


@pytest.mark.parametrize(
    ("typed", "stored", "warning"),
    [
        ("1.99", 199, "$1.99 is an unusually low price"),
        ("34900", 3490000, "$34,900.00 is an unusually high price"),
    ],
)
def test_an_unusual_price_is_a_warning_until_the_editor_confirms_it(typed, stored, warning):
    with pytest.raises(ValidationError) as error:
        MoneyAmountFormField().clean((typed, False))
    assert warning in " ".join(error.value.messages)
    assert "I confirm this unusual price" in " ".join(error.value.messages)
    assert MoneyAmountFormField().clean((typed, True)) == stored


def test_the_confirm_box_appears_only_beside_an_unusual_price():
    widget = MoneyInput()
    assert "_confirm" not in widget.render("price", ("349", False))
    html = widget.render("price", ("1.99", False), {"id": "id_price"})
    assert 'name="price_confirm" id="id_price_confirm"' in html
    assert "I confirm this unusual price of $1.99" in html
    assert "checked" not in html
    assert " checked" in widget.render("price", ("1.99", True))
    assert widget.value_from_datadict({"price": "1.99", "price_confirm": "1"}, {}, "price") == (
        "1.99",
        True,
    )
