"""Admin list filters that cost the same with ten sessions or ten thousand.

A session reads as "Workshop — date, city" and a ticket type as "Name (session)": a
filter listing every session would query each one's workshop and venue for its label,
and render thousands of options. ``LeanOptionsFilterSet`` gives each related-object
filter a queryset that fetches what the labels read (one query per filter), and shows
the first ``MAX_FILTER_OPTIONS`` options (sessions newest first); any valid id is still
accepted, so a link to an older session's registrations keeps working.
"""

from collections.abc import Callable

from django.db.models import Model, QuerySet

from wagtail.admin.filters import WagtailFilterSet

import django_filters
from django_filters.fields import ModelChoiceField, ModelChoiceIterator

from .models import Session, TicketType

MAX_FILTER_OPTIONS = 50


def session_filter_options() -> QuerySet[Session]:
    return Session.objects.select_related("workshop", "venue").order_by("-starts_at", "-pk")


def ticket_type_filter_options() -> QuerySet[TicketType]:
    return TicketType.objects.select_related("session__workshop", "session__venue").order_by(
        "-session__starts_at", "-session_id", "sort_order", "pk"
    )


OPTION_QUERYSETS: dict[type[Model], Callable[[], QuerySet]] = {
    Session: session_filter_options,
    TicketType: ticket_type_filter_options,
}


class FirstOptionsIterator(ModelChoiceIterator):
    """The options shown: the first ``MAX_FILTER_OPTIONS`` of the field's queryset."""

    def __init__(self, field):
        super().__init__(field)
        self.queryset = self.queryset[:MAX_FILTER_OPTIONS]


class BoundedModelChoiceField(ModelChoiceField):
    iterator = FirstOptionsIterator


class BoundedModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = BoundedModelChoiceField


class LeanOptionsFilterSet(WagtailFilterSet):
    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        filter_class, params = super().filter_for_lookup(field, lookup_type)
        if filter_class is django_filters.ModelChoiceFilter:
            filter_class = BoundedModelChoiceFilter
            options = OPTION_QUERYSETS.get(field.related_model)
            if options is not None:
                params["queryset"] = lambda request: options()
        return filter_class, params
