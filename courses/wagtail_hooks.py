from django.urls import reverse

from wagtail import hooks
from wagtail.admin.menu import MenuItem


class CheckInMenuItem(MenuItem):
    """Event staff reach the phone-friendly check-in pages from the admin menu."""

    def is_shown(self, request) -> bool:
        return request.user.has_perm("courses.check_in_attendees")


@hooks.register("register_admin_menu_item")
def register_check_in_menu_item() -> MenuItem:
    return CheckInMenuItem(
        "Check-in", reverse("courses:staff_sessions"), icon_name="tick", order=250
    )
