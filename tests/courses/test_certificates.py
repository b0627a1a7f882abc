import datetime
import io

from django.core import mail
from django.urls import reverse
from django.utils import timezone

import pytest
from pypdf import PdfReader

from courses import selectors, services, tasks
from courses.certificates import certificate_pdf
from courses.errors import SessionNotEnded
from courses.models import Certificate, RegistrationStatus
from tests.factories import RegistrationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def attended(session, **kwargs):
    """A registration checked in at the start and out at the end."""
    return RegistrationFactory(
        ticket_type=session.ticket_types.first(),
        checked_in_at=session.starts_at,
        checked_out_at=session.ends_at,
        **kwargs,
    )


def pdf_text(certificate) -> str:
    reader = PdfReader(io.BytesIO(certificate_pdf(certificate=certificate)))
    return " ".join(page.extract_text() for page in reader.pages)


def test_certificates_only_for_full_attendance_and_only_once(ended_session):
    full = attended(ended_session)
    RegistrationFactory(
        ticket_type=ended_session.ticket_types.first(), checked_in_at=ended_session.starts_at
    )  # left early: never checked out
    RegistrationFactory(ticket_type=ended_session.ticket_types.first())  # no-show
    attended(ended_session, status=RegistrationStatus.CANCELLED)

    issued = services.certificate_issue_for_session(session=ended_session)
    assert [c.registration for c in issued] == [full]
    assert services.certificate_issue_for_session(session=ended_session) == []
    assert Certificate.objects.count() == 1


def test_no_certificates_before_the_session_ends():
    session = SessionFactory()
    with pytest.raises(SessionNotEnded):
        services.certificate_issue_for_session(session=session)


def test_certificate_pdf_prints_the_approved_course_and_ce_hours(ended_session):
    attended(ended_session, attendee_name="Ana Torres", licence_number="MT-55821")
    (certificate,) = services.certificate_issue_for_session(session=ended_session)
    text = pdf_text(certificate)
    local_end = ended_session.local_ends_at
    for expected in [
        "Certificate of Completion",
        "Ana Torres",
        "MT-55821",
        "Myofascial Release for the Cervical Spine",
        "14 CE hours",
        "Live, hands-on",
        f"{local_end:%B}",  # a one-day or a two-day range
        f"{local_end.day}, {local_end.year}",
        "PhysioMassage Academy",
        "1200 Wilshire Blvd",
        "NCBTMB-451234-26",
        "Maya Chen",
        certificate.code,
    ]:
        assert expected in text, expected
    assert "CEU" not in text


def test_certificate_is_a_snapshot(ended_session):
    registration = attended(ended_session, attendee_name="Ana Torres")
    (certificate,) = services.certificate_issue_for_session(session=ended_session)
    ended_session.workshop.ce_title = "Renamed later"
    ended_session.workshop.save()
    registration.attendee_name = "Ana Torres-Smith"
    registration.save()
    certificate.refresh_from_db()
    assert certificate.course_title == "Myofascial Release for the Cervical Spine"
    assert "Ana Torres-Smith" not in pdf_text(certificate)


def test_dates_are_in_the_venue_time_zone(ended_session):
    # 23:30 in Los Angeles is already the next day in UTC: the certificate keeps LA's day.
    start = datetime.datetime(2026, 3, 14, 9, 0, tzinfo=ended_session.tz)
    ended_session.starts_at = start
    ended_session.ends_at = start.replace(day=15, hour=23, minute=30)
    ended_session.save()
    attended(ended_session)
    (certificate,) = services.certificate_issue_for_session(session=ended_session)
    assert certificate.session_dates == "March 14–15, 2026"
    assert certificate.ce_hours_display == "14 CE hours"


