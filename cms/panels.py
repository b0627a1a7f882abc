"""Admin panels for pages that show live ``courses`` data next to page content."""

from urllib.parse import quote

from django.urls import NoReverseMatch, reverse

from wagtail.admin.panels import Panel

from courses import selectors

SESSIONS_ADMIN = "workshop_sessions"


class SessionsPanel(Panel):
    """Lists the sessions of the page's workshop with links to add and edit them.

    Sessions save at once in their own admin view (not in this page's revisions), so
    publishing or reverting the page can never delete or resurrect a sold session.
    """

    class BoundPanel(Panel.BoundPanel):
        template_name = "cms/panels/sessions_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            workshop_id = getattr(self.instance, "workshop_id", None)
            back = ""
            if self.instance.pk:
                back = "next=" + quote(reverse("wagtailadmin_pages:edit", args=[self.instance.pk]))
            rows = []
            add_url = ""
            season_url = ""
            if workshop_id:
                sessions = list(selectors.workshop_sessions_for_admin(workshop_id=workshop_id))
                availability = selectors.session_availability(sessions)
                for session in sessions:
                    rows.append(
                        {
                            "session": session,
                            "availability": availability[session.pk],
                            "edit_url": _admin_url("edit", session.pk)
                            + (f"?{back}" if back else ""),
                        }
                    )
                latest = next((s for s in sessions if not s.is_cancelled), None)
                if latest is not None:
                    season_url = _url("courses_schedule_again", latest.pk)
                add_url = _admin_url("add")
                if add_url:
                    add_url += f"?workshop={workshop_id}" + (f"&{back}" if back else "")
            context.update(
                {
                    "workshop_id": workshop_id,
                    "rows": rows,
                    "add_url": add_url,
                    "season_url": season_url,
                    "index_url": _admin_url("index"),
                }
            )
            return context


def _admin_url(view: str, *args) -> str:
    return _url(f"{SESSIONS_ADMIN}:{view}", *args)


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
