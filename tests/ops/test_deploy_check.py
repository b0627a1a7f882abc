"""`make deploy-check` runs the whole stack (minutes, root); these are its cheap parts:
the settings it runs with, and the nginx config it generates from deploy/nginx.conf."""

import datetime
import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))

import check_stack  # noqa: E402
import s3_server  # noqa: E402

PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SITE_URL": "https://127.0.0.1",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    "STRIPE_SECRET_KEY": "sk_test_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "EMAIL_URL": "consolemail://",
}


def _settings(module: str, **env: str) -> subprocess.CompletedProcess:
    code = (
        f"import importlib; s = importlib.import_module('config.settings.{module}'); "
        "print(s.STRIPE_USE_FAKE, s.DEBUG, s.CELERY_TASK_ALWAYS_EAGER, s.SECURE_SSL_REDIRECT)"
    )
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "STRIPE_USE_FAKE"}
        | PRODUCTION_ENV
        | {"REDIS_URL": "redis://127.0.0.1:6379/0"}
        | env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_deploycheck_settings_are_production_with_the_fake_while_production_refuses_it():
    check = _settings("deploycheck")
    assert check.returncode == 0, check.stderr
    assert check.stdout.split() == ["True", "False", "False", "True"]

    refused = _settings("production", STRIPE_USE_FAKE="1")
    assert refused.returncode != 0
    assert "STRIPE_USE_FAKE: the Stripe fake is for development and tests." in refused.stderr


def test_generated_nginx_config_keeps_failover_gzip_limits_and_the_video_location(tmp_path):
    config = check_stack.nginx_config(tmp_path, 18080, [18001, 18002]).read_text()

    assert "listen 127.0.0.1:18080;" in config
    assert "443" not in config and "ssl_certificate" not in config
    assert "server 127.0.0.1:18001 max_fails=3" in config
    assert "server 127.0.0.1:18002 max_fails=3" in config
    assert "gzip on;" in config and "limit_req zone=pm_auth" in config
    assert "brotli on;" in config and f"load_module {check_stack.BROTLI_MODULE};" in config
    assert f"alias {tmp_path}/private-media/;" in config and "internal;" in config
    assert "/srv/physiomassage" not in config
    proxy = (tmp_path / "proxy.conf").read_text()
    assert "proxy_next_upstream error timeout http_502 http_503;" in proxy
    assert "X-Forwarded-Proto https;" in proxy
    assert "proxy_set_header Host $http_host;" in proxy  # the port survives (CSRF, SITE_URL)


@pytest.mark.skipif(
    shutil.which("nginx") is None or not check_stack.BROTLI_MODULE.exists(),
    reason="nginx or its brotli module is not installed (make deploy-check installs both)",
)
def test_generated_nginx_config_is_accepted_by_nginx(tmp_path):
    tmp_path.chmod(0o755)
    config = check_stack.nginx_config(tmp_path, 18080, [18001, 18002])
    done = subprocess.run(  # noqa: S603 - fixed arguments
        ["nginx", "-t", "-q", "-c", str(config), "-p", str(tmp_path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


SECRET = "the-check-stack-secret"


def _presigned_environ(url: str) -> dict:
    parts = urllib.parse.urlsplit(url)
    return {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{parts.path}?{parts.query}",
        "QUERY_STRING": parts.query,
        "HTTP_HOST": parts.netloc,
    }


def test_the_check_s3_server_refuses_forged_and_expired_presigned_urls_as_s3_does():
    """moto accepts any URL with a signature in it; deploy/s3_server.py checks it."""
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9000",
        region_name="us-east-1",
        aws_access_key_id="deploycheck",
        aws_secret_access_key=SECRET,
        config=Config(signature_version="s3v4"),
    )
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": "videos", "Key": "hls/a b+c/seg_00000.ts"}, ExpiresIn=60
    )
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)

    def refusal(environ, secret=SECRET, at=now):
        return s3_server.presigned_refusal(environ, "deploycheck", secret, at)

    assert refusal(_presigned_environ(url)) is None
    assert refusal(_presigned_environ(url), secret="another")[0] == "SignatureDoesNotMatch"
    other_key = _presigned_environ(url.replace("seg_00000", "seg_00001"))
    assert refusal(other_key)[0] == "SignatureDoesNotMatch"
    later = now + datetime.timedelta(seconds=61)
    assert refusal(_presigned_environ(url), at=later) == ("AccessDenied", "Request has expired")
    unsigned = _presigned_environ(url.split("?")[0] + "?")
    assert refusal(unsigned) is None  # moto itself refuses private objects without one
