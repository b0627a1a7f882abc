"""A real S3 API served locally by moto, for the object-store tests in this folder."""

import boto3
import pytest
from moto.server import ThreadedMotoServer

from config.settings.media import s3_storages
from tests.courses.test_stream_access import streamed  # noqa: F401 - a lesson with HLS files
from tests.ops.s3 import empty_bucket

BUCKETS = ("pm-media", "pm-private")


@pytest.fixture(scope="session")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(s3_server, monkeypatch) -> str:
    """The AWS_* / S3_* environment a deployment sets, pointing at the local server."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "S3_ENDPOINT_URL": s3_server,
        "S3_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    return s3_server


@pytest.fixture
def object_store(s3_env, settings):
    """Both buckets, and STORAGES pointing at them (as S3_MEDIA_BUCKET/S3_PRIVATE_BUCKET do)."""
    client = boto3.client("s3", endpoint_url=s3_env, region_name="us-east-1")
    for bucket in BUCKETS:
        client.create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, **s3_storages(*BUCKETS)}
    yield client
    for bucket in BUCKETS:
        empty_bucket(client, bucket)
