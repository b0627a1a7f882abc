"""Admin pages for planning: run a session again (one or many new dates) and the
calendar of sessions. Thin: forms collect input, ``services`` and ``selectors`` decide."""

import calendar
import datetime
import re
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.generic import TemplateView

from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import selectors, services
from .errors import SessionInvalid
from .formatting import local_datetime, money
from .forms import NewDateFormSet, ScheduleAgainForm
from .models import Session

ADD_SESSION_PERMISSION = "courses.add_session"
CHECK_IN_PERMISSION = "courses.check_in_attendees"
SESSION_PERMISSIONS = ("courses.add_session", "courses.change_session", CHECK_IN_PERMISSION)
NEW_DATE_ROWS = 6
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def user_can_see_sessions(user) -> bool:
    return any(user.has_perm(permission) for permission in SESSION_PERMISSIONS)


def _before_start(moment, start, tz) -> str:
    """ "3 weeks before the start" for a ticket's sales window, in the venue's days."""
    days = (timezone.localdate(start, tz) - timezone.localdate(moment, tz)).days
    if days < 0:
        return "after the start"
    if days == 0:
        return "on the day it starts"
    if days % 7 == 0:
        weeks = days // 7
        return f"{weeks} week{'s' if weeks != 1 else ''} before the start"
    return f"{days} day{'s' if days != 1 else ''} before the start"


class ScheduleAgainView(WagtailAdminTemplateMixin, TemplateView):
    """ "Schedule again" on a session, and "Schedule a new season" on a workshop (from its
    latest session): several new start dates in one form, everything else copied."""

    template_name = "courses/admin/schedule_again.html"
    header_icon = "date"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(ADD_SESSION_PERMISSION):
            raise PermissionDenied
        self.source = get_object_or_404(
            Session.objects.select_related("workshop", "venue").prefetch_related(
                "ticket_types", "instructors"
            ),
            pk=kwargs["session_id"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return gettext("Schedule again: %(workshop)s") % {"workshop": self.source.workshop.title}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("workshop_sessions:index"), "label": gettext("Dates & tickets")},
            {
                "url": reverse("workshop_sessions:edit", args=[self.source.pk]),
                "label": str(self.source),
            },
            {"url": "", "label": gettext("Schedule again")},
        ]

    def get(self, request, *args, **kwargs):
        local_start = self.source.local_starts_at
        initial = [
            {"starts_at_time": local_start.time(), "capacity": self.source.capacity}
        ] * NEW_DATE_ROWS
        return self.render(
            ScheduleAgainForm(initial={"venue": self.source.venue_id}),
            NewDateFormSet(initial=initial, prefix="dates"),
        )

    def post(self, request, *args, **kwargs):
        form = ScheduleAgainForm(request.POST)
        formset = NewDateFormSet(request.POST, prefix="dates")
        if not (form.is_valid() and formset.is_valid()):
            return self.render(form, formset, status=400)
        new_dates = [
            services.NewDate(**row)
            for row in formset.cleaned_data
            if row and row.get("starts_on") is not None
        ]
        try:
            created = services.session_schedule_again(
                source=self.source, new_dates=new_dates, venue=form.cleaned_data["venue"]
            )
        except SessionInvalid as invalid:
            for errors in invalid.errors.values():
                for error in errors:
                    form.add_error(None, error)
            return self.render(form, formset, status=400)
        days = ", ".join(date_format(s.local_starts_at, "M j, Y") for s in created)
        messages.success(
            request,
            ngettext(
                "Scheduled %(count)s new date of %(workshop)s: %(days)s. It is on sale now.",
                "Scheduled %(count)s new dates of %(workshop)s: %(days)s. They are on sale now.",
                len(created),
            )
            % {"count": len(created), "workshop": self.source.workshop.title, "days": days},
        )
        first = created[0].local_starts_at
        return redirect(f"{reverse('courses_session_calendar')}?month={first:%Y-%m}")

    def render(self, form, formset, status: int = 200):
        start, tz = self.source.starts_at, self.source.tz
        tickets = [
            {
                "name": ticket.name,
                "price": money(ticket.price_amount, ticket.currency),
                "sales_start": _before_start(ticket.sales_start, start, tz)
                if ticket.sales_start
                else "",
                "sales_end": _before_start(ticket.sales_end, start, tz) if ticket.sales_end else "",
                "quantity_limit": ticket.quantity_limit,
            }
            for ticket in self.source.ticket_types.all()
        ]
        context = self.get_context_data(
            form=form,
            formset=formset,
            source=self.source,
            source_when=local_datetime(self.source.starts_at, self.source.tz),
            duration=self.source.ends_at - self.source.starts_at,
            tickets=tickets,
            instructors=[i.name for i in self.source.instructors.all()],
            max_dates=services.MAX_NEW_DATES,
        )
        return self.render_to_response(context, status=status)


