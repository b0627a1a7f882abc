"""Work a web process does once as it starts rather than in its first requests.

A new gunicorn worker (at start, and after ``max_requests``) would otherwise pay for it
in the first checkout it serves: in a rush, the winners' (cProfile of a first winning
hold: 85 ms of CPU against 24 ms once warm). Called by ``config.wsgi`` only, so tests and
management commands do not pay for it.
"""

from django.core.validators import validate_email

from payments import gateway


def warm() -> None:
    # Django compiles the e-mail address patterns on first use (about 60 ms).
    validate_email("warm-up@example.com")
    gateway.warm()
