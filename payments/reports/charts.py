"""Server-side SVG charts for the admin reports: bars (grouped or stacked) and lines.

No JavaScript and nothing fetched: each chart is inline SVG built here. A chart is drawn
twice, wide (columns or a line across a 960-unit canvas) and narrow (one row per label,
bars running across a 360-unit canvas), and CSS shows the one that fits, so its text
stays about 12 px at 1280 px and at 390 px instead of shrinking with the viewBox. Text
uses ``currentColor`` so it follows the admin's light or dark theme; series colors come
from CSS classes (``chart-s0`` ...), a color-blind-safe palette. Each SVG is
``role="img"`` with a ``<title>`` and a ``<desc>`` pointing at the table that gives the
same figures: the table is the text alternative.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDE = 960
ROWS_WIDE = 720
NARROW = 360
Format = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Chart:
    """What a template needs: the two drawings and the legend's names."""

    title: str
    svg: SafeString
    legend: list[str]


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round axis values covering ``low``..``high`` (0 always included)."""
    low, high = min(0.0, low), max(0.0, high)
    if high == low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _text(x: float, y: float, label: str, anchor: str = "middle", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(label)}</text>'


def _svg(width: int, height: int, title: str, desc: str, body: list[str], css: str) -> str:
    return (
        f'<svg class="chart-svg {css}" viewBox="0 0 {width} {height}" role="img" '
        f'preserveAspectRatio="xMinYMin meet" font-size="13" fill="currentColor">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{''.join(body)}</svg>"
    )


def _extent(series: Sequence[Series], stacked: bool) -> tuple[float, float]:
    if stacked:
        totals = [sum(values) for values in zip(*(s.values for s in series), strict=True)]
        return 0.0, max(totals, default=0.0)
    values = [v for s in series for v in s.values]
    return min(values, default=0.0), max(values, default=0.0)


def _bars_wide(
    labels: Sequence[str], series: Sequence[Series], stacked: bool, fmt: Format, title: str
) -> str:
    height, left, right, top, bottom = 320, 72, 12, 12, 48
    ticks = nice_ticks(*_extent(series, stacked))
    low, high = ticks[0], ticks[-1]
    plot_h = height - top - bottom

    def y(value: float) -> float:
        return top + plot_h * (high - value) / (high - low)

    body = []
    for tick in ticks:
        body.append(
            f'<line x1="{left}" x2="{WIDE - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'class="chart-grid"/>'
        )
        body.append(_text(left - 6, y(tick) + 4, fmt(tick), "end"))
    slot = (WIDE - left - right) / max(1, len(labels))
    bars_in_slot = 1 if stacked else len(series)
    bar_w = slot * 0.8 / bars_in_slot
    every = max(1, math.ceil(len(labels) * 64 / (WIDE - left - right)))
    for i, label in enumerate(labels):
        x0 = left + slot * i + slot * 0.1
        base = 0.0
        for j, one in enumerate(series):
            value = one.values[i]
            if stacked:
                y_top, y_bottom, x = y(base + value), y(base), x0
                base += value
            else:
                y_top, y_bottom, x = y(max(value, 0)), y(min(value, 0)), x0 + bar_w * j
            body.append(
                f'<rect class="chart-s{j}" x="{x:.1f}" y="{y_top:.1f}" width="{bar_w:.1f}" '
                f'height="{max(0.0, y_bottom - y_top):.1f}"><title>{escape(label)}, '
                f"{escape(one.name)}: {escape(fmt(value))}</title></rect>"
            )
        if i % every == 0:
            body.append(_text(left + slot * (i + 0.5), height - bottom + 18, label))
    body.append(
        f'<line x1="{left}" x2="{WIDE - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
        f'class="chart-axis"/>'
    )
    return _svg(WIDE, height, title, _DESC, body, "chart-wide")


def _fit(label: str, width: int) -> str:
    """Cut a row label to the canvas (bold at 13 units: up to about 8.4 units a
    character; the full label is in each bar's tooltip and in the table)."""
    room = int(width / 8.4)
    return label if len(label) <= room else label[: room - 1].rstrip() + "…"


def _bars_rows(
    width: int,
    labels: Sequence[str],
    series: Sequence[Series],
    stacked: bool,
    fmt: Format,
    title: str,
    css: str,
) -> str:
    """One row per label: the label on its own line, the bars under it, each bar's
    figure (a stack's total) at its end."""
    left, right, top = 8, 72, 8
    bar_h = 16 if stacked or len(series) == 1 else 12
    row_h = 22 + (bar_h if stacked else bar_h * len(series)) + 10
    height = top + row_h * len(labels) + 24
    ticks = nice_ticks(*_extent(series, stacked))
    low, high = ticks[0], ticks[-1]

    def x(value: float) -> float:
        return left + (width - left - right) * (value - low) / (high - low)

    body = []
    for i, label in enumerate(labels):
        y0 = top + row_h * i
        body.append(_text(left, y0 + 15, _fit(label, width), "start", ' font-weight="600"'))
        base = 0.0
        for j, one in enumerate(series):
            value = one.values[i]
            if stacked:
                x_start, x_end, y = x(base), x(base + value), y0 + 22
                base += value
            else:
                x_start, x_end = x(min(value, 0)), x(max(value, 0))
                y = y0 + 22 + bar_h * j
                body.append(_text(x_end + 4, y + bar_h - 3, fmt(value), "start", ' font-size="11"'))
            body.append(
                f'<rect class="chart-s{j}" x="{x_start:.1f}" y="{y}" '
                f'width="{max(0.0, x_end - x_start):.1f}" height="{bar_h - 1}"><title>'
                f"{escape(label)}, {escape(one.name)}: {escape(fmt(value))}</title></rect>"
            )
        if stacked:
            body.append(
                _text(x(base) + 4, y0 + 22 + bar_h - 3, fmt(base), "start", ' font-size="11"')
            )
    axis_y = top + row_h * len(labels) + 4
    body.append(
        f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{top + 20}" y2="{axis_y}" class="chart-axis"/>'
    )
    body.append(_text(x(low), axis_y + 16, fmt(low), "start"))
    body.append(_text(x(high), axis_y + 16, fmt(high), "end"))
    return _svg(width, height, title, _DESC, body, css)


_DESC = "The table below the chart gives the same figures."


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    stacked: bool = False,
    fmt: Format = lambda v: f"{v:,.0f}",
    rows: bool = False,
) -> Chart:
    """Grouped (or ``stacked``) bars: columns when wide, rows when narrow. Long labels
    (session or workshop names) read better as rows at every width: ``rows``."""
    narrow = _bars_rows(NARROW, labels, series, stacked, fmt, title, "chart-narrow")
    if rows:
        wide = _bars_rows(ROWS_WIDE, labels, series, stacked, fmt, title, "chart-wide chart-rows")
    else:
        wide = _bars_wide(labels, series, stacked, fmt, title)
    svg = wide + narrow
    # Safe: every label, name and value above went through escape().
    return Chart(title=title, svg=mark_safe(svg), legend=[s.name for s in series])


