"""The date range (and a report's own options) as the admin types them in the URL."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from ..selectors.reports import PERIOD_MONTH, PERIOD_WEEK, DateRange
from .definitions import Options, Report

MAX_DAYS = 3 * 366
MAX_WEEKLY_DAYS = 366


class ReportFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    period = forms.ChoiceField(
        label=_("Per"),
        choices=[(PERIOD_MONTH, _("Month")), (PERIOD_WEEK, _("Week"))],
        required=False,
    )
    threshold = forms.IntegerField(
        label=_("Highlight below (% filled)"), min_value=1, max_value=100, required=False
    )

    def __init__(self, query, *, report: Report, today: datetime.date):
        """Bound to the query, with the report's defaults for whatever it leaves out."""
        self.default_span = report.default_span(today)
        defaults = {
            "start": self.default_span.start.isoformat(),
            "end": self.default_span.end.isoformat(),
            "period": PERIOD_MONTH,
            "threshold": str(Options.threshold),
        }
        data = {name: query.get(name) or value for name, value in defaults.items()}
        super().__init__(data)
        for name in ("period", "threshold"):
            if name not in report.options:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start date must be on or before the end date."))
            limit = MAX_WEEKLY_DAYS if data.get("period") == PERIOD_WEEK else MAX_DAYS
            if (end - start).days > limit:
                raise forms.ValidationError(
                    _("Choose a range of at most %(days)s days (weekly figures: one year).")
                    % {"days": limit}
                )
        return data

    def span(self) -> DateRange:
        return DateRange(self.cleaned_data["start"], self.cleaned_data["end"])

    def options(self) -> Options:
        return Options(
            period=self.cleaned_data.get("period") or PERIOD_MONTH,
            threshold=self.cleaned_data.get("threshold") or Options.threshold,
        )
