"""Every staff action on money or personal data leaves exactly one audit row, written in
the action's own transaction; the log cannot be changed or deleted."""

from django.contrib.auth.models import Group, Permission
from django.urls import reverse

import pytest

from courses.models import AuditAction, AuditEntry, AuditLogIsAppendOnly
from demo.groups import ensure_event_staff_group
from payments import services
from payments.errors import RefundNotPossible
from payments.models import Order
from tests.factories import UserFactory
from tests.payments.helpers import paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    user = UserFactory(is_staff=True, email="sam.staff@example.com")
    user.groups.add(ensure_event_staff_group())
    user.user_permissions.add(Permission.objects.get(codename="check_in_attendees"))
    return user


@pytest.fixture
def order(paid_session) -> Order:
    session, ticket = paid_session
    buyer = UserFactory(email="maya.chen@example.com", full_name="Maya Chen")
    return paid_order(
        buyer, session, ticket, [("Maya Chen", buyer.email), ("Jo Weber", "jo@x.org")]
    )


def _only_row(action: str) -> AuditEntry:
    rows = list(AuditEntry.objects.all())
    assert [row.action for row in rows] == [action]
    return rows[0]


def test_a_staff_refund_leaves_one_row_even_when_submitted_twice(staff, order, stripe_fake):
    for _ in range(2):
        services.order_refund_by_staff(
            order_id=order.pk, amount=5000, note="Late start", requested_by=staff, key="k-1"
        )
    row = _only_row(AuditAction.REFUND)
    assert (row.actor, row.actor_label, row.target_id) == (staff, staff.email, str(order.pk))
    assert row.details["amount"] == 5000 and row.details["note"] == "Late start"


def test_a_refused_refund_leaves_no_row(staff, order, stripe_fake):
    with pytest.raises(RefundNotPossible):
        services.order_refund_by_staff(
            order_id=order.pk, amount=10**9, note="Too much", requested_by=staff
        )
    assert not AuditEntry.objects.exists()


def test_a_staff_cancellation_leaves_one_row(staff, order, stripe_fake):
    registration = order.lines.first().registration
    services.registration_cancel_with_refund(
        registration_id=registration.pk, requested_by=staff, by_staff=True, note="Ill"
    )
    row = _only_row(AuditAction.CANCELLATION)
    assert row.target_type == "courses.Registration" and row.target_id == str(registration.pk)


def test_an_attendee_cancelling_their_own_seat_is_not_a_staff_action(order, stripe_fake):
    registration = order.lines.first().registration
    services.registration_cancel_with_refund(
        registration_id=registration.pk, requested_by=order.buyer
    )
    assert not AuditEntry.objects.exists()


def test_cancelling_a_session_leaves_one_row(staff, order, stripe_fake):
    services.session_cancel_with_refunds(
        session_id=order.session_id, requested_by=staff, note="Instructor ill"
    )
    row = _only_row(AuditAction.SESSION_CANCELLATION)
    assert row.details["registrations"] == 2 and len(row.details["refunds"]) == 1


def test_a_check_in_leaves_one_row(client, staff, order):
    registration = order.lines.first().registration
    client.force_login(staff)
    client.post(reverse("courses:staff_scan", args=[order.session_id]), {"code": registration.code})
    row = _only_row(AuditAction.CHECK_IN)
    assert row.actor == staff and row.target_id == str(registration.pk)


def test_an_export_leaves_one_row(client, order):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(reverse("orders:index"), {"export": "csv"})
    assert order.email in b"".join(response.streaming_content).decode()
    row = _only_row(AuditAction.EXPORT)
    assert row.target_type == "payments.Order" and row.details["rows"] == 1


def test_a_role_change_leaves_one_row(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    therapist = UserFactory(email="new.staff@example.com")
    group = ensure_event_staff_group()
    client.force_login(admin)
    response = client.post(
        reverse("wagtailusers_users:edit", args=[therapist.pk]),
        {
            "email": therapist.email,
            "first_name": "New",
            "last_name": "Staff",
            "is_active": "on",
            "groups": [group.pk],
            "password1": "",
            "password2": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    row = _only_row(AuditAction.ROLE_CHANGE)
    assert row.details["before"]["groups"] == [] and row.details["after"]["groups"] == [group.name]
    assert Group.objects.get(pk=group.pk).user_set.filter(pk=therapist.pk).exists()


def test_deleting_an_account_in_the_admin_leaves_one_row_and_keeps_the_orders(client, order):
    admin = UserFactory(is_staff=True, is_superuser=True)
    buyer = order.buyer
    client.force_login(admin)
    response = client.post(reverse("wagtailusers_users:delete", args=[buyer.pk]))
    assert response.status_code == 302
    row = _only_row(AuditAction.ERASURE)
    assert row.actor == admin and row.target_id == str(buyer.pk)
    assert row.target_label == str(buyer)
    assert row.details["how"] == "deleted by staff in the admin"
    order.refresh_from_db()
    assert order.buyer is None  # the payment record stays


def test_the_log_is_append_only(client, staff, order):
    registration = order.lines.first().registration
    client.force_login(staff)
    client.post(reverse("courses:staff_scan", args=[order.session_id]), {"code": registration.code})
    row = AuditEntry.objects.get()
    row.details = {"changed": True}
    with pytest.raises(AuditLogIsAppendOnly):
        row.save()
    with pytest.raises(AuditLogIsAppendOnly):
        row.delete()
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get(reverse("audit-log:index"))
    assert listing.status_code == 200 and staff.email in listing.content.decode()
    assert client.get(reverse("audit-log:edit", args=[row.pk])).status_code == 302
    assert client.get(reverse("audit-log:delete", args=[row.pk])).status_code == 302
    assert AuditEntry.objects.get().details != {"changed": True}
