from django import template

from accounts.selectors.devices import user_devices

register = template.Library()


@register.simple_tag(takes_context=True)
def signed_in_devices(context) -> list:
    """The devices list for allauth's sessions page, which only hands the template raw
    sessions (an IP and a User-Agent header)."""
    request = context["request"]
    return user_devices(user=request.user, current_session_key=request.session.session_key)
