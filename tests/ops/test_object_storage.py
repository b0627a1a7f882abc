"""Uploads in an object store (several web machines): against a real S3 API served
locally by moto. Public images and their renditions are readable by URL; lesson videos
are private objects that a viewer reaches only through the access check."""

import io
import urllib.error
import urllib.request

from django.core.files.images import ImageFile

from wagtail.images import get_image_model
from wagtail.models import Collection

import boto3
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image as PILImage

from config.settings.media import s3_storages
from tests.courses.test_video_stream import member_client, url_for
from tests.factories import (
    VIDEO_BYTES,
    AccessGrantFactory,
    MasterclassFactory,
    UserFactory,
    VideoFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def object_store(s3_server, settings, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "S3_ENDPOINT_URL": s3_server,
        "S3_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    for bucket in ("pm-media", "pm-private"):
        client.create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, **s3_storages("pm-media", "pm-private")}
    yield client
    for bucket in ("pm-media", "pm-private"):
        for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
        client.delete_bucket(Bucket=bucket)


def fetch(url: str, **headers) -> tuple[int, bytes]:
    try:
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - local server
        with urllib.request.urlopen(request) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def _png() -> ImageFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (640, 360), (20, 90, 100)).save(buffer, "PNG")
    return ImageFile(buffer, name="studio.png")


def test_images_and_their_renditions_go_to_the_media_bucket(object_store):
    if not Collection.get_first_root_node():
        Collection.add_root(name="Root")
    image = get_image_model().objects.create(title="Studio", file=_png())
    rendition = image.get_rendition("fill-320x180")

    keys = [i["Key"] for i in object_store.list_objects_v2(Bucket="pm-media")["Contents"]]
    assert any(key.startswith("media/original_images/studio") for key in keys)
    assert any(key.startswith("media/images/studio") for key in keys)
    status, data = fetch(rendition.url)
    assert status == 200 and data[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_lesson_video_is_a_private_object_reached_only_through_the_access_check(
    object_store,
):
    masterclass = MasterclassFactory()
    member = UserFactory()
    AccessGrantFactory(user=member)
    video = VideoFactory()
    (stored,) = object_store.list_objects_v2(Bucket="pm-private")["Contents"]
    assert stored["Key"] == video.file.name

    # Straight at the bucket, without a signature: refused.
    assert fetch(f"{object_store.meta.endpoint_url}/pm-private/{video.file.name}")[0] == 403

    # Through the site: the member's playback URL redirects to a short-lived signed URL,
    # which answers Range requests (seeking).
    response = member_client(member).get(url_for(member, video, masterclass))
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    assert "Signature=" in signed or "X-Amz-Signature=" in signed
    status, data = fetch(signed, Range="bytes=0-99")
    assert status == 206 and data == VIDEO_BYTES[:100]


def test_someone_without_access_gets_no_signed_url(object_store):
    masterclass = MasterclassFactory()
    video = VideoFactory()
    stranger = UserFactory()
    response = member_client(stranger).get(url_for(stranger, video, masterclass))
    assert response.status_code == 403
    assert "Location" not in response
