"""The one access rule (AccessGrants) and the services payments will call."""

import datetime

from django.contrib.auth.models import AnonymousUser, Permission
from django.utils import timezone

import pytest

from courses.errors import CoursesError, InvalidAccessGrant
from courses.models import AccessGrant, AccessSource
from courses.selectors import (
    ViewerAccess,
    masterclass_access_for_user,
    user_can_watch_lesson,
    user_can_watch_masterclass,
    user_membership_grant,
)
from courses.services import access_grant_create, access_grant_end, workshop_access_grants_create
from tests.factories import (
    AccessGrantFactory,
    MasterclassFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.page_tree import lesson_create

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def masterclass():
    return MasterclassFactory()


@pytest.fixture
def other_masterclass():
    return MasterclassFactory()


def test_nobody_without_a_grant_can_watch(user, masterclass):
    assert not user_can_watch_masterclass(user=user, masterclass=masterclass)
    assert not user_can_watch_masterclass(user=AnonymousUser(), masterclass=masterclass)
    assert not user_can_watch_masterclass(user=None, masterclass=masterclass)


def test_membership_grant_covers_every_masterclass(user, masterclass, other_masterclass):
    AccessGrantFactory(user=user, source=AccessSource.MEMBERSHIP, masterclass=None)
    assert user_can_watch_masterclass(user=user, masterclass=masterclass)
    assert user_can_watch_masterclass(user=user, masterclass=other_masterclass.pk)


@pytest.mark.parametrize(
    "source", [AccessSource.PURCHASE, AccessSource.WORKSHOP, AccessSource.STAFF]
)
def test_grant_for_one_masterclass_covers_only_that_one(
    user, masterclass, other_masterclass, source
):
    AccessGrantFactory(user=user, source=source, masterclass=masterclass, ends_at=None)
    assert user_can_watch_masterclass(user=user, masterclass=masterclass)
    assert not user_can_watch_masterclass(user=user, masterclass=other_masterclass)


def test_grant_of_another_user_does_not_count(user, masterclass):
    AccessGrantFactory(user=UserFactory(), masterclass=None)
    assert not user_can_watch_masterclass(user=user, masterclass=masterclass)


def test_access_ends_when_the_grant_ends(user, masterclass):
    now = timezone.now()
    grant = AccessGrantFactory(user=user, starts_at=now - 30 * DAY, ends_at=now + DAY)
    assert user_can_watch_masterclass(user=user, masterclass=masterclass, at=now)
    assert not user_can_watch_masterclass(user=user, masterclass=masterclass, at=grant.ends_at)
    assert not user_can_watch_masterclass(user=user, masterclass=masterclass, at=now + 2 * DAY)


def test_grant_not_started_yet_does_not_count(user, masterclass):
    now = timezone.now()
    AccessGrantFactory(user=user, starts_at=now + DAY, ends_at=now + 30 * DAY)
    assert not user_can_watch_masterclass(user=user, masterclass=masterclass, at=now)
    assert user_can_watch_masterclass(user=user, masterclass=masterclass, at=now + 2 * DAY)


def test_revoked_grant_does_not_count(user, masterclass):
    AccessGrantFactory(user=user, masterclass=masterclass, ends_at=None, revoked_at=timezone.now())
    assert not user_can_watch_masterclass(user=user, masterclass=masterclass)


def test_staff_alone_watch_nothing_the_permission_watches_everything(masterclass):
    staff = UserFactory(is_staff=True)
    assert not user_can_watch_masterclass(user=staff, masterclass=masterclass)
    assert masterclass_access_for_user(user=staff, masterclass_ids=[masterclass.pk]) == {
        masterclass.pk: ViewerAccess(can_watch=False)
    }
    staff.user_permissions.add(Permission.objects.get(codename="watch_every_masterclass"))
    staff = type(staff).objects.get(pk=staff.pk)  # a fresh permission cache
    assert user_can_watch_masterclass(user=staff, masterclass=masterclass)
    access = masterclass_access_for_user(user=staff, masterclass_ids=[masterclass.pk])
    assert access[masterclass.pk].label == "Staff preview"
    assert user_can_watch_masterclass(
        user=UserFactory(is_superuser=True, is_staff=True), masterclass=masterclass
    )


def test_inactive_users_watch_nothing(masterclass):
    inactive = UserFactory(is_active=False, is_superuser=True)
    AccessGrantFactory(user=inactive)
    assert not user_can_watch_masterclass(user=inactive, masterclass=masterclass)


def test_preview_lessons_are_for_everyone(masterclass):
    preview = lesson_create(masterclass=masterclass, is_preview=True)
    members_only = lesson_create(masterclass=masterclass)
    for lesson, expected in [(preview, True), (members_only, False)]:
        assert (
            user_can_watch_lesson(
                user=AnonymousUser(),
                lesson_key=str(lesson.pk),
                masterclass=masterclass,
                video_id=lesson.video_id,
            )
            is expected
        )


def test_access_summary_names_the_best_source(user, masterclass, other_masterclass):
    AccessGrantFactory(
        user=user, masterclass=masterclass, source=AccessSource.PURCHASE, ends_at=None
    )
    access = masterclass_access_for_user(
        user=user, masterclass_ids=[masterclass.pk, other_masterclass.pk]
    )
    assert access[masterclass.pk].can_watch
    assert access[masterclass.pk].source == AccessSource.PURCHASE
    assert not access[other_masterclass.pk].can_watch


# --- services -----------------------------------------------------------------------


def test_access_grant_create_is_idempotent_per_reference(user):
    now = timezone.now()
    first = access_grant_create(
        user=user,
        source=AccessSource.MEMBERSHIP,
        ends_at=now + 30 * DAY,
        source_reference="sub_123",
    )
    renewed = access_grant_create(
        user=user,
        source=AccessSource.MEMBERSHIP,
        starts_at=now + 30 * DAY - DAY,
        ends_at=now + 60 * DAY,
        source_reference="sub_123",
    )
    assert renewed.pk == first.pk
    assert AccessGrant.objects.count() == 1
    renewed.refresh_from_db()
    assert renewed.ends_at == now + 60 * DAY
    assert user_membership_grant(user=user) == renewed


def test_access_grant_create_rejects_impossible_grants(user):
    now = timezone.now()
    with pytest.raises(InvalidAccessGrant):
        access_grant_create(
            user=user, source=AccessSource.MEMBERSHIP, starts_at=now, ends_at=now - DAY
        )
    with pytest.raises(CoursesError):
        access_grant_create(user=user, source="gift")
    assert not AccessGrant.objects.exists()


def test_cancelled_subscription_ends_at_period_end(user, masterclass):
    now = timezone.now()
    access_grant_create(
        user=user, source=AccessSource.MEMBERSHIP, ends_at=None, source_reference="sub_9"
    )
    period_end = now + 10 * DAY
    assert (
        access_grant_end(source=AccessSource.MEMBERSHIP, source_reference="sub_9", at=period_end)
        == 1
    )
    assert user_can_watch_masterclass(user=user, masterclass=masterclass, at=now + 9 * DAY)
    assert not user_can_watch_masterclass(user=user, masterclass=masterclass, at=now + 11 * DAY)


def test_refunded_purchase_is_revoked_at_once(user, masterclass):
    access_grant_create(
        user=user, source=AccessSource.PURCHASE, masterclass=masterclass, source_reference="order_7"
    )
    assert user_can_watch_masterclass(user=user, masterclass=masterclass)
    ended = access_grant_end(source=AccessSource.PURCHASE, source_reference="order_7", revoke=True)
    assert ended == 1
    assert not user_can_watch_masterclass(user=user, masterclass=masterclass)
    # Ending again changes nothing.
    assert access_grant_end(source=AccessSource.PURCHASE, source_reference="order_7") == 0


def test_access_grant_end_needs_a_reference():
    with pytest.raises(InvalidAccessGrant):
        access_grant_end(source=AccessSource.PURCHASE, source_reference="")


def test_workshop_registration_grants_included_masterclasses(masterclass, other_masterclass):
    attendee = UserFactory()
    registration = RegistrationFactory(attendee_user=attendee)
    registration.session.workshop.included_masterclasses.add(masterclass)
    grants = workshop_access_grants_create(registration=registration)
    assert [g.masterclass for g in grants] == [masterclass]
    assert grants[0].source == AccessSource.WORKSHOP
    workshop_access_grants_create(registration=registration)
    assert AccessGrant.objects.count() == 1
    assert user_can_watch_masterclass(user=attendee, masterclass=masterclass)
    assert not user_can_watch_masterclass(user=attendee, masterclass=other_masterclass)


def test_grants_and_progress_in_one_query_are_the_viewers_own(django_assert_num_queries):
    """``access_grants_and_progress`` answers as ``access_grants_list`` and
    ``lesson_progress_for_user`` do, in one query, and only with the viewer's rows."""
    from courses.selectors import (
        access_grants_and_progress,
        access_grants_list,
        lesson_progress_for_user,
    )
    from tests.factories import LessonProgressFactory

    viewer, other = UserFactory(), UserFactory()
    masterclass = MasterclassFactory()
    AccessGrantFactory(user=viewer, source=AccessSource.MEMBERSHIP)
    AccessGrantFactory(user=viewer, source=AccessSource.PURCHASE, masterclass=masterclass)
    AccessGrantFactory(user=viewer, source=AccessSource.PURCHASE, revoked_at=timezone.now())
    AccessGrantFactory(user=other, source=AccessSource.MEMBERSHIP)
    LessonProgressFactory(user=viewer, lesson_key="1", position_seconds=30)
    LessonProgressFactory(user=viewer, lesson_key="3", position_seconds=5)
    LessonProgressFactory(user=other, lesson_key="2", position_seconds=60)

    with django_assert_num_queries(1):
        grants, progress = access_grants_and_progress(user=viewer, lesson_keys=["1", "2"])
    assert [g.pk for g in grants] == [g.pk for g in access_grants_list(user=viewer)]
    assert grants[0].starts_at == access_grants_list(user=viewer)[0].starts_at
    assert set(progress) == {"1"}
    assert progress["1"].position_seconds == 30
    assert progress["1"].pk == lesson_progress_for_user(user=viewer, lesson_keys=["1"])["1"].pk

    grants, progress = access_grants_and_progress(user=other, lesson_keys=[])
    assert [g.user_id for g in grants] == [other.pk] and progress == {}
    assert access_grants_and_progress(user=AnonymousUser(), lesson_keys=["1"]) == ([], {})
