"""Absolute links the product hands out: always on ``SITE_URL``.

Stripe's return pages, calendar files, e-mails, robots.txt and share images must name the
public address, whatever Host header reached this process (an internal name or port behind
a proxy or load balancer, or a forged header). One function, so no link escapes it.
"""

from urllib.parse import urljoin

from django.conf import settings


def absolute_url(path_or_url: str) -> str:
    """``/payments/orders/ABC/`` → ``https://academy.example/payments/orders/ABC/``; a URL that
    is already absolute (an object-store rendition) is returned unchanged, and no URL ("")
    stays none."""
    if not path_or_url:
        return ""
    return urljoin(settings.SITE_URL + "/", path_or_url)
