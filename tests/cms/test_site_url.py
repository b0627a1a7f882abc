"""One host everywhere: SITE_URL (set by `make run PORT=…`) is the address every absolute
link uses: canonical links, the sitemap, allauth's Django Site and e-mails."""

import shutil
import subprocess
from pathlib import Path

from django.contrib.sites.models import Site as DjangoSite
from django.core.management import call_command

from wagtail.models import Site

import pytest

from cms.services import site_sync

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def on_port_8100(settings, page_tree):
    settings.SITE_URL = "http://127.0.0.1:8100"
    site_sync()
    return page_tree


def test_pages_sitemap_and_canonical_links_use_site_url(on_port_8100, client):
    home = on_port_8100.home
    assert home.full_url == "http://127.0.0.1:8100/"
    html = client.get("/").content.decode()
    assert '<link rel="canonical" href="http://127.0.0.1:8100/">' in html
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://127.0.0.1:8100/</loc>" in sitemap
    assert "localhost" not in sitemap
    assert DjangoSite.objects.get_current().domain == "127.0.0.1:8100"


def test_https_on_the_default_port(settings, page_tree):
    site_sync(site_url="https://physiomassage.example")
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("physiomassage.example", 443)
    assert page_tree.home.full_url == "https://physiomassage.example/"


def test_migrate_brings_the_sites_in_line(settings, page_tree):
    settings.SITE_URL = "http://127.0.0.1:8200"
    call_command("migrate", verbosity=0)
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("127.0.0.1", 8200)


@pytest.mark.parametrize("bad", ["127.0.0.1:8100", "ftp://files.example", "http://"])
def test_a_site_url_that_is_not_an_address_is_refused_and_changes_nothing(bad, page_tree):
    before = list(Site.objects.values_list("hostname", "port"))
    with pytest.raises(ValueError, match="SITE_URL must be an absolute http"):
        site_sync(site_url=bad)
    assert list(Site.objects.values_list("hostname", "port")) == before


def test_make_run_sets_site_url_from_port():
    make = shutil.which("make")
    assert make, "make is needed to run the project"
    dry_run = subprocess.run(  # noqa: S603 - fixed arguments
        [make, "-n", "-p", "run", "PORT=8100"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert "SITE_URL := http://127.0.0.1:8100" in dry_run
    assert "runserver 127.0.0.1:8100" in dry_run
