"""The session engine: Django's database sessions (``SESSION_ENGINE``), with the read
every signed-in request makes compiled once per process (``config.prepared``).

Sessions stay in PostgreSQL only, never in the cache: a Redis outage signs nobody out
and a sign-out is never undone by a cache that missed it."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import CharField, DateTimeField
from django.utils import timezone

from config.prepared import Param, PreparedRead

_UNEXPIRED = PreparedRead(
    lambda: Session.objects.filter(
        session_key=Param("session_key", CharField()),
        expire_date__gt=Param("now", DateTimeField()),
    )
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        """What Django's database engine reads (the unexpired row for the key, else the
        key is forgotten), without building its query each time."""
        session = _UNEXPIRED.first(session_key=self.session_key, now=timezone.now())
        if session is None:
            self._session_key = None
        return session
