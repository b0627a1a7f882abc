"""Uploads in an object store (several web machines): against a real S3 API served
locally by moto (tests/ops/conftest.py). Public images and their renditions are readable
by URL; lesson videos and HLS segments are private objects that a viewer reaches only
through the access check, from pages whose CSP allows the bucket and a bucket whose CORS
rule allows our pages."""

import io
import re

from django.core.files.images import ImageFile
from django.core.management import CommandError, call_command

from wagtail.images import get_image_model
from wagtail.models import Collection

import pytest
from botocore.exceptions import ClientError
from PIL import Image as PILImage

from config.settings.media import s3_storages
from tests.cms.test_security_headers import CSP, directives
from tests.courses.test_stream_access import SEGMENT, client_for, token_for
from tests.courses.test_video_stream import member_client, url_for
from tests.factories import (
    VIDEO_BYTES,
    AccessGrantFactory,
    MasterclassFactory,
    UserFactory,
    VideoFactory,
)
from tests.ops.s3 import fetch

pytestmark = pytest.mark.django_db


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
    status, data, _ = fetch(rendition.url)
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

    # Through the site: the member's playback URL redirects to a short-lived signed URL
    # (SigV4), which answers Range requests (seeking).
    response = member_client(member).get(url_for(member, video, masterclass))
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=120" in signed
    status, data, _ = fetch(signed, Range="bytes=0-99")
    assert status == 206 and data == VIDEO_BYTES[:100]


def test_someone_without_access_gets_no_signed_url(object_store):
    masterclass = MasterclassFactory()
    video = VideoFactory()
    stranger = UserFactory()
    response = member_client(stranger).get(url_for(stranger, video, masterclass))
    assert response.status_code == 403
    assert "Location" not in response


def test_an_adaptive_stream_plays_from_the_bucket_for_the_member_only(
    object_store, streamed, settings
):
    settings.SITE_URL = "https://academy.example"
    call_command("object_store_cors", stdout=io.StringIO())
    lesson, masterclass, member = streamed
    token = token_for(member, lesson, masterclass)
    viewer = client_for(member)

    # Playlists come from the site (signed for this viewer), read from the bucket.
    master = viewer.get(f"/learn/hls/{token}/master.m3u8")
    assert master.status_code == 200
    variant_url = re.search(r"^(/learn/hls/\S+/180p/index\.m3u8)$", master.text, re.M)
    variant = viewer.get(variant_url.group(1))
    assert variant.status_code == 200
    segments = re.findall(r"^(/learn/hls/\S+/180p/seg_\d{5}\.ts)$", variant.text, re.M)
    assert len(segments) == 2 and "elsewhere.example" not in variant.text

    # Each segment (and the poster) is a redirect to a presigned object URL that hls.js
    # fetches with XHR from our pages: CORS lets it, for our origin.
    segment = viewer.get(segments[1])
    assert segment.status_code == 302 and segment["Cache-Control"] == "private, no-store"
    signed = segment["Location"]
    assert signed.startswith(f"{object_store.meta.endpoint_url}/pm-private/hls/")
    status, data, headers = fetch(signed, Origin="https://academy.example")
    assert status == 200 and data == SEGMENT
    assert headers.get("Access-Control-Allow-Origin") == "https://academy.example"
    poster = viewer.get(f"/learn/hls/{token}/poster.jpg")
    assert fetch(poster["Location"])[1] == b"\xff\xd8\xff poster"

    # The same object without the signature, or through the site for a stranger: refused.
    assert fetch(signed.split("?")[0])[0] == 403
    stranger = client_for(UserFactory())
    refused = stranger.get(segments[1])
    assert refused.status_code == 403 and "Location" not in refused


def test_the_cors_command_allows_site_url_to_fetch_ranges_of_private_objects(
    object_store, settings
):
    settings.SITE_URL = "https://academy.example/"
    out = io.StringIO()
    call_command("object_store_cors", stdout=out)

    (rule,) = object_store.get_bucket_cors(Bucket="pm-private")["CORSRules"]
    assert rule["AllowedOrigins"] == ["https://academy.example"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "HEAD"]
    assert rule["AllowedHeaders"] == ["Range"]
    assert "Content-Range" in rule["ExposeHeaders"]
    assert "CORS on bucket pm-private: GET, HEAD from https://academy.example" in out.getvalue()
    with pytest.raises(ClientError, match="NoSuchCORSConfiguration"):
        object_store.get_bucket_cors(Bucket="pm-media")  # images need none


def test_the_cors_command_refuses_a_bad_origin_and_changes_nothing(object_store):
    with pytest.raises(CommandError, match="is not an http"):
        call_command("object_store_cors", origin="academy.example")
    with pytest.raises(ClientError, match="NoSuchCORSConfiguration"):
        object_store.get_bucket_cors(Bucket="pm-private")


def test_the_cors_command_says_when_there_is_no_object_store():
    with pytest.raises(CommandError, match="Lesson videos are on local disk"):
        call_command("object_store_cors")


def test_pages_may_load_uploads_from_the_buckets(object_store, client, page_tree):
    origin = object_store.meta.endpoint_url
    for url in ["/", page_tree.lesson.url, "/admin/login/"]:
        policy = directives(client.get(url)[CSP])
        assert origin in policy["img-src"], url  # images, renditions, posters
        assert origin in policy["media-src"], url  # lesson videos
        assert origin in policy["connect-src"], url  # hls.js segments
        assert policy["script-src"][0] == "'self'" and origin not in policy["script-src"]


def test_a_media_domain_is_what_img_src_allows(s3_env, settings, monkeypatch, client, page_tree):
    monkeypatch.setenv("S3_MEDIA_DOMAIN", "media.academy.example")
    settings.STORAGES = {**settings.STORAGES, **s3_storages("pm-media", "pm-private")}
    policy = directives(client.get("/")[CSP])
    assert policy["img-src"] == ["'self'", "data:", "https://media.academy.example", s3_env]
    assert policy["media-src"] == ["'self'", "blob:", s3_env]


def test_on_local_disk_the_policy_names_no_bucket(client, page_tree):
    policy = directives(client.get("/")[CSP])
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["media-src"] == ["'self'", "blob:"]
    assert policy["connect-src"] == ["'self'"]
