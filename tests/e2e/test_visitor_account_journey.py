"""A visitor reads an article, signs up, verifies the e-mail, logs in and out."""

import re

from django.core import mail

from playwright.sync_api import expect

from tests.e2e.conftest import Shots


def test_visitor_signs_up_verifies_logs_in_and_out(page, shots, live, demo_site):
    page.goto(live.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("^" + re.escape("Hands-on training"))
    )
    shots("home")

    page.get_by_role("link", name=re.compile("Manual therapy plus exercise")).first.click()
    page.wait_for_url("**/journal/**")
    assert "Musculoskeletal Science and Practice" in page.content()
    shots("article")

    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("ana.torres@example.com")
    page.get_by_label("Password", exact=True).fill("Kneading-Wisely-88")
    page.get_by_label("Password (again)").fill("Kneading-Wisely-88")
    shots("signup")
    page.get_by_role("button", name="Sign Up").click()

    page.wait_for_url("**/accounts/confirm-email/**")
    shots("enter-code")
    body = mail.outbox[-1].body
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", body, re.M).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url("**/account/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("^" + re.escape("Welcome"))
    )
    shots("my-account-after-verify")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(live.url + "/")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("ana.torres@example.com")
    page.get_by_label("Password").fill("Kneading-Wisely-88")
    shots("login")
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url("**/account/")
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    shots("my-account")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(live.url + "/")
    expect(page.get_by_role("link", name="Sign up")).to_be_visible()


def test_phone_layout_has_working_menu(phone_page, live, demo_site, request):
    shots = Shots(phone_page, request.node.name)
    phone_page.goto(live.url + "/")
    nav_link = phone_page.get_by_role("link", name="Journal")
    expect(nav_link).not_to_be_visible()
    shots("home-phone")
    phone_page.get_by_role("button", name="Menu").click()
    expect(nav_link).to_be_visible()
    shots("menu-open")
    phone_page.goto(live.url + "/journal/five-questions-new-client-neck-pain/")
    shots("article-phone")
