"""One host everywhere: ``SITE_URL`` is the address of the site, and the records that
Wagtail (canonical links, sitemap, ``full_url``) and django.contrib.sites (allauth's
e-mails) keep of it are written from it, never typed separately."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site as DjangoSite
from django.db import transaction

from wagtail.models import Site

SITE_NAME = "PhysioMassage Academy"


def site_address(site_url: str) -> tuple[str, int, str]:
    """(hostname, port, "host[:port]") of an absolute URL; the port defaults by scheme."""
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"SITE_URL must be an absolute http(s) URL, not {site_url!r}.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname, port, parts.netloc


def site_sync(*, site_url: str | None = None) -> None:
    """Point the default Wagtail Site and the Django Site at ``site_url`` (``SITE_URL``).

    Runs after every ``migrate`` (so a deploy or ``make run PORT=…`` needs no extra step)
    and when the demo is seeded. Without a default Wagtail Site yet, only the Django Site
    is written: the first page tree creates the Wagtail one."""
    hostname, port, netloc = site_address(site_url or settings.SITE_URL)
    with transaction.atomic():
        Site.objects.filter(is_default_site=True).update(hostname=hostname, port=port)
        DjangoSite.objects.update_or_create(
            pk=settings.SITE_ID, defaults={"domain": netloc, "name": SITE_NAME}
        )
