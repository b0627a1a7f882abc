"""``{% kept "name" key... %}...{% endkept %}``: a part of a template that is the same for
every viewer, rendered once per content version and kept by the process as HTML.

Titles, images (with their renditions), summaries, notes and URLs only change when an
editor publishes, so a page renders them once, not on every request; the personal parts
(access, progress, tokens, CSRF) stay outside the block and are rendered each time. The
HTML is keyed on the content version (``cms.content_version``: a publish shows on the
next request), the language, the host (URLs are site-relative), the block's name and its
key values; nothing of the viewer is in the key, so nothing of the viewer may be inside:

- the block sees ``user`` as anonymous, no ``perms`` and no ``csrf_token``, so a mistake
  renders the anonymous version for everyone rather than one person's data for all;
- pass as key values everything else the block shows that is not content, e.g. whether
  the viewer may watch (not who they are);
- nothing inside may set variables for the rest of the template (``as`` forms), since a
  kept render skips the block.

Previews and an unknown content version (the cache down) always render.
"""

from django import template
from django.contrib.auth.context_processors import PermWrapper
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import get_language

from cms.content_version import content_version
from config.kept import Kept

register = template.Library()

# Bounded by count, so by size too: most blocks are a few hundred bytes (cards, rows,
# headings); the few large ones (notes, transcripts) have a smaller store of their own.
LARGE = 16 * 1024
_small = Kept(size=3000)
_large = Kept(size=100)


class KeptNode(template.Node):
    def __init__(self, nodelist, name, keys) -> None:
        self.nodelist = nodelist
        self.name = name
        self.keys = keys

    def render(self, context) -> str:
        # A RequestContext's own request: an inclusion tag's new context has no variables
        # of the page's (no ``request``), but is still for that request.
        request = getattr(context, "request", None) or context.get("request")
        version = content_version(request) if request is not None else None
        if version is None or getattr(request, "is_preview", False):
            return self._render(context)
        key = (
            version,
            get_language(),
            request._get_raw_host(),
            request.get_port(),
            self.name.resolve(context),
            *(value.resolve(context) for value in self.keys),
        )
        html = _small.get(key)
        if html is None:
            html = _large.get(key)
        if html is None:
            html = self._render(context)
            (_large if len(html) > LARGE else _small).put(key, html)
        return html

    def _render(self, context) -> str:
        anonymous = AnonymousUser()
        with context.push(user=anonymous, perms=PermWrapper(anonymous), csrf_token=""):
            return self.nodelist.render(context)


@register.tag
def kept(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]} needs a name")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(
        nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]]
    )
