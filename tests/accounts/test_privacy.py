"""Your data: everything held, as a page and JSON; deletion after a cooling-off period
by the beat job, keeping payment records and certificates with the reason shown."""

import datetime
import json

from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

import pytest
from allauth.mfa.models import Authenticator

from accounts.models import RETENTION_REASON, DeletionRequest, DeletionStatus, User
from accounts.tasks import account_deletions_process
from courses.models import AuditAction, AuditEntry, LessonProgress
from payments.models import Order
from tests.factories import (
    DEFAULT_PASSWORD,
    LessonProgressFactory,
    SessionFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.payments.helpers import paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def maya(db):
    user = UserFactory(
        email="maya.chen@example.com",
        full_name="Maya Chen",
        licence_number="CAMTC 12345",
        phone="+1 310 555 0100",
        second_factor=True,
    )
    session = SessionFactory()
    ticket = TicketTypeFactory(session=session)
    paid_order(user, session, ticket, [("Maya Chen", user.email)])
    LessonProgressFactory(user=user)
    return user


def test_your_data_shows_and_downloads_everything_held(client, maya):
    client.force_login(maya)
    page = client.get(reverse("accounts:your_data")).content.decode()
    for shown in ["maya.chen@example.com", "CAMTC 12345", "Maya Chen", "Delete my account"]:
        assert shown in page
    download = client.get(reverse("accounts:your_data_json"))
    assert "attachment" in download["Content-Disposition"]
    data = json.loads(download.content)
    assert data["profile"]["licence_number"] == "CAMTC 12345"
    assert len(data["orders"]) == 1 and len(data["registrations"]) == 1
    assert len(data["lesson_progress"]) == 1
    assert set(data) >= {"certificates", "memberships", "access"}


def test_deletion_needs_the_password_and_changes_nothing_otherwise(client, maya):
    client.force_login(maya)
    wrong = client.post(reverse("accounts:account_delete"), {"password": "nope", "confirm": "on"})
    assert wrong.status_code == 200 and "That is not your password." in wrong.content.decode()
    unconfirmed = client.post(reverse("accounts:account_delete"), {"password": DEFAULT_PASSWORD})
    assert unconfirmed.status_code == 200
    assert not DeletionRequest.objects.exists()


def test_a_person_can_cancel_within_the_cooling_off_period(client, maya):
    client.force_login(maya)
    client.post(reverse("accounts:account_delete"), {"password": DEFAULT_PASSWORD, "confirm": "on"})
    assert "scheduled for deletion" in client.get(reverse("accounts:your_data")).content.decode()
    client.post(reverse("accounts:account_delete"), {"action": "cancel"})
    assert DeletionRequest.objects.get().status == DeletionStatus.CANCELLED
    account_deletions_process.delay().get()
    maya.refresh_from_db()
    assert maya.is_active and maya.email == "maya.chen@example.com"


def test_after_the_cooling_off_period_the_beat_job_erases_the_account(client, maya):
    client.force_login(maya)
    client.post(reverse("accounts:account_delete"), {"password": DEFAULT_PASSWORD, "confirm": "on"})
    deletion = DeletionRequest.objects.get()
    assert deletion.due_at - deletion.requested_at == datetime.timedelta(
        days=settings.ACCOUNT_DELETION_COOLING_OFF_DAYS
    )
    assert "accounts.tasks.account_deletions_process" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert account_deletions_process.delay().get() == 0  # not due yet
    later = deletion.due_at + datetime.timedelta(minutes=1)
    from accounts.services.privacy import account_deletions_process_due

    assert account_deletions_process_due(now=later) == 1

    maya = User.objects.get(pk=maya.pk)
    assert not maya.is_active and not maya.has_usable_password()
    assert (maya.full_name, maya.licence_number, maya.phone) == ("", "", "")
    assert "maya" not in maya.email
    assert not Authenticator.objects.filter(user=maya).exists()
    assert not LessonProgress.objects.filter(user=maya).exists()
    client.logout()
    refused = client.post(
        reverse("account_login"), {"login": "maya.chen@example.com", "password": DEFAULT_PASSWORD}
    )
    assert refused.status_code == 200 and "_auth_user_id" not in client.session

    order = Order.objects.get(buyer=maya)  # the payment record stays, for staff
    assert order.total_amount > 0
    deletion.refresh_from_db()
    assert deletion.status == DeletionStatus.COMPLETED
    assert deletion.retention_reason == RETENTION_REASON
    entry = AuditEntry.objects.get(action=AuditAction.ERASURE)
    assert entry.actor is None and entry.actor_label == "system"

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    inspect = client.get(reverse("privacy-requests:inspect", args=[deletion.pk])).content.decode()
    assert "CE certificates for six years" in inspect
    assert account_deletions_process_due(now=later) == 0  # done once


def test_staff_erase_a_request_now_and_the_audit_log_names_them(client, maya):
    deletion = DeletionRequest.objects.create(
        user=maya, email=maya.email, requested_at=timezone.now(), due_at=timezone.now()
    )
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="change_deletionrequest"),
        Permission.objects.get(codename="view_deletionrequest"),
    )
    client.force_login(staff)
    url = reverse("accounts_deletion_erase", args=[deletion.pk])
    assert client.post(url, {}).status_code == 200  # not confirmed: nothing happens
    assert DeletionRequest.objects.get().status == DeletionStatus.PENDING
    client.post(url, {"confirm": "on"})
    assert DeletionRequest.objects.get().status == DeletionStatus.COMPLETED
    assert AuditEntry.objects.get(action=AuditAction.ERASURE).actor == staff


def test_the_privacy_page_is_linked_from_the_footer_and_sign_up(client, page_tree):
    privacy = reverse("accounts:privacy")
    assert client.get(privacy).status_code == 200
    assert privacy in client.get(reverse("account_signup")).content.decode()
    assert privacy in client.get("/").content.decode()
