"""Wagtail dashboard panels for the courses domain (registered in wagtail_hooks.py)."""

from wagtail.admin.ui.components import Component

from . import admin_views, selectors

DASHBOARD_ROWS = 12


class ComingUpPanel(Component):
    """ "What's next" for sessions: the next 60 days with fill and waiting demand, and the
    course records with no date to come (to schedule again). Fixed queries, any size."""

    name = "coming_up"
    order = 50
    template_name = "courses/admin/dashboard_coming_up.html"

    def __init__(self, user) -> None:
        self.user = user

    def get_context_data(self, parent_context):
        sessions = list(selectors.sessions_coming_up()[: DASHBOARD_ROWS + 1])
        can_schedule = self.user.has_perm(admin_views.ADD_SESSION_PERMISSION)
        idle = (
            list(selectors.workshops_without_upcoming_date()[: DASHBOARD_ROWS + 1])
            if can_schedule
            else []
        )
        return {
            "sessions": sessions[:DASHBOARD_ROWS],
            "more_sessions": len(sessions) > DASHBOARD_ROWS,
            "idle_workshops": idle[:DASHBOARD_ROWS],
            "more_idle": len(idle) > DASHBOARD_ROWS,
            "can_schedule": can_schedule,
            "can_edit": self.user.has_perm("courses.change_session"),
            "days": selectors.UPCOMING_DAYS,
        }
