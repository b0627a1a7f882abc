from django.core.management import call_command

import pytest

from courses.models import Certificate, Registration
from demo import aftersale, content
from payments.models import Membership

pytestmark = pytest.mark.django_db


def test_demo_has_a_finished_session_with_certificates_and_is_idempotent(demo_site, client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - second run
    # The after-sale cohorts (the reports' history and the home-study certificate aside).
    cohorts = {"session__label__in": [aftersale.PAST_LABEL, aftersale.UPCOMING_LABEL]}
    certificates = Certificate.objects.filter(registration__session__label=aftersale.PAST_LABEL)
    assert certificates.count() == 5  # the attendee who left early has none
    assert Registration.objects.filter(status="cancelled", **cohorts).count() == 1
    # The history was made once, not again by the second run.
    assert Membership.objects.filter(stripe_subscription_id__startswith="sub_hist_").count() == 80

    client.login(email=content.THERAPIST_EMAIL, password=content.THERAPIST_PASSWORD)
    dashboard = client.get("/account/").content.decode()
    assert "Myofascial Release Techniques for the Cervical Spine" in dashboard
    assert "Download PDF" in dashboard

    client.logout()
    assert client.login(email=content.STAFF_EMAIL, password=content.STAFF_PASSWORD)
    assert client.get("/staff/sessions/").status_code == 200
