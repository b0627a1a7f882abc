"""Autosave of a new page: a second POST to the add view is told why, never a 500.

Wagtail's editor autosaves a new page by POSTing to /admin/pages/add/... until the first
save answers; a "Save draft" click and an autosave can both arrive for the same page.
"""

from django.urls import reverse

from wagtail.admin.forms.pages import WagtailAdminPageForm
from wagtail.test.utils.form_data import nested_form_data, streamfield

import pytest

from cms.models import StandardPage
from tests.concurrency import rush
from tests.factories import UserFactory

AUTOSAVE = {"HTTP_ACCEPT": "application/json"}


def add_url(parent) -> str:
    return reverse("wagtailadmin_pages:add", args=["cms", "standardpage", parent.pk])


def about_us(title: str = "About us") -> dict:
    return nested_form_data(
        {"title": title, "slug": "about-us", "intro": "", "body": streamfield([])}
    )


@pytest.fixture
def editor(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


@pytest.mark.django_db
def test_an_autosave_after_the_first_save_draft_is_told_the_slug_is_taken(editor, page_tree):
    url = add_url(page_tree.home)
    first = editor.post(url, about_us())
    page = StandardPage.objects.get(slug="about-us")
    assert first.status_code == 302
    assert first.url == reverse("wagtailadmin_pages:edit", args=[page.pk])

    autosave = editor.post(url, about_us(), **AUTOSAVE)
    assert autosave.status_code == 400
    assert autosave.json()["error_code"] == "validation_error"
    assert "The slug 'about-us' is already in use" in autosave.json()["error_message"]

    again = editor.post(url, about_us())
    assert again.status_code == 200
    assert "The slug &#x27;about-us&#x27; is already in use" in again.content.decode()
    assert StandardPage.objects.filter(slug="about-us").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [AUTOSAVE, {}], ids=["autosave", "save draft"])
def test_a_page_saved_between_the_slug_check_and_the_save_is_a_message_not_a_500(
    editor, page_tree, monkeypatch, headers
):
    """The race behind the 500: the other request's page is committed after this one's
    form found the slug free and before this one saves."""
    real_clean = WagtailAdminPageForm.clean

    def clean_then_the_other_save_lands(form):
        cleaned = real_clean(form)
        if not StandardPage.objects.filter(slug="about-us").exists():
            page_tree.home.add_child(instance=StandardPage(title="First save", slug="about-us"))
        return cleaned

    monkeypatch.setattr(WagtailAdminPageForm, "clean", clean_then_the_other_save_lands)
    response = editor.post(add_url(page_tree.home), about_us(), **headers)

    if headers:
        assert response.status_code == 400
        assert "The slug 'about-us' is already in use" in response.json()["error_message"]
    else:
        assert response.status_code == 200
        html = response.content.decode()
        assert "The page could not be created due to validation errors." in html
        assert "is already in use within the parent page" in html
    assert not StandardPage.objects.filter(title="About us").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_save_draft_and_autosave_at_once_make_one_page_and_one_clear_refusal(page_tree):
    from django.test import Client

    editor = UserFactory(is_superuser=True, is_staff=True)
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(editor)
    url = add_url(page_tree.home)

    responses = rush(lambda i: clients[i].post(url, about_us(), **AUTOSAVE), 2)

    assert sorted(r.status_code for r in responses) == [200, 400]
    refusal = next(r for r in responses if r.status_code == 400)
    assert "The slug 'about-us' is already in use" in refusal.json()["error_message"]
    assert StandardPage.objects.filter(slug="about-us").count() == 1
