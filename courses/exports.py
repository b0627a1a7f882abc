"""Spreadsheet exports (the admin's CSV/XLSX buttons) that a spreadsheet cannot execute.

A buyer types their name; staff open the export in Excel or LibreOffice, which treat a
cell starting with ``= + - @`` (or a tab or carriage return before one) as a formula:
``=HYPERLINK("http://evil.example","x")`` becomes a live link. Every text cell that
starts with one of these characters is written with a leading apostrophe, which
spreadsheets show as plain text (the OWASP advice).
"""

from wagtail.admin.views import generic

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell_safe(value):
    """``value`` as a spreadsheet should read it: text that could start a formula is
    quoted; numbers, dates and other values pass through unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SafeExportIndexView(generic.IndexView):
    """An admin listing whose CSV and XLSX exports quote formula-like text cells."""

    def preprocess_field_value(self, field, value, export_format):
        return spreadsheet_cell_safe(super().preprocess_field_value(field, value, export_format))
