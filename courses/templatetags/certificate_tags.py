from django import template

from courses.selectors import user_certificates

register = template.Library()


@register.inclusion_tag("courses/includes/account_certificates.html", takes_context=True)
def account_certificates(context) -> dict:
    """My account's certificates section, self-contained so the dashboard view stays as is."""
    user = context["request"].user
    return {"certificates": list(user_certificates(user=user)) if user.is_authenticated else []}
