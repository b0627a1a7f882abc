"""Admin for the courses domain: snippets for the records editors curate, and a
session editor (with inline ticket types) that saves at once, outside page revisions."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db import router
from django.db.models.deletion import Collector, ProtectedError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.menus import MenuItem as UIMenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import admin_views, selectors, services
from .admin_filters import LeanOptionsFilterSet
from .admin_panels import ComingUpPanel
from .errors import CoursesError
from .forms import SessionAdminForm
from .home_study_admin import HomeStudyQuestionViewSet, masterclass_edit_handler
from .models import AccessGrant, Instructor, Masterclass, Session, Venue, Workshop
from .video_admin import VideoCaptionViewSet, VideoViewSet


class VenueViewSet(SnippetViewSet):
    model = Venue
    icon = "site"
    menu_label = _("Venues")
    list_display = ["name", "city", "region", "time_zone"]
    list_filter = ["city"]
    search_fields = ["name", "city"]
    panels = [
        FieldPanel("name"),
        FieldPanel("address"),
        FieldRowPanel([FieldPanel("city"), FieldPanel("region"), FieldPanel("postal_code")]),
        FieldRowPanel([FieldPanel("country"), FieldPanel("time_zone")]),
        FieldPanel("directions"),
    ]


class InstructorViewSet(SnippetViewSet):
    model = Instructor
    icon = "user"
    menu_label = _("Instructors")
    list_display = ["name", "credentials"]
    search_fields = ["name"]
    panels = [FieldPanel("name"), FieldPanel("credentials"), FieldPanel("photo"), FieldPanel("bio")]


class WorkshopIndexView(SnippetIndexView):
    """Course records, each with "Schedule a new season" (a copy of its latest session)."""

    def get_base_queryset(self):
        return selectors.workshops_with_latest_session(super().get_base_queryset())

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.latest_session_id and self.request.user.has_perm(
            admin_views.ADD_SESSION_PERMISSION
        ):
            url = reverse("courses_schedule_again", args=[instance.latest_session_id])
            buttons.append(
                UIMenuItem(_("Schedule a new season"), url=url, icon_name="copy", priority=30)
            )
        return buttons


class WorkshopViewSet(SnippetViewSet):
    model = Workshop
    index_view_class = WorkshopIndexView
    icon = "doc-full"
    menu_label = _("Course records")
    list_display = ["title", "ce_hours", "course_type", "provider_approval_number"]
    list_filter = ["course_type"]
    search_fields = ["title", "ce_title"]
    panels = [
        FieldPanel("title"),
        MultiFieldPanel(
            [
                FieldPanel("ce_title"),
                FieldRowPanel([FieldPanel("ce_hours"), FieldPanel("course_type")]),
                FieldPanel("provider_approval_number"),
            ],
            heading=_("Continuing education"),
        ),
        FieldPanel("prerequisites"),
        MultiFieldPanel(
            [
                FieldPanel("refund_full_days"),
                FieldRowPanel(
                    [FieldPanel("refund_partial_days"), FieldPanel("refund_partial_percent")]
                ),
            ],
            heading=_("Refund policy"),
        ),
    ]


# Other apps add actions on a session (payments: cancel the session and refund everyone,
# add a complimentary registration) through this hook, so courses knows nothing of them.
# Each hook function takes ``session`` and ``user`` and returns a list of ``MenuItem``s.
SESSION_ACTIONS_HOOK = "workshop_session_actions"


def session_actions(session: Session, user) -> list[UIMenuItem]:
    return [item for fn in hooks.get_hooks(SESSION_ACTIONS_HOOK) for item in fn(session, user)]


def _planning_actions(session: Session, user) -> list[UIMenuItem]:
    if not user.has_perm(admin_views.ADD_SESSION_PERMISSION):
        return []
    url = reverse("courses_schedule_again", args=[session.pk])
    return [UIMenuItem(_("Schedule again"), url=url, icon_name="copy", priority=30)]


class SessionIndexView(generic.IndexView):
    base_filterset_class = LeanOptionsFilterSet

    def get_base_queryset(self):
        return selectors.sessions_with_seats(
            super().get_base_queryset().select_related("workshop", "venue")
        )

    def get_list_more_buttons(self, instance):
        user = self.request.user
        return (
            super().get_list_more_buttons(instance)
            + _planning_actions(instance, user)
            + session_actions(instance, user)
        )


class ReturnToNextMixin:
    """Go back where the editor came from (the workshop page's editor) after saving."""

    def _next(self) -> str:
        return get_valid_next_url_from_request(self.request)

    def _with_next(self, url: str) -> str:
        next_url = self._next()
        if not next_url:
            return url
        return f"{url}{'&' if '?' in url else '?'}{urlencode({'next': next_url})}"

    def get_success_url(self):
        return self._next() or super().get_success_url()


class SessionCreateView(ReturnToNextMixin, generic.CreateView):
    def get_add_url(self):
        return self._with_next(super().get_add_url())

    def get_initial(self):
        initial = super().get_initial()
        workshop = self.request.GET.get("workshop", "")
        if workshop.isdigit() and Workshop.objects.filter(pk=workshop).exists():
            initial["workshop"] = int(workshop)
        return initial


class SessionEditView(ReturnToNextMixin, generic.EditView):
    def get_edit_url(self):
        return self._with_next(super().get_edit_url())

    def save_instance(self):
        session = super().save_instance()
        services.session_capacity_change(session=session)
        return session

    @cached_property
    def header_buttons(self):
        """ "Schedule again" is what editors do most with a past session: in plain view."""
        buttons = list(super().header_buttons)
        if self.request.user.has_perm(admin_views.ADD_SESSION_PERMISSION):
            url = reverse("courses_schedule_again", args=[self.object.pk])
            buttons.append(HeaderButton(_("Schedule again"), url=url, icon_name="copy"))
        return buttons

    @cached_property
    def header_more_buttons(self):
        extra = session_actions(self.object, self.request.user)
        return super().header_more_buttons + [Button.from_menu_item(item) for item in extra]


class SessionDeleteView(generic.DeleteView):
    """Refuses (with a message) to delete a session that has registrations."""

    def dispatch(self, request, *args, **kwargs):
        try:
            services.session_delete_check(session=self.object)
        except CoursesError as error:
            messages.error(request, str(error))
            return redirect(reverse("workshop_sessions:edit", args=[self.object.pk]))
        return super().dispatch(request, *args, **kwargs)

    def delete_action(self):
        services.session_delete(session=self.object)


class SessionViewSet(ModelViewSet):
    model = Session
    name = "workshop_sessions"
    url_prefix = "workshop-sessions"
    icon = "date"
    menu_label = _("Dates & tickets")
    add_to_admin_menu = False
    copy_view_enabled = False
    index_view_class = SessionIndexView
    add_view_class = SessionCreateView
    edit_view_class = SessionEditView
    delete_view_class = SessionDeleteView
    list_display = [
        "workshop",
        Column("starts_at", label=_("Starts"), sort_key="starts_at"),
        "venue",
        Column("seats_taken", label=_("Seats taken")),
        "capacity",
        TitleColumn(
            "seats_waiting",
            label=_("Waiting list"),
            accessor=lambda s: f"{s.seats_waiting} seats waiting" if s.seats_waiting else "—",
            get_url=lambda s: reverse("courses:staff_waitlist", args=[s.pk]),
        ),
        "status",
    ]
    list_filter = ["status", "workshop", "venue"]
    search_fields = ["workshop__title", "venue__city", "label"]
    ordering = ["-starts_at"]
    edit_handler = ObjectList(
        [
            FieldPanel("workshop"),
            FieldPanel("label"),
            FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")], heading=_("When")),
            FieldRowPanel([FieldPanel("venue"), FieldPanel("time_zone")], heading=_("Where")),
            FieldPanel("instructors", widget=forms.CheckboxSelectMultiple),
            FieldRowPanel([FieldPanel("capacity"), FieldPanel("status")]),
            FieldRowPanel(
                [FieldPanel("registration_opens_at"), FieldPanel("registration_closes_at")],
                heading=_("Registration"),
            ),
            InlinePanel(
                "ticket_types",
                heading=_("Ticket types"),
                label=_("Ticket type"),
                min_num=0,
                panels=[
                    FieldRowPanel([FieldPanel("name"), FieldPanel("price_amount")]),
                    FieldPanel("description"),
                    FieldRowPanel([FieldPanel("sales_start"), FieldPanel("sales_end")]),
                    FieldRowPanel(
                        [
                            FieldPanel("quantity_limit"),
                            FieldPanel("min_per_order"),
                            FieldPanel("max_per_order"),
                        ]
                    ),
                    FieldRowPanel([FieldPanel("members_price_amount"), FieldPanel("currency")]),
                ],
            ),
        ],
        base_form_class=SessionAdminForm,
    )


class WorkshopsGroup(ViewSetGroup):
    menu_label = _("Workshops")
    menu_icon = "date"
    menu_order = 200
    items = (SessionViewSet, WorkshopViewSet, VenueViewSet, InstructorViewSet)


@hooks.register("before_delete_snippet")
def refuse_deleting_records_in_use(request, instances):
    """Venues and course records that sessions (or pages) still use are protected in the
    database; say so in words instead of failing."""
    if not instances or not isinstance(instances[0], Venue | Workshop):
        return None
    try:
        Collector(using=router.db_for_write(type(instances[0]))).collect(instances)
    except ProtectedError as error:
        users = sorted({str(obj) for obj in error.protected_objects})
        shown = "; ".join(users[:5])
        if len(users) > 5:
            shown = gettext("%(names)s and %(count)s more") % {
                "names": shown,
                "count": len(users) - 5,
            }
        messages.error(
            request,
            gettext(
                "“%(record)s” is still used by: %(users)s. Move or cancel those first; "
                "nothing was deleted."
            )
            % {"record": instances[0], "users": shown},
        )
        viewset = type(instances[0]).snippet_viewset
        return redirect(reverse(viewset.get_url_name("list")))
    return None


@hooks.register("register_admin_viewset")
def register_workshops_viewsets():
    return WorkshopsGroup()


@hooks.register("register_admin_urls")
def register_planning_urls():
    return [
        path(
            "workshop-sessions/<int:session_id>/schedule-again/",
            admin_views.ScheduleAgainView.as_view(),
            name="courses_schedule_again",
        ),
        path(
            "workshop-calendar/",
            admin_views.SessionCalendarView.as_view(),
            name="courses_session_calendar",
        ),
    ]


class CalendarMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return admin_views.user_can_see_sessions(request.user)


@hooks.register("register_admin_menu_item")
def register_calendar_menu_item() -> MenuItem:
    return CalendarMenuItem(
        _("Calendar"), reverse("courses_session_calendar"), icon_name="calendar", order=199
    )


class MasterclassViewSet(SnippetViewSet):
    model = Masterclass
    icon = "folder-open-inverse"
    menu_label = _("Masterclasses")
    list_display = ["title", "slug", Column("price_display", label=_("Price")), "created_at"]
    search_fields = ["title"]
    edit_handler = masterclass_edit_handler  # with the home-study CE panel


class AccessGrantViewSet(SnippetViewSet):
    model = AccessGrant
    icon = "key"
    menu_label = _("Access grants")
    list_display = ["user", "masterclass", "source", "starts_at", "ends_at", "revoked_at"]
    list_filter = ["source", "masterclass"]
    panels = [
        FieldPanel("user"),
        FieldPanel("source"),
        FieldPanel("masterclass"),
        FieldPanel("starts_at"),
        FieldPanel("ends_at"),
        FieldPanel("source_reference"),
        FieldPanel("revoked_at"),
    ]


class MasterclassGroup(SnippetViewSetGroup):
    items = (
        MasterclassViewSet,
        HomeStudyQuestionViewSet,
        VideoViewSet,
        VideoCaptionViewSet,
        AccessGrantViewSet,
    )
    menu_icon = "media"
    menu_label = _("Masterclasses")
    menu_name = "masterclasses"


register_snippet(MasterclassGroup)


class CheckInMenuItem(MenuItem):
    """Event staff reach the phone-friendly check-in pages from the admin menu."""

    def is_shown(self, request) -> bool:
        return request.user.has_perm("courses.check_in_attendees")


@hooks.register("register_admin_menu_item")
def register_check_in_menu_item() -> MenuItem:
    return CheckInMenuItem(
        _("Check-in"), reverse("courses:staff_sessions"), icon_name="tick", order=250
    )


@hooks.register("construct_homepage_panels")
def add_coming_up_panel(request, panels):
    if admin_views.user_can_see_sessions(request.user):
        panels.append(ComingUpPanel(request.user))
