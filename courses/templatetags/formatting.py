"""Template filters for ``courses.formatting``: one style for money, dates and times.

    {% load formatting %}
    {{ ticket.price_amount|money:ticket.currency }}          $349.00, or Free
    {{ order.total_amount|money_amount:order.currency }}     $0.00 stays a sum
    {{ session.local_starts_at|date_range:session.local_ends_at }}
    {{ session.local_starts_at|time_range:session.local_ends_at }}
    {{ session|session_when }}          14-March 15, 2026, 9:00 AM-5:00 PM PST (en dashes)
    {{ entry.offer_expires_at|local_datetime:session.tz }}   Saturday, March 14, 2026, 9:00 AM PST
    {{ registration.checked_in_at|local_time:session.tz }}   9:00 AM
    {{ order.hold_expires_at|local_time_zoned:session.tz }}  3:28 PM PST
    {{ membership.ends_at|local_date }}                      March 14, 2026

``{% load money %}`` (payments) is the same library under its older name.
"""

from django import template

from courses import formatting

register = template.Library()

for _name in (
    "money",
    "money_amount",
    "date_range",
    "time_range",
    "local_date",
    "local_time",
    "local_time_zoned",
    "local_datetime",
    "session_when",
):
    register.filter(_name, getattr(formatting, _name))