def test_verification_page_shows_only_the_proof(client, ended_session):
    attended(
        ended_session,
        attendee_name="Ana Torres",
        attendee_email="ana@example.com",
        licence_number="MT-55821",
    )
    (certificate,) = services.certificate_issue_for_session(session=ended_session)
    response = client.get(f"/certificates/{certificate.code}/")
    assert response.status_code == 200
    page = response.content.decode()
    for shown in ["Ana Torres", certificate.course_title, "14 CE hours", "PhysioMassage Academy"]:
        assert shown in page
    assert certificate.session_dates in page
    for hidden in ["ana@example.com", "MT-55821", certificate.registration.code, "NCBTMB"]:
        assert hidden not in page


def test_forged_code_is_404(client, ended_session):
    attended(ended_session)
    services.certificate_issue_for_session(session=ended_session)
    assert client.get("/certificates/forged-code-0000/").status_code == 404
    pdf = client.get("/certificates/forged-code-0000/pdf/")
    assert pdf.status_code == 302 and pdf.url.startswith("/accounts/login/")


def test_only_the_attendee_downloads_the_pdf(client, ended_session):
    owner = UserFactory(email="ana@example.com")
    attended(ended_session, attendee_email="ANA@example.com")
    (certificate,) = services.certificate_issue_for_session(session=ended_session)
    url = reverse("courses:certificate_download", args=[certificate.code])

    assert client.get(url).status_code == 302  # log in first
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    assert "CE certificates" in dashboard
    assert url in dashboard


def test_staff_reissue_supersedes_the_old_certificate(
    staff_client, ended_session, django_capture_on_commit_callbacks
):
    registration = attended(ended_session, attendee_name="Ana Torez")
    (old,) = services.certificate_issue_for_session(session=ended_session)
    registration.attendee_name = "Ana Torres"
    registration.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("courses:staff_certificate_reissue", args=[old.pk]))
    assert response.status_code == 302
    old.refresh_from_db()
    new = old.reissued_as
    assert old.revoked_at is not None
    assert new.participant_name == "Ana Torres"
    assert list(Certificate.objects.filter(revoked_at__isnull=True)) == [new]
    assert (
        "This certificate was replaced"
        in staff_client.get(f"/certificates/{old.code}/").content.decode()
    )
    # The corrected certificate is e-mailed.
    assert mail.outbox[-1].attachments[0][0].endswith(".pdf")


def test_non_staff_cannot_issue_or_reissue(client, ended_session):
    attended(ended_session)
    client.force_login(UserFactory())
    url = reverse("courses:staff_certificates_issue", args=[ended_session.pk])
    assert client.post(url).status_code == 403
    assert not Certificate.objects.exists()


def test_beat_task_issues_and_emails_each_certificate_once(
    ended_session, django_capture_on_commit_callbacks
):
    attended(ended_session, attendee_email="ana@example.com")
    attended(ended_session, attendee_email="ben@example.com")
    assert list(selectors.sessions_needing_certificates()) == [ended_session]

    for _ in range(2):  # a retry or a second beat process
        with django_capture_on_commit_callbacks(execute=True):
            tasks.certificates_issue_due.delay()

    assert Certificate.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "ben@example.com"]
    message = mail.outbox[0]
    assert "CE certificate" in message.subject
    filename, content, mimetype = message.attachments[0]
    assert filename.endswith(".pdf")
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    assert "/certificates/" in message.body
    assert not selectors.sessions_needing_certificates().exists()
    assert Certificate.objects.filter(emailed_at__isnull=True).count() == 0
    for certificate in Certificate.objects.all():
        assert services.certificate_email_send(certificate_id=certificate.pk) is False
    assert len(mail.outbox) == 2


def test_sessions_not_yet_ended_need_no_certificates():
    session = SessionFactory(starts_at=timezone.now() - datetime.timedelta(hours=1))
    RegistrationFactory(
        ticket_type__session=session,
        session=session,
        checked_in_at=timezone.now(),
        checked_out_at=timezone.now(),
    )
    assert not selectors.sessions_needing_certificates().exists()
