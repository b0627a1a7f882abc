"""A report's table: what the page shows and, cell for cell, what its CSV holds.

Each cell keeps the plain value (a number, a date, a code) for the CSV and the text the
page shows (``$1,234.50``, ``Nov 2026``), so the download is exactly the table's
figures in a form a spreadsheet can add up. Money in the CSV is in major units with
its currency in its own column.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

from courses.exports import spreadsheet_cell_safe
from courses.formatting import money_amount, money_decimal


@dataclass(frozen=True)
class Cell:
    value: object
    text: str
    numeric: bool = False


@dataclass
class Row:
    cells: list[Cell]
    highlight: bool = False


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)

    @property
    def numeric_columns(self) -> list[bool]:
        first = self.rows[0].cells if self.rows else []
        return [cell.numeric for cell in first] or [False] * len(self.columns)

    def csv_rows(self) -> list[list[object]]:
        return [list(self.columns)] + [[cell.value for cell in row.cells] for row in self.rows]

    def to_csv(self) -> str:
        """The table as CSV; text that a spreadsheet would run as a formula is quoted."""
        out = io.StringIO()
        writer = csv.writer(out)
        for row in self.csv_rows():
            writer.writerow([spreadsheet_cell_safe(value) for value in row])
        return out.getvalue()


def text(value: str) -> Cell:
    return Cell(value, value)


def number(value: int) -> Cell:
    return Cell(value, f"{value:,}", numeric=True)


def percent(value: int | None) -> Cell:
    return Cell("" if value is None else value, "—" if value is None else f"{value}%", True)


def money(amount: int, currency: str) -> Cell:
    """Minor units shown with the currency's symbol; the CSV gets major units."""
    return Cell(money_decimal(amount, currency), money_amount(amount, currency), numeric=True)


def month(value: datetime.date) -> Cell:
    return Cell(value.isoformat(), value.strftime("%b %Y"))


def week(value: datetime.date) -> Cell:
    return Cell(value.isoformat(), "Week of " + value.strftime("%b %-d, %Y"))
