"""The five owner's reports: for each, its default date range and how a selector's rows
become charts and the table behind them (``tables``: the same figures the CSV holds)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.formatting import CURRENCY_SYMBOLS, local_date

from ..selectors import reports as selectors
from ..selectors.reports import DateRange
from . import tables
from .charts import Chart, Series, bar_chart, line_chart


@dataclass
class ReportResult:
    table: tables.Table
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.table.rows


@dataclass(frozen=True)
class Options:
    period: str = selectors.PERIOD_MONTH
    threshold: int = 50


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    summary: str
    default_span: Callable[[datetime.date], DateRange]
    build: Callable[[DateRange, Options], ReportResult]
    options: tuple[str, ...] = ()


def _last_months(months: int) -> Callable[[datetime.date], DateRange]:
    def span(today: datetime.date) -> DateRange:
        start = today.replace(day=1)
        for _month in range(months - 1):
            start = (start - datetime.timedelta(days=1)).replace(day=1)
        return DateRange(start, today)

    return span


def _days_around(before: int, after: int) -> Callable[[datetime.date], DateRange]:
    def span(today: datetime.date) -> DateRange:
        return DateRange(
            today - datetime.timedelta(days=before), today + datetime.timedelta(days=after)
        )

    return span


def _money_axis(currency: str) -> Callable[[float], str]:
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    divisor = 100 if currency not in ("jpy", "krw") else 1

    def fmt(value: float) -> str:
        major = value / divisor
        text = (
            f"{major / 1000:,.1f}k".replace(".0k", "k") if abs(major) >= 1000 else f"{major:,.0f}"
        )
        return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"

    return fmt


def _period_label(start: datetime.date, period: str) -> str:
    return start.strftime("%b %-d") if period == selectors.PERIOD_WEEK else start.strftime("%b %y")


def revenue(span: DateRange, options: Options) -> ReportResult:
    rows = selectors.revenue_by_period(span=span, period=options.period)
    period_cell = tables.week if options.period == selectors.PERIOD_WEEK else tables.month
    table = tables.Table(
        caption=_("Revenue per %(period)s and currency: orders paid, refunds, net")
        % {"period": _("week") if options.period == selectors.PERIOD_WEEK else _("month")},
        columns=[_("Period"), _("Currency"), _("Gross"), _("Refunds"), _("Net")],
    )
    charts = []
    for currency in dict.fromkeys(row.currency for row in rows):
        mine = [row for row in rows if row.currency == currency]
        for row in mine:
            table.rows.append(
                tables.Row(
                    [
                        period_cell(row.period),
                        tables.text(currency.upper()),
                        tables.money(row.gross, currency),
                        tables.money(row.refunds, currency),
                        tables.money(row.net, currency),
                    ]
                )
            )
        charts.append(
            bar_chart(
                title=_("Revenue in %(currency)s") % {"currency": currency.upper()},
                labels=[_period_label(row.period, options.period) for row in mine],
                series=[
                    Series(_("Gross"), [row.gross for row in mine]),
                    Series(_("Refunds"), [row.refunds for row in mine]),
                    Series(_("Net"), [row.net for row in mine]),
                ],
                fmt=_money_axis(currency),
            )
        )
    notes = [_("Gross counts orders on the day they were paid; refunds on the day they were made.")]
    if len(charts) > 1:
        notes.append(_("Each currency has its own chart: amounts are never added across them."))
    return ReportResult(table, charts, notes)


def session_fill(span: DateRange, options: Options) -> ReportResult:
    rows = selectors.session_fill(span=span, threshold_percent=options.threshold)
    table = tables.Table(
        caption=_("Seats of every upcoming session"),
        columns=[
            _("Session"),
            _("Starts"),
            _("Capacity"),
            _("Confirmed"),
            _("Held"),
            _("Offered to waiting list"),
            _("Free"),
            _("Waiting for a seat"),
            _("Filled"),
        ],
    )
    for row in rows:
        session = row.session
        name = f"{session.workshop.title}, {session.venue.city}"
        table.rows.append(
            tables.Row(
                [
                    tables.text(name),
                    tables.Cell(
                        session.local_starts_at.date().isoformat(),
                        local_date(session.local_starts_at),
                    ),
                    tables.number(session.capacity),
                    tables.number(row.confirmed),
                    tables.number(row.held),
                    tables.number(row.offered),
                    tables.number(row.free),
                    tables.number(row.waiting),
                    tables.percent(row.fill_percent),
                ],
                highlight=row.below_threshold,
            )
        )
    charts = []
    if rows:
        charts.append(
            bar_chart(
                title=_("Seats per session"),
                # The date first: a narrow chart cuts long titles, never the date.
                labels=[
                    f"{date_format(r.session.local_starts_at, 'M j')} · {r.session.workshop.title}"
                    for r in rows
                ],
                series=[
                    Series(_("Confirmed"), [r.confirmed for r in rows]),
                    Series(_("Held"), [r.held for r in rows]),
                    Series(_("Offered to waiting list"), [r.offered for r in rows]),
                    Series(_("Free"), [r.free for r in rows]),
                ],
                stacked=True,
                rows=True,
            )
        )
    flagged = sum(row.below_threshold for row in rows)
    notes = [
        _(
            "Highlighted: starts within two weeks and under %(threshold)s%% of its seats are "
            "confirmed or held (%(flagged)s session(s))."
        )
        % {"threshold": options.threshold, "flagged": flagged}
    ]
    return ReportResult(table, charts, notes)


FUNNEL_LABELS = [
    gettext_lazy("Register page opened"),
    gettext_lazy("Seats held"),
    gettext_lazy("Paid"),
    gettext_lazy("Attended"),
    gettext_lazy("Certificate issued"),
]


def funnel(span: DateRange, options: Options) -> ReportResult:
    rows = selectors.registration_funnel(span=span)
    table = tables.Table(
        caption=_("Registration funnel per workshop"),
        columns=[_("Workshop"), *(str(label) for label in FUNNEL_LABELS), _("Opened to paid")],
    )
    for row in rows:
        ratio = round(100 * row.paid / row.opened) if row.opened else None
        table.rows.append(
            tables.Row(
                [tables.text(row.workshop.title)]
                + [tables.number(value) for value in row.steps()]
                + [tables.percent(ratio)]
            )
        )
    charts = []
    if rows:
        totals = [sum(row.steps()[i] for row in rows) for i in range(len(FUNNEL_LABELS))]
        charts.append(
            bar_chart(
                title=_("Registration funnel, all workshops"),
                labels=[str(label) for label in FUNNEL_LABELS],
                series=[Series(_("All workshops"), totals)],
                rows=True,
            )
        )
    notes = [
        _(
            "Each step is counted on the day it happened: page opens are visits, the other "
            "steps are seats (complimentary seats are not counted as held or paid)."
        )
    ]
    return ReportResult(table, charts, notes)


def members(span: DateRange, options: Options) -> ReportResult:
    months = selectors.members_by_month(span=span)
    currencies = sorted({currency for month in months for currency in month.mrr})
    table = tables.Table(
        caption=_("Members per month: joined, canceled, payments failed, members and MRR"),
        columns=[
            _("Month"),
            _("New"),
            _("Canceled"),
            _("Payment failed"),
            _("Members at month end"),
            *(_("MRR %(currency)s") % {"currency": c.upper()} for c in currencies),
        ],
    )
    if any(m.new or m.cancelled or m.past_due or m.active for m in months):
        for month in months:
            table.rows.append(
                tables.Row(
                    [
                        tables.month(month.month),
                        tables.number(month.new),
                        tables.number(month.cancelled),
                        tables.number(month.past_due),
                        tables.number(month.active),
                        *(tables.money(month.mrr.get(c, 0), c) for c in currencies),
                    ]
                )
            )
    charts = []
    if table.rows:
        labels = [month.month.strftime("%b %y") for month in months]
        charts.append(
            bar_chart(
                title=_("Members joining, canceling and failing to pay"),
                labels=labels,
                series=[
                    Series(_("New"), [m.new for m in months]),
                    Series(_("Canceled"), [m.cancelled for m in months]),
                    Series(_("Payment failed"), [m.past_due for m in months]),
                ],
            )
        )
        for currency in currencies:
            charts.append(
                line_chart(
                    title=_("Monthly recurring revenue in %(currency)s")
                    % {"currency": currency.upper()},
                    labels=labels,
                    series=[
                        Series(_("MRR"), [m.mrr.get(currency, 0) for m in months]),
                    ],
                    fmt=_money_axis(currency),
                )
            )
    notes = [
        _(
            "MRR: what live memberships bill per month at the end of each month (an annual "
            "plan counts one twelfth); members whose payment failed still count until "
            "Stripe ends the subscription."
        ),
        _("The current month is measured up to today."),
    ]
    return ReportResult(table, charts, notes)


def masterclasses(span: DateRange, options: Options) -> ReportResult:
    rows = selectors.masterclass_engagement(span=span)
    table = tables.Table(
        caption=_("Masterclasses: purchases, viewing, completion and test results"),
        columns=[
            _("Masterclass"),
            _("Purchases"),
            _("Viewers"),
            _("Lessons watched"),
            _("Lessons finished"),
            _("Completion"),
            _("Tests taken"),
            _("Test pass rate"),
        ],
    )
    for row in rows:
        table.rows.append(
            tables.Row(
                [
                    tables.text(row.masterclass.title),
                    tables.number(row.purchases),
                    tables.number(row.learners),
                    tables.number(row.lessons_watched),
                    tables.number(row.lessons_completed),
                    tables.percent(row.completion_percent),
                    tables.number(row.tests_taken),
                    tables.percent(row.pass_rate_percent),
                ]
            )
        )
    charts = []
    if rows:
        charts.append(
            bar_chart(
                title=_("Masterclass purchases and viewing"),
                labels=[row.masterclass.title for row in rows],
                series=[
                    Series(_("Purchases"), [r.purchases for r in rows]),
                    Series(_("Lessons watched"), [r.lessons_watched for r in rows]),
                    Series(_("Lessons finished"), [r.lessons_completed for r in rows]),
                ],
                rows=True,
            )
        )
    notes = [
        _(
            "Purchases are one-time purchases paid in the range (members watch without one). "
            "Completion is the share of the lessons watched in the range that were "
            "watched to the end. The pass rate is the share of home-study tests submitted "
            "in the range that passed (retakes count as tests)."
        )
    ]
    return ReportResult(table, charts, notes)


REPORTS = {
    report.slug: report
    for report in (
        Report(
            "revenue",
            gettext_lazy("Revenue"),
            gettext_lazy("Gross, refunds and net per week or month, in each currency."),
            _last_months(12),
            revenue,
            options=("period",),
        ),
        Report(
            "session-fill",
            gettext_lazy("Session fill"),
            gettext_lazy("Seats of every upcoming session, and the ones that need attention."),
            _days_around(0, 180),
            session_fill,
            options=("threshold",),
        ),
        Report(
            "funnel",
            gettext_lazy("Registration funnel"),
            gettext_lazy("From the register page to the certificate, per workshop."),
            _days_around(90, 0),
            funnel,
        ),
        Report(
            "members",
            gettext_lazy("Members"),
            gettext_lazy("New, canceled and failed payments per month; recurring revenue."),
            _last_months(12),
            members,
        ),
        Report(
            "masterclasses",
            gettext_lazy("Masterclasses"),
            gettext_lazy("Purchases, lessons watched, completion and home-study test results."),
            _last_months(12),
            masterclasses,
        ),
    )
}
