"""Issue 12, row "Editors see money": each role against each private order page. Seeing
someone else's order, ticket or refund form takes ``payments.view_order`` (event staff);
being staff for the CMS (editors) is not enough."""

from django.contrib.auth.models import Permission
from django.urls import reverse

from wagtail.models import Page

import pytest

from demo.groups import ensure_editors_group, ensure_event_staff_group
from tests.factories import UserFactory
from tests.payments.helpers import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_booking(client, free_session):
    session, ticket = free_session
    buyer = UserFactory()
    client.force_login(buyer)
    order = book(client, session, ticket, n=1)
    client.logout()
    return buyer, order, order.lines.get().registration


def _role(name: str, buyer):
    if name == "buyer":
        return buyer
    if name == "other therapist":
        return UserFactory()
    if name == "editor":
        user = UserFactory(is_staff=True)
        user.groups.add(ensure_editors_group(Page.objects.get(depth=1)))
        return user
    if name == "event staff":
        user = UserFactory(is_staff=True)
        user.groups.add(ensure_event_staff_group())
        return user
    if name == "superuser":
        return UserFactory(is_staff=True, is_superuser=True)
    raise AssertionError(name)


PAGES = ["order", "ticket", "ticket_ics", "admin_refund"]
# Who sees each page (200); everyone else signed in gets 404 (or 403 in the admin).
ALLOWED = {
    "buyer": {"order", "ticket", "ticket_ics"},
    "other therapist": set(),
    "editor": set(),
    "event staff": set(PAGES),
    "superuser": set(PAGES),
}


def _url(page: str, order, registration) -> str:
    return {
        "order": order.get_absolute_url(),
        "ticket": reverse("payments:ticket", kwargs={"code": registration.code}),
        "ticket_ics": reverse("payments:ticket_ics", kwargs={"code": registration.code}),
        "admin_refund": reverse("payments_order_refund", kwargs={"order_id": order.pk}),
    }[page]


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_sees_exactly_its_pages(client, paid_booking, role):
    buyer, order, registration = paid_booking
    user = _role(role, buyer)
    assert user.has_perm("payments.view_order") == (role in ("event staff", "superuser"))
    client.force_login(user)
    for page in PAGES:
        response = client.get(_url(page, order, registration))
        if page in ALLOWED[role]:
            assert response.status_code == 200, (role, page)
        else:
            assert response.status_code in (302, 403, 404), (role, page, response.status_code)
            html = response.content.decode()
            # The admin's no-access page names who is signed in: the buyer's own address.
            assert order.email not in html or user.email == order.email, (role, page)
            assert order.number not in html, (role, page)


def test_the_permission_alone_opens_orders_without_is_staff(client, paid_booking):
    _buyer, order, _registration = paid_booking
    auditor = UserFactory(is_staff=False)
    auditor.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(auditor)
    assert client.get(order.get_absolute_url()).status_code == 200
