from django import template

from courses.models import Masterclass
from courses.selectors.home_study import home_study_certificate, home_study_lessons_status

register = template.Library()


@register.inclusion_tag("courses/includes/home_study_panel.html", takes_context=True)
def home_study_panel(context, masterclass: Masterclass) -> dict:
    """The masterclass page's CE box: hours, the unlock state and the way to the test,
    self-contained so the page's own context stays as it is."""
    if not masterclass.ce_approved:
        return {"show": False}
    user = context["request"].user
    signed_in = user.is_authenticated
    return {
        "show": True,
        "masterclass": masterclass,
        "signed_in": signed_in,
        "lessons": home_study_lessons_status(user=user, masterclass=masterclass)
        if signed_in
        else None,
        "certificate": home_study_certificate(user=user, masterclass=masterclass)
        if signed_in
        else None,
    }
