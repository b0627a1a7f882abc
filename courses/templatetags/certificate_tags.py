from django import template

from courses.selectors import user_certificates
from courses.selectors.home_study import ce_hours_by_period

register = template.Library()


@register.inclusion_tag("courses/includes/account_certificates.html", takes_context=True)
def account_certificates(context, transcript_url: str = "", any_certificates: bool = True) -> dict:
    """My account's certificates section, self-contained so the dashboard view stays as is:
    the certificates, CE hours per period and a link to the printable transcript.
    ``any_certificates`` False: the caller knows there are none (no query)."""
    user = context["request"].user
    certificates = (
        list(user_certificates(user=user)) if any_certificates and user.is_authenticated else []
    )
    return {
        "certificates": certificates,
        "periods": ce_hours_by_period(certificates=certificates)[:3],
        "transcript_url": transcript_url,
    }
