"""EMAIL_URL reads as operators write it (deploy/production.env.example)."""

import pytest

from config.settings.env import mailer_from_url


@pytest.mark.parametrize(
    ("url", "directory"),
    [
        ("filemail:///var/mail/academy", "/var/mail/academy"),
        ("filemail:////var/mail/academy", "/var/mail/academy"),
        ("filemail://outbox", "outbox"),
    ],
)
def test_a_file_mailer_writes_where_the_url_points(url, directory):
    mailer = mailer_from_url(url)
    assert mailer["BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert mailer["OPTIONS"] == {"file_path": directory}


def test_an_smtp_url_carries_host_port_credentials_and_tls():
    options = mailer_from_url("smtp+tls://mailer:s3cret@smtp.example.com:587")["OPTIONS"]
    assert (options["host"], options["port"]) == ("smtp.example.com", 587)
    assert (options["username"], options["password"], options["use_tls"]) == (
        "mailer",
        "s3cret",
        True,
    )


def test_the_console_mailer_needs_no_options():
    assert mailer_from_url("consolemail://") == {
        "BACKEND": "django.core.mail.backends.console.EmailBackend",
        "OPTIONS": {},
    }
