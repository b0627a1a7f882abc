"""``{% keep "name" vary... %}...{% endkeep %}``: the enclosed HTML rendered once per
process for each content version, language, host and ``vary`` values, and reused.

For the parts of public pages that are the same for every visitor (a workshop's
description, its dates and seats, cards, link previews, the footer): rendering them is
most of a page's cost. Whatever the enclosed HTML depends on besides published content
must be in ``vary``: a ``kept_token`` (``cms.fragments.kept``) for seats and dates, the
path for what marks the current page. Never enclose anything personal (names, progress,
forms with a CSRF token, waiting-list places): those render outside, every request.
"""

from django import template

from .. import fragments

register = template.Library()


class KeepNode(template.Node):
    def __init__(self, nodelist: template.NodeList, vary: list) -> None:
        self.nodelist = nodelist
        self.vary = vary

    def render(self, context) -> str:
        vary = [v.resolve(context) for v in self.vary]
        # A missing value (a page computed without its kept_token) must not be kept.
        if any(v is None or v == "" for v in vary):
            return self.nodelist.render(context)
        key = fragments.html_key(context.get("request"), [str(v) for v in vary])
        if key is None:
            return self.nodelist.render(context)
        return fragments.html_kept(key, lambda: self.nodelist.render(context))


@register.tag("keep")
def do_keep(parser, token) -> KeepNode:
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError('{% keep %} needs a name: {% keep "name" ... %}')
    nodelist = parser.parse(("endkeep",))
    parser.delete_first_token()
    return KeepNode(nodelist, [parser.compile_filter(bit) for bit in bits])
