"""Issue 12, row "No CSP": every page carries a Content-Security-Policy that allows no
inline script; production enforces it; the Wagtail admin gets its own, looser one."""

import json
import os
import re
import subprocess
import sys

from django.conf import settings

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


def _settings_of(module: str, **env: str) -> dict:
    """CSP settings of a settings module, read in a fresh process (importing dev or
    production here would change the lists this test run's settings share with them)."""
    code = (
        f"import json, {module} as s; print(json.dumps({{'csp': s.SECURE_CSP, "
        "'report_only': s.SECURE_CSP_REPORT_ONLY, 'ip_header': s.CLIENT_IP_HEADER}))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return json.loads(result.stdout)


def test_production_enforces_and_dev_reports():
    production = _settings_of(
        "config.settings.production",
        SECRET_KEY="x",
        ALLOWED_HOSTS="example.com",
        DATABASE_URL="postgres://u@localhost/db",
        STRIPE_SECRET_KEY="sk_live_x",
        STRIPE_WEBHOOK_SECRET="whsec_x",
        EMAIL_URL="consolemail://",
        SITE_URL="https://example.com",
    )
    assert production["csp"]["script-src"] == ["'self'"]
    assert production["report_only"] == {}
    assert production["ip_header"] == "X-Real-IP"
    dev = _settings_of("config.settings.dev")
    assert dev["csp"] == {}
    assert dev["report_only"]["script-src"] == ["'self'"]


def test_no_template_has_inline_script_or_handlers():
    """What the policy would refuse in a browser, caught before one runs: inline event
    handlers and <script> elements without src (JSON data blocks excepted). E-mails and
    the certificate PDF are not served as pages."""
    found = []
    for path in (settings.BASE_DIR / "templates").rglob("*.html"):
        if "emails" in path.parts or path.name == "certificate_pdf.html":
            continue
        html = path.read_text()
        found += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+=[\"']", html)]
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" not in tag and 'type="application/' not in tag:
                found.append(f"{path.name}: {tag}")
    assert found == []