@dataclass
class CalendarDay:
    day: datetime.date
    in_month: bool
    is_today: bool
    sessions: list[Session] = field(default_factory=list)
    # Multi-day sessions that began on an earlier day: (session, day number, days in all).
    continuing: list[tuple[Session, int, int]] = field(default_factory=list)


# A session longer than this (a mistake, or a course run over months) is drawn on its
# first days only, so one bad date cannot fill the calendar.
MAX_CALENDAR_DAYS = 31


def session_local_days(session: Session) -> list[datetime.date]:
    """The venue-local days a session covers: 9 AM Saturday to 5 PM Sunday is two days;
    one ending exactly at midnight does not reach the next day."""
    first = session.local_starts_at.date()
    last = max(first, (session.local_ends_at - datetime.timedelta(microseconds=1)).date())
    count = min((last - first).days + 1, MAX_CALENDAR_DAYS)
    return [first + datetime.timedelta(days=n) for n in range(count)]


class SessionCalendarView(WagtailAdminTemplateMixin, TemplateView):
    """All sessions of a month: a grid on wide screens, a list on phones."""

    template_name = "courses/admin/session_calendar.html"
    page_title = gettext_lazy("Calendar")
    header_icon = "calendar"

    def dispatch(self, request, *args, **kwargs):
        if not user_can_see_sessions(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": gettext("Calendar of sessions")}]

    def _int(self, name: str) -> int | None:
        value = self.request.GET.get(name, "")
        return int(value) if value.isdigit() and len(value) < 10 else None

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        raw_month = self.request.GET.get("month", "")
        match = MONTH_RE.match(raw_month)
        problem = ""
        if match:
            year, month = int(match[1]), int(match[2])
        else:
            year, month = today.year, today.month
            if raw_month:
                problem = f"“{raw_month[:20]}” is not a month (use YYYY-MM); showing this month."
        first = datetime.date(year, month, 1)
        after = (first + datetime.timedelta(days=32)).replace(day=1)
        before = (first - datetime.timedelta(days=1)).replace(day=1)
        tz = timezone.get_current_timezone()
        filters = {
            "workshop_id": self._int("workshop"),
            "venue_id": self._int("venue"),
            "instructor_id": self._int("instructor"),
        }
        # A day's margin each side: sessions are placed by their venue's local dates. The
        # grid shows the days of the weeks around the month too (up to six days each side).
        sessions = list(
            selectors.calendar_sessions(
                starts_from=datetime.datetime.combine(first, datetime.time(), tz)
                - datetime.timedelta(days=7),
                starts_before=datetime.datetime.combine(after, datetime.time(), tz)
                + datetime.timedelta(days=7),
                **filters,
            )
        )
        by_day: dict[datetime.date, list[Session]] = {}
        continuing: dict[datetime.date, list[tuple[Session, int, int]]] = {}
        month_sessions = []
        for session in sessions:
            days = session_local_days(session)
            by_day.setdefault(days[0], []).append(session)
            for number, day in enumerate(days[1:], start=2):
                continuing.setdefault(day, []).append((session, number, len(days)))
            if any((day.year, day.month) == (year, month) for day in days):
                month_sessions.append(session)
        weeks = [
            [
                CalendarDay(
                    day,
                    day.month == month,
                    day == today,
                    by_day.get(day, []),
                    continuing.get(day, []),
                )
                for day in week
            ]
            for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        ]
        user = self.request.user
        query = {k.removesuffix("_id"): v for k, v in filters.items() if v}
        return super().get_context_data(
            weeks=weeks,
            weekdays=list(calendar.day_abbr),
            month_sessions=month_sessions,
            month_label=f"{first:%B %Y}",
            month=f"{first:%Y-%m}",
            previous_month=f"{before:%Y-%m}",
            next_month=f"{after:%Y-%m}",
            this_month=f"{today:%Y-%m}",
            query=query,
            problem=problem,
            can_edit=user.has_perm("courses.change_session"),
            can_check_in=user.has_perm(CHECK_IN_PERMISSION),
            **selectors.calendar_filter_choices(),
            **kwargs,
        )
