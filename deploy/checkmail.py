"""The file mailer of `make deploy-check`, which the check can make slow.

While the file named by ``DEPLOYCHECK_SLOW_MAIL`` exists, every send first creates
``<that file>.sending`` and then waits (up to a minute) for the flag to go: the moment
a real SMTP server takes to answer, held open so the check can kill the worker mid-send
and prove the e-mail is still delivered once after the restart (courses/mail.py).
"""

import os
import time
from pathlib import Path

from django.core.mail.backends import filebased


class SlowFileBackend(filebased.EmailBackend):
    def send_messages(self, email_messages):
        flag = Path(os.environ.get("DEPLOYCHECK_SLOW_MAIL", "/nonexistent"))
        if flag.exists():
            Path(f"{flag}.sending").touch()
            deadline = time.monotonic() + 60
            while flag.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
        return super().send_messages(email_messages)
