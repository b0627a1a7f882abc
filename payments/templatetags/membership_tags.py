"""Membership on every page (the past-due banner in base.html) and on My account."""

from django import template
from django.utils.functional import SimpleLazyObject

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def membership_banner(context) -> str:
    """The "your last payment failed" banner, for signed-in members whose subscription is
    past due (remembered per user between their memberships' changes: a cache read per
    page for signed-in visitors, nothing for others). Nothing at all for everyone else,
    without rendering a template for it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    past_due = selectors.membership_banner_past_due(user=user)
    if past_due is None:
        return ""
    banner = context.template.engine.get_template("payments/includes/membership_banner.html")
    return banner.render(context.new({"access_ends_at": past_due.access_ends_at}))


@register.inclusion_tag("payments/includes/membership_status.html", takes_context=True)
def membership_card(context, any_membership: bool = True) -> dict:
    """``any_membership`` False: the caller knows the user has no subscription and no
    active grant (no query for them); the plan offer is read only for non-members."""
    user = context["request"].user
    summary = (
        selectors.membership_summary(user=user)
        if any_membership
        else selectors.MembershipSummary("none")
    )
    offer = None
    if summary.kind == "none":
        # Read only when the kept offer is rendered (once per content version).
        offer = SimpleLazyObject(lambda: selectors.membership_plan_offers()["monthly"])
    return {"summary": summary, "offer": offer, "user": user}
