"""The one session row lock: refused outside a transaction, where it would protect
nothing; every seat-changing service takes it."""

from django.db import transaction

import pytest

from courses.errors import RegistrationClosed
from courses.services import LockOutsideTransaction, session_lock
from tests.factories import SessionFactory


@pytest.mark.django_db(transaction=True)
def test_session_lock_refuses_to_run_outside_a_transaction():
    session = SessionFactory()
    with pytest.raises(LockOutsideTransaction):
        session_lock(session_id=session.pk)
    with transaction.atomic():
        assert session_lock(session_id=session.pk) == session


@pytest.mark.django_db
def test_session_lock_on_a_missing_session_says_so():
    with pytest.raises(RegistrationClosed, match="does not exist"):
        session_lock(session_id=0)
