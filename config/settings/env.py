"""The environment every settings module reads: the project root and ``.env``."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def mailer_from_url(url: str) -> dict:
    """Translate EMAIL_URL (smtp+tls://user:pass@host:587, consolemail://, filemail:///path)
    into Django 6.1's MAILERS entry."""
    config = environ.Env.email_url_config(url)
    options = {}
    if config["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
        options = {
            "host": config.get("EMAIL_HOST"),
            "port": config.get("EMAIL_PORT"),
            "username": config.get("EMAIL_HOST_USER") or None,
            "password": config.get("EMAIL_HOST_PASSWORD") or None,
            "use_tls": config.get("EMAIL_USE_TLS", False),
            "use_ssl": config.get("EMAIL_USE_SSL", False),
            "timeout": 20,
        }
    elif config["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
        options = {"file_path": _file_url_path(url)}
    return {"BACKEND": config["EMAIL_BACKEND"], "OPTIONS": options}


def _file_url_path(url: str) -> str:
    """The directory of a ``filemail://`` URL, read as file URLs are: ``filemail:///var/mail``
    is ``/var/mail`` (django-environ alone drops the leading slash), ``filemail://mail`` is
    ``mail`` relative to the working directory."""
    parts = urlsplit(url)
    return re.sub(r"^/+", "/", parts.netloc + parts.path)
