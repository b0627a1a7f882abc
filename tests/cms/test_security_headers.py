"""Issue 12, row "No CSP": every page carries a Content-Security-Policy that allows no
inline script; production enforces it; the Wagtail admin gets its own, looser one."""

import re
from importlib import import_module

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CSP = "Content-Security-Policy"


def directives(header: str) -> dict[str, list[str]]:
    parts = (p.split() for p in header.split(";") if p.strip())
    return {name: values for name, *values in parts}


def test_public_pages_forbid_inline_script(client, page_tree):
    for url in ["/", "/workshops/", page_tree.workshop.url, page_tree.lesson.url]:
        response = client.get(url)
        policy = directives(response[CSP])
        assert policy["script-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "https://checkout.stripe.com" in policy["form-action"]
        # And our pages need none: every <script> loads a file or is data (JSON-LD).
        scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
        assert all("src=" in tag or 'type="application/' in tag for tag in scripts), url
        assert not re.search(r"\son[a-z]+=\"", response.content.decode()), url


def test_pages_from_the_page_cache_carry_the_policy_too(client, page_tree, settings):
    settings.PAGE_CACHE_SECONDS = 5
    client.get("/workshops/")
    hit = client.get("/workshops/")
    assert hit["X-Page-Cache"] == "hit"
    assert directives(hit[CSP])["script-src"] == ["'self'"]


def test_the_admin_gets_its_own_policy(client, page_tree):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/")
    assert response.status_code == 200
    policy = directives(response[CSP])
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]


def test_production_enforces_and_dev_reports(monkeypatch):
    for name, value in {
        "SECRET_KEY": "x",
        "ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": "postgres://u@localhost/db",
        "STRIPE_SECRET_KEY": "sk_live_x",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
        "EMAIL_URL": "consolemail://",
    }.items():
        monkeypatch.setenv(name, value)
    production = import_module("config.settings.production")
    assert production.SECURE_CSP["script-src"] == ["'self'"]
    assert production.SECURE_CSP_REPORT_ONLY == {}
    assert production.CLIENT_IP_HEADER == "X-Real-IP"
    dev = import_module("config.settings.dev")
    assert dev.SECURE_CSP == {}
    assert dev.SECURE_CSP_REPORT_ONLY["script-src"] == ["'self'"]
