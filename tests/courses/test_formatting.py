"""One style for money, dates and times (courses.formatting), on pages, e-mails and admin."""

import datetime
import zoneinfo

from django.template import Context, Template

import pytest

from courses.formatting import (
    date_range,
    local_date,
    local_datetime,
    local_time,
    money,
    money_amount,
    money_decimal,
    session_when,
    time_range,
)

LA = zoneinfo.ZoneInfo("America/Los_Angeles")
NY = zoneinfo.ZoneInfo("America/New_York")
UTC = datetime.UTC


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (34900, "usd", "$349.00"),
        (104750, "usd", "$1,047.50"),
        (5, "usd", "$0.05"),
        (34900, "USD", "$349.00"),
        (34900, "eur", "€349.00"),
        (5000, "jpy", "¥5,000"),
        (1500000, "krw", "₩1,500,000"),
        (125000, "clp", "125,000 CLP"),  # zero-decimal without a symbol of ours
        (12345, "kwd", "12.345 KWD"),  # three-decimal
        (34900, "chf", "349.00 CHF"),
        (-500, "usd", "-$5.00"),
        (-5000, "jpy", "-¥5,000"),
    ],
)
def test_money_uses_the_currencys_minor_digits(amount, currency, text):
    assert money(amount, currency) == text
    assert money_amount(amount, currency) == text


def test_zero_is_free_as_a_price_and_a_sum_as_an_amount():
    assert money(34900) == "$349.00" and money(34950) == "$349.50" and money(0) == "Free"
    assert money(0, "usd") == "Free"
    assert money(0, "jpy") == "Free"
    assert money(0, "usd", free_label=False) == "$0.00"
    assert money_amount(0, "usd") == "$0.00"
    assert money_amount(0, "jpy") == "¥0"


def test_missing_amounts_read_as_nothing():
    assert money(None, "usd") == "" and money_amount(None, "usd") == ""
    assert money_amount(34900, "") == "$349.00"  # no currency recorded: the site's


def test_machine_readable_amounts():
    assert money_decimal(34900, "usd") == "349.00"
    assert money_decimal(5000, "jpy") == "5000"
    assert money_decimal(-150, "usd") == "-1.50"


def test_date_ranges_across_days_months_and_years():
    """Moved from tests/cms/test_workshop_pages.py (test_date_range_formats)."""
    start = datetime.datetime(2027, 2, 21, 9, tzinfo=LA)
    assert date_range(start, start.replace(hour=17)) == "February 21, 2027"
    assert date_range(start, start.replace(day=22)) == "February 21–22, 2027"
    assert date_range(start.replace(day=28), start.replace(month=3, day=1)) == (
        "February 28 – March 1, 2027"
    )
    assert date_range(
        start.replace(year=2026, month=12, day=30), start.replace(day=2, month=1)
    ) == ("December 30, 2026 – January 2, 2027")
    assert date_range(datetime.date(2026, 3, 14), datetime.date(2026, 3, 15)) == "March 14–15, 2026"
    assert date_range(datetime.date(2026, 3, 14)) == "March 14, 2026"
    assert date_range(None, None) == ""


def test_times_are_twelve_hour_with_the_venue_zone():
    start = datetime.datetime(2027, 2, 21, 9, tzinfo=LA)
    assert time_range(start, start.replace(hour=17)) == "9:00 AM–5:00 PM PST"
    assert time_range(start.replace(hour=0, minute=30), start.replace(hour=12)) == (
        "12:30 AM–12:00 PM PST"
    )
    assert time_range(None, start) == ""


def test_moments_are_shown_in_the_zone_given():
    moment = datetime.datetime(2026, 3, 14, 16, 5, tzinfo=UTC)  # 9:05 AM in LA (PDT)
    assert local_time(moment, LA) == "9:05 AM"
    assert local_time(moment, "America/New_York") == "12:05 PM"
    assert local_datetime(moment, LA) == "Saturday, March 14, 2026, 9:05 AM PDT"
    assert local_datetime(moment, NY) == "Saturday, March 14, 2026, 12:05 PM EDT"
    late = datetime.datetime(2026, 3, 15, 6, 30, tzinfo=UTC)  # still the 14th in LA
    assert local_date(late, LA) == "March 14, 2026"
    assert local_date(late, UTC) == "March 15, 2026"
    assert local_date(datetime.date(2026, 3, 14)) == "March 14, 2026"
    # Without a zone a moment is taken as already local (session.local_starts_at).
    assert local_time(moment.astimezone(NY)) == "12:05 PM"
    assert local_datetime(None, LA) == "" and local_time(None, LA) == ""
    assert local_date(None) == ""


def test_session_when(db):
    from tests.factories import SessionFactory

    session = SessionFactory(
        starts_at=datetime.datetime(2027, 2, 21, 17, tzinfo=UTC),
        ends_at=datetime.datetime(2027, 2, 23, 1, tzinfo=UTC),
        venue__time_zone="America/Los_Angeles",
    )
    assert session_when(session) == "February 21–22, 2027, 9:00 AM–5:00 PM PST"


def test_template_filters_match_the_functions():
    moment = datetime.datetime(2026, 3, 14, 16, 5, tzinfo=UTC)
    html = Template(
        "{% load formatting %}{{ a|money:'usd' }} {{ z|money }} {{ z|money_amount:'jpy' }} | "
        "{{ m|local_datetime:tz }} | {{ m|local_time:tz }} | {{ m|local_date:tz }} | "
        "{{ m|date_range:m }}"
    ).render(Context({"a": 34900, "z": 0, "m": moment, "tz": LA}))
    assert html == (
        "$349.00 Free ¥0 | Saturday, March 14, 2026, 9:05 AM PDT | 9:05 AM | March 14, 2026 | "
        "March 14, 2026"
    )
    legacy = Template("{% load money %}{{ a|money:'usd' }} {{ a|money_amount }}")
    assert legacy.render(Context({"a": 104750})) == "$1,047.50 $1,047.50"
