"""What operators see: one request id per request (carried into the Celery tasks it
enqueues), JSON logs that carry it, and Sentry when ``SENTRY_DSN`` is set."""

import contextvars
import logging
import re
import uuid
from collections.abc import Callable
from pathlib import Path

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# The id of the request (or task) this code runs for; "-" outside both.
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Fields Sentry must never receive, beyond its default list (passwords, tokens, cookies).
PII_FIELDS = [
    "email",
    "attendee_email",
    "attendee_name",
    "full_name",
    "phone",
    "licence_number",
    "license_number",
    "address",
]


class RequestIdMiddleware:
    """Take the proxy's ``X-Request-ID`` when it is sane (nginx sets ``$request_id``),
    otherwise make one; every log line of the request and its response header carry it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        current = given if _ACCEPTED_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(current)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[REQUEST_ID_HEADER] = current
        return response


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every log record (``%(request_id)s``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def celery_connect() -> None:
    """A task enqueued during a request logs under that request's id."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    tokens: dict[str, contextvars.Token] = {}

    @before_task_publish.connect(weak=False)
    def _stamp(headers=None, **kwargs) -> None:
        if headers is not None and "request_id" not in headers:
            headers["request_id"] = request_id.get()

    @task_prerun.connect(weak=False)
    def _enter(task_id=None, task=None, **kwargs) -> None:
        carried = None
        if task is not None:  # a custom header: on the request itself, or in its headers
            headers = getattr(task.request, "headers", None) or {}
            carried = getattr(task.request, "request_id", None) or headers.get("request_id")
        # A task run eagerly (tests, `make run`) is still inside its request.
        current = request_id.get()
        tokens[task_id] = request_id.set(
            carried or (current if current != "-" else f"task-{task_id}")
        )

    @task_postrun.connect(weak=False)
    def _leave(task_id=None, **kwargs) -> None:
        if (token := tokens.pop(task_id, None)) is not None:
            request_id.reset(token)


def release_from_git(base_dir: Path) -> str:
    """The deployed commit, read from ``.git`` without running git (empty when unknown)."""
    head = base_dir / ".git" / "HEAD"
    try:
        ref = head.read_text().strip()
        if ref.startswith("ref: "):
            return (base_dir / ".git" / ref[5:]).read_text().strip()[:12]
        return ref[:12]
    except OSError:
        return ""


def sentry_init(*, dsn: str, release: str, environment: str) -> None:
    """Errors from web requests and Celery tasks go to Sentry, without personal data:
    no IPs, cookies or user e-mails (the SDK's default, ``send_default_pii`` left off) and
    our own personal fields scrubbed wherever they appear in an event."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    sentry_sdk.init(
        dsn=dsn,
        release=release or None,
        environment=environment,
        event_scrubber=EventScrubber(denylist=DEFAULT_DENYLIST + PII_FIELDS, recursive=True),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # Stack frames' variables hold requests, forms and orders: names, e-mails, licenses.
        include_local_variables=False,
        before_send=_before_send,
        traces_sample_rate=0.0,
    )


def _before_send(event: dict, hint: dict) -> dict:
    """Tag the request id; drop query strings and bodies (search terms, e-mail addresses
    in links, form fields), which the scrubber only filters by field name."""
    event.setdefault("tags", {})["request_id"] = request_id.get()
    request = event.get("request") or {}
    for key in ("query_string", "data"):
        if request.get(key):
            request[key] = "[Filtered]"
    if "url" in request:
        request["url"] = request["url"].split("?", 1)[0]
    return event
