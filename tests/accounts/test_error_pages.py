"""Issue 12, row "Non-staff on /admin/" and the styled 403: people who may not open a
page get one page that says so, never a redirect loop or a bare "403 Forbidden"."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/", "/admin/snippets/courses/video/"])
def test_a_signed_in_therapist_opening_the_admin_gets_one_no_access_page(client, page_tree, path):
    therapist = UserFactory(email="ana.therapist@example.com")
    client.force_login(therapist)
    response = client.get(path)
    assert response.status_code == 403  # one answer, not /admin/ -> login -> /admin/ ...
    html = response.content.decode()
    assert "The staff area isn’t part of your account" in html
    assert "ana.therapist@example.com" in html
    assert 'href="/account/"' in html
    assert '<link rel="stylesheet"' in html  # the site's own layout, not a bare error


def test_signed_out_visitors_are_still_asked_to_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_staff_with_admin_access_get_the_admin(client, page_tree):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200


def test_other_refusals_get_the_styled_403(client, page_tree):
    client.force_login(UserFactory())
    response = client.get("/staff/sessions/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>You don’t have access to this page</h1>" in html
    assert "Nothing was changed." in html
