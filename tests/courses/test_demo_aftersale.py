from django.core.management import call_command

import pytest

from courses.models import Certificate, Registration
from demo import content

pytestmark = pytest.mark.django_db


def test_demo_has_a_finished_session_with_certificates_and_is_idempotent(demo_site, client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - second run
    # The attendee who left early has none (the member's home-study certificate aside).
    assert Certificate.objects.filter(registration__isnull=False).count() == 5
    assert Registration.objects.filter(status="cancelled").count() == 1

    client.login(email=content.THERAPIST_EMAIL, password=content.THERAPIST_PASSWORD)
    dashboard = client.get("/account/").content.decode()
    assert "Myofascial Release Techniques for the Cervical Spine" in dashboard
    assert "Download PDF" in dashboard

    client.logout()
    assert client.login(email=content.STAFF_EMAIL, password=content.STAFF_PASSWORD)
    assert client.get("/staff/sessions/").status_code == 200
