"""Spreadsheet exports (the admin's CSV/XLSX buttons) that a spreadsheet cannot execute.

A buyer types their name; staff open the export in Excel or LibreOffice, which treat a
cell starting with ``= + - @`` (or a tab or carriage return before one) as a formula:
``=HYPERLINK("http://evil.example","x")`` becomes a live link. Every text cell that
starts with one of these characters is written with a leading apostrophe, which
spreadsheets show as plain text (the OWASP advice).
"""

from collections.abc import Callable

from django.db.models import QuerySet

from wagtail.admin.views import generic
from wagtail.coreutils import multigetattr

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_CHUNK_SIZE = 2_000


def spreadsheet_cell_safe(value):
    """``value`` as a spreadsheet should read it: text that could start a formula is
    quoted; numbers, dates and other values pass through unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class ChunkedRows:
    """A queryset as an export reads it: its model (for the headings), then its rows
    fetched ``EXPORT_CHUNK_SIZE`` at a time. A CSV of 50,000 seats streams out as it is
    read instead of holding every row in memory first; related rows come with each row
    (the view's ``select_related``), so the number of queries does not grow with rows."""

    def __init__(self, queryset):
        self.model = queryset.model
        self._queryset = queryset

    def __iter__(self):
        return self._queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE)


class SafeExportIndexView(generic.IndexView):
    """An admin listing whose CSV and XLSX exports quote formula-like text cells and read
    their rows in chunks (``ChunkedRows``); CSV is a streaming response (Wagtail's).

    ``export_labels`` (column -> the related model's rows, ready for ``str()``) writes a
    foreign key as its label from a dictionary loaded once per export (one query per
    column, only the rows the export refers to): 50,000 seats in a few hundred sessions
    then build one model per row instead of six, and format each session's date once."""

    export_labels: dict[str, Callable[[], QuerySet]] = {}
    _labels: dict[str, dict] = {}

    def preprocess_field_value(self, field, value, export_format):
        return spreadsheet_cell_safe(super().preprocess_field_value(field, value, export_format))

    def get_preprocess_function(self, field, value, export_format):
        # Looked up once per column and type of value, not once per cell.
        key = (field, type(value), export_format)
        memo = self.__dict__.setdefault("_preprocess_memo", {})
        if key not in memo:
            memo[key] = super().get_preprocess_function(field, value, export_format)
        return memo[key]

    def to_row_dict(self, item):
        labels = self._labels
        return {
            field: labels[field].get(getattr(item, f"{field}_id"))
            if field in labels
            else multigetattr(item, field)
            for field in self.list_export
        }

    def as_spreadsheet(self, queryset, spreadsheet_format):
        self._labels = {
            field: {
                obj.pk: str(obj)
                for obj in rows().filter(pk__in=queryset.order_by().values(f"{field}_id"))
            }
            for field, rows in self.export_labels.items()
        }
        return super().as_spreadsheet(ChunkedRows(queryset), spreadsheet_format)
