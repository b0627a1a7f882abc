import pytest
from django.urls import reverse
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

def test_pages(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for slug in ["revenue", "session-fill", "funnel", "members", "masterclasses"]:
        r = client.get(reverse("payments_report", args=[slug]))
        assert r.status_code == 200, r.content.decode()[:3000]
        r = client.get(reverse("payments_report_csv", args=[slug]))
        assert r.status_code == 200
    assert client.get(reverse("payments_reports")).status_code == 200
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