def _line(points: list[tuple[float, float]], j: int) -> str:
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(
        f'<circle class="chart-s{j}" cx="{x:.1f}" cy="{y:.1f}" r="3"/>' for x, y in points
    )
    return f'<polyline class="chart-line chart-s{j}" points="{path}"/>{dots}'


def _lines(
    width: int, labels: Sequence[str], series: Sequence[Series], fmt: Format, title: str, css: str
) -> str:
    height, left, right, top, bottom = (
        (300, 72, 36, 12, 44) if width == WIDE else (260, 60, 28, 12, 44)
    )
    ticks = nice_ticks(*_extent(series, False))
    low, high = ticks[0], ticks[-1]
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(labels) - 1)

    def y(value: float) -> float:
        return top + plot_h * (high - value) / (high - low)

    body = []
    for tick in ticks:
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}" class="chart-grid"/>'
        )
        body.append(_text(left - 6, y(tick) + 4, fmt(tick), "end"))
    every = max(1, math.ceil(len(labels) * 64 / plot_w))
    for i, label in enumerate(labels):
        if i % every == 0:
            body.append(_text(left + step * i, height - bottom + 18, label))
    for j, one in enumerate(series):
        body.append(_line([(left + step * i, y(v)) for i, v in enumerate(one.values)], j))
    return _svg(width, height, title, _DESC, body, css)


def line_chart(
    *, title: str, labels: Sequence[str], series: Sequence[Series], fmt: Format = str
) -> Chart:
    svg = _lines(WIDE, labels, series, fmt, title, "chart-wide") + _lines(
        NARROW, labels, series, fmt, title, "chart-narrow"
    )
    # Safe: every label, name and value above went through escape().
    return Chart(title=title, svg=mark_safe(svg), legend=[s.name for s in series])
