"""The owner's reports in the Wagtail admin (permission ``payments.view_reports``): an
index and one page per report (charts, the table behind them, a date range), plus the
same table as CSV. Thin: ``reports.definitions`` builds, ``selectors.reports`` counts."""

from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .reports.definitions import REPORTS, Options, Report
from .reports.filters import ReportFilterForm

REPORTS_PERMISSION = "payments.view_reports"


def user_can_see_reports(user) -> bool:
    return user.has_perm(REPORTS_PERMISSION)


class ReportsPermissionMixin:
    """A plain 403 with an explanation, not Wagtail's redirect to the dashboard: the
    figures are the owner's, and a person without the permission should hear why."""

    def dispatch(self, request, *args, **kwargs):
        if not user_can_see_reports(request.user):
            return TemplateResponse(request, "payments/reports/forbidden.html", status=403)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ReportIndexView(ReportsPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "payments/reports/index.html"
    page_title = _("Reports")
    header_icon = "table"

    def get_context_data(self, **kwargs):
        return super().get_context_data(reports=REPORTS.values(), **kwargs)


class ReportView(ReportsPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "payments/reports/report.html"
    header_icon = "table"
    as_csv = False

    def get_page_title(self):
        return self.report.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("payments_reports"), "label": _("Reports")},
            {"url": "", "label": self.report.title},
        ]

    def get(self, request, *args, slug: str, **kwargs):
        report: Report | None = REPORTS.get(slug)
        if report is None:
            raise Http404
        self.report = report
        form = ReportFilterForm(request.GET, report=report, today=timezone.localdate())
        valid = form.is_valid()
        span = form.span() if valid else form.default_span
        result = report.build(span, form.options() if valid else Options())
        if self.as_csv:
            if not valid:
                errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
                return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
            response = HttpResponse(result.table.to_csv(), content_type="text/csv; charset=utf-8")
            name = f"{report.slug}-{span.start.isoformat()}-{span.end.isoformat()}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        context = self.get_context_data(
            report=report,
            reports=REPORTS.values(),
            form=form,
            span=span,
            result=result,
            csv_url=reverse("payments_report_csv", args=[report.slug])
            + ("?" + request.GET.urlencode() if valid and request.GET else ""),
        )
        return self.render_to_response(context, status=200 if valid else 400)
