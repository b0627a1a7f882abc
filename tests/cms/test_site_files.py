"""What browsers and search engines fetch besides pages: robots.txt, icons, the manifest,
and the description each page gives of itself."""

import re

from django.urls import reverse

import pytest

pytestmark = pytest.mark.django_db


def test_robots_keeps_crawlers_out_of_private_and_tool_pages(client):
    robots = client.get("/robots.txt").content.decode()
    for path in (
        "/payments/orders/",
        "/payments/tickets/",
        "/payments/test-checkout/",
        "/staff/",
        "/accounts/",
        "/account/",
    ):
        assert f"Disallow: {path}\n" in robots
    assert "Disallow: /orders/" not in robots  # orders live under /payments/


def test_favicon_ico_and_the_web_manifest_exist(client):
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 301 and favicon["Location"].endswith("favicon.ico")
    manifest = client.get(reverse("web_manifest")).json()
    assert manifest["name"] == "PhysioMassage Academy"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}


def test_every_page_links_its_icons(client, page_tree):
    html = client.get("/").content.decode()
    assert 'rel="apple-touch-icon"' in html
    assert 'rel="manifest"' in html
    assert '<html lang="en-us">' in html


def test_home_page_describes_itself_for_search_and_sharing(client, page_tree):
    html = client.get("/").content.decode()
    description = re.search(r'<meta name="description" content="([^"]*)"', html).group(1)
    og = re.search(r'<meta property="og:description" content="([^"]*)"', html).group(1)
    assert description and og == description


def test_pages_outside_the_page_tree_are_noindex(client):
    html = client.get(reverse("account_login")).content.decode()
    assert '<meta name="robots" content="noindex">' in html
    assert '<meta name="description" content="' in html


def test_a_field_with_an_error_has_no_duplicate_ids():
    from django import forms
    from django.template.loader import render_to_string

    class Form(forms.Form):
        email = forms.EmailField()

    form = Form(data={"email": "nope"})
    html = render_to_string("includes/form_field.html", {"field": form["email"]})
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert "Enter a valid email address." in html
    assert len(ids) == len(set(ids)), ids
