import datetime

from django.contrib.auth.models import Permission
from django.utils import timezone

import pytest

from tests.factories import InstructorFactory, SessionFactory, TicketTypeFactory, UserFactory


@pytest.fixture
def staff_user(db):
    """Event staff: holds only the check-in permission (as the "Event staff" group does)."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="check_in_attendees"))
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def ticket_type(db):
    return TicketTypeFactory(session__capacity=3)


@pytest.fixture
def ended_session(db):
    """A two-day hands-on session that ended an hour ago, in Los Angeles."""
    ends = timezone.now() - datetime.timedelta(hours=1)
    session = SessionFactory(
        starts_at=ends - datetime.timedelta(hours=32),
        ends_at=ends,
        workshop__ce_title="Myofascial Release for the Cervical Spine",
        workshop__ce_hours="14.0",
        workshop__provider_approval_number="NCBTMB-451234-26",
    )
    session.instructors.add(InstructorFactory(name="Maya Chen", credentials="PT, DPT"))
    TicketTypeFactory(session=session)
    return session
