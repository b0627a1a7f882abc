"""What an operator sees when something goes wrong: a request id on every log line and
response, carried into the tasks a request enqueues; errors in Sentry without personal
data and tagged with the release."""

import copy
import gzip
import io
import json
import logging
import logging.config
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.test import Client

import pytest
import sentry_sdk

from config.celery_app import app as celery_app
from config.observability import request_id, sentry_init

pytestmark = pytest.mark.django_db


def test_each_response_carries_a_request_id_and_a_sane_one_from_the_proxy_is_kept(client):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz")["X-Request-ID"] != made
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="nginx-4f9a1c2e")["X-Request-ID"]
    assert kept == "nginx-4f9a1c2e"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="x\nInjected: 1")["X-Request-ID"]
    assert "\n" not in forged and len(forged) == 32


def test_production_log_lines_are_json_with_the_request_id(settings):
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["formatter"] = "json"  # production's LOG_FORMAT default
    stream = io.StringIO()
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    token = request_id.set("req-12345678")
    try:
        logging.getLogger("payments").warning("refund failed for order %s", 42)
    finally:
        request_id.reset(token)
        logging.config.dictConfig(settings.LOGGING)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["level"] == "WARNING" and line["logger"] == "payments"
    assert line["request_id"] == "req-12345678"
    assert line["message"] == "refund failed for order 42"
    assert "time" in line


def test_a_task_enqueued_in_a_request_is_published_with_its_id():
    published = {}
    from celery.signals import before_task_publish

    def capture(headers=None, **kwargs):
        published.update(headers or {})

    before_task_publish.connect(capture, weak=False)
    token = request_id.set("req-abcdef12")
    try:
        with (
            celery_app.connection_for_write("memory://") as connection,
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")  # "always eager" does not apply to send_task
            celery_app.send_task("courses.tasks.outbox_run", connection=connection)
    finally:
        request_id.reset(token)
        before_task_publish.disconnect(capture)
    assert published["request_id"] == "req-abcdef12"


class _Envelopes(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Envelopes)
    _Envelopes.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://publickey@127.0.0.1:{server.server_port}/1"
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: off again for the other tests
    server.shutdown()


@pytest.mark.urls("tests.ops.boom_urls")
def test_a_server_error_reaches_sentry_tagged_and_without_personal_data(
    sentry_endpoint, user, settings
):
    settings.DEBUG = False
    sentry_init(dsn=sentry_endpoint, release="abc123def456", environment="test")
    browser = Client(raise_request_exception=False)
    browser.force_login(user)
    response = browser.get(
        "/boom/?email=ana.torres@example.com", HTTP_X_REQUEST_ID="req-0badc0ffee"
    )
    assert response.status_code == 500
    sentry_sdk.flush(timeout=10)

    body = b"".join(_Envelopes.received).decode()
    assert "checkout failed for order 42" in body
    event = next(
        json.loads(line)
        for line in body.splitlines()
        if line.startswith("{") and '"exception"' in line
    )
    assert event["release"] == "abc123def456"
    assert event["environment"] == "test"
    assert event["tags"]["request_id"] == "req-0badc0ffee"
    assert "ana.torres@example.com" not in body, _where(body, "ana.torres@example.com")
    assert user.email not in body
    assert "sessionid" not in body


def _where(body: str, needle: str) -> list[str]:
    return [body[max(0, i - 120) : i + 40] for i in range(len(body)) if body.startswith(needle, i)]
