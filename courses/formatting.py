"""How money, dates and times read everywhere: pages, checkout, e-mails, PDFs and admin.

One style, so a buyer never sees ``$349`` on a page and ``$349.00`` at checkout:

- money in the currency's minor digits as Stripe counts them (``$349.00``, ``$1,047.50``,
  ``¥5,000``); 0 is "Free" where it is a price;
- dates in US order with the month spelled out (``March 14, 2026``), ranges printed with
  an en dash (written "-" here);
- times on a 12-hour clock (``9:00 AM``), daily hours with the venue's zone
  (``9:00 AM-5:00 PM PST``); a moment with its date, time and zone
  (``Saturday, March 14, 2026, 9:00 AM PST``).

Everything is shown in the venue's time zone: callers pass the session's ``tz`` (or times
already converted, such as ``session.local_starts_at``). Template filters of the same
names live in ``courses/templatetags/formatting.py``.
"""

import datetime
import zoneinfo
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import gettext

if TYPE_CHECKING:
    from .models import Session

# Stripe's zero-decimal currencies: amounts are whole units (5000 JPY is ¥5,000).
# https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    }
)
# Stripe's three-decimal currencies (amounts in thousandths).
THREE_DECIMAL_CURRENCIES = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})

CURRENCY_SYMBOLS = {
    "usd": "$",
    "cad": "CA$",
    "aud": "A$",
    "eur": "€",
    "gbp": "£",
    "jpy": "¥",
    "krw": "₩",
}

DEFAULT_CURRENCY = "usd"

Moment = datetime.datetime | datetime.date
Zone = zoneinfo.ZoneInfo | datetime.tzinfo | str | None


def currency_minor_digits(currency: str) -> int:
    """How many digits of an amount are below the unit (2 for USD, 0 for JPY)."""
    code = (currency or DEFAULT_CURRENCY).lower()
    if code in ZERO_DECIMAL_CURRENCIES:
        return 0
    if code in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def money_decimal(amount: int, currency: str = DEFAULT_CURRENCY) -> str:
    """The bare number machines read (schema.org offers, CSV): ``34900, "usd"`` → ``349.00``,
    ``5000, "jpy"`` → ``5000``."""
    digits = currency_minor_digits(currency)
    units, minor = divmod(abs(int(amount)), 10**digits)
    sign = "-" if amount < 0 else ""
    return f"{sign}{units}" + (f".{minor:0{digits}d}" if digits else "")


def money_amount(amount: int | None, currency: str = DEFAULT_CURRENCY) -> str:
    """Integer minor units as an amount, 0 included: ``34900, "usd"`` → ``$349.00``.

    For totals, refunds and revenue, where 0 is a sum and not a price. Unknown currencies
    read ``1,234.00 CHF``; negative amounts ``-$5.00``; None is "".
    """
    if amount is None:
        return ""
    code = (currency or DEFAULT_CURRENCY).lower()
    digits = currency_minor_digits(code)
    units, minor = divmod(abs(int(amount)), 10**digits)
    value = f"{units:,}" + (f".{minor:0{digits}d}" if digits else "")
    sign = "-" if amount < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{sign}{symbol}{value}" if symbol else f"{sign}{value} {code.upper()}"


def money(amount: int | None, currency: str = DEFAULT_CURRENCY, *, free_label: bool = True) -> str:
    """A price: like ``money_amount`` but 0 reads "Free" (unless ``free_label=False``)."""
    if amount == 0 and free_label:
        return gettext("Free")
    return money_amount(amount, currency)


def _zone(tz: Zone) -> datetime.tzinfo | None:
    if isinstance(tz, str):
        return zoneinfo.ZoneInfo(tz)
    return tz


def _local(moment: datetime.datetime, tz: Zone) -> datetime.datetime:
    """``moment`` in ``tz``; without a zone it is taken as already local (as
    ``session.local_starts_at`` is)."""
    zone = _zone(tz)
    if zone is None or timezone.is_naive(moment):
        return moment
    return timezone.localtime(moment, zone)


def _day(value: Moment, *, year: bool = True) -> str:
    text = f"{MONTHS[value.month]} {value.day}"
    return f"{text}, {value.year}" if year else text


def _clock(moment: datetime.datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def date_range(start: Moment | None, end: Moment | None = None) -> str:
    """The days of a session, already in the venue's zone: "March 14, 2026",
    "March 14-15, 2026", "March 30 - April 1, 2026", "December 30, 2026 - January 2, 2027"."""
    if start is None:
        return ""
    end = end or start
    if start.year != end.year:
        return f"{_day(start)} – {_day(end)}"
    if start.month != end.month:
        return f"{_day(start, year=False)} – {_day(end)}"
    if start.day != end.day:
        return f"{_day(start, year=False)}–{end.day}, {end.year}"
    return _day(start)


def time_range(start: datetime.datetime | None, end: datetime.datetime | None) -> str:
    """Daily hours, already in the venue's zone: "9:00 AM-5:00 PM PST"."""
    if start is None or end is None:
        return ""
    zone = end.strftime("%Z")
    return f"{_clock(start)}–{_clock(end)}" + (f" {zone}" if zone else "")


def local_date(moment: Moment | None, tz: Zone = None) -> str:
    """A day in the venue's zone: "March 14, 2026" (a datetime is converted first)."""
    if moment is None:
        return ""
    if isinstance(moment, datetime.datetime):
        moment = _local(moment, tz)
    return _day(moment)


def local_time(moment: datetime.datetime | None, tz: Zone = None) -> str:
    """The time of day in the venue's zone: "9:00 AM" (the day is known from context)."""
    if moment is None:
        return ""
    return _clock(_local(moment, tz))


def local_time_zoned(moment: datetime.datetime | None, tz: Zone = None) -> str:
    """A time of day today, with its zone so nobody reads it as their own: "3:28 PM PST".
    Without ``tz`` the site's zone is used."""
    if moment is None:
        return ""
    zone = _zone(tz) if tz else None
    local = timezone.localtime(moment, zone) if timezone.is_aware(moment) else moment
    label = local.strftime("%Z")
    return f"{_clock(local)} {label}" if label else _clock(local)


def local_datetime(moment: datetime.datetime | None, tz: Zone = None) -> str:
    """A moment in the venue's zone, for deadlines and start times people act on:
    "Saturday, March 14, 2026, 9:00 AM PST"."""
    if moment is None:
        return ""
    local = _local(moment, tz)
    zone = local.strftime("%Z")
    text = f"{WEEKDAYS[local.weekday()]}, {_day(local)}, {_clock(local)}"
    return f"{text} {zone}" if zone else text


def session_when(session: "Session") -> str:
    """When a session takes place, in its venue's zone: the days, then the daily hours:
    "14-March 15, 2026, 9:00 AM-5:00 PM PST"."""
    start, end = session.local_starts_at, session.local_ends_at
    return f"{date_range(start, end)}, {time_range(start, end)}"
