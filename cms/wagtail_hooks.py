from wagtail import hooks

from .middleware import CACHEABLE_FLAG


@hooks.register("before_serve_page")
def mark_page_cacheable(page, request, serve_args, serve_kwargs):
    """Published pages served normally (not previews) may go in the anonymous page cache;
    the middleware still decides per request and response."""
    setattr(request, CACHEABLE_FLAG, not getattr(request, "is_preview", False))
