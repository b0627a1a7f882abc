"""The object store in `make deploy-check` (deploy/check.py): a local S3 server
(deploy/s3_server.py: moto, checking presigned signatures as S3 does), the two buckets,
and the steps that prove through nginx that uploads and lesson videos come from it:
images from the public bucket, lesson videos and HLS segments by presigned redirect to
the private one, refused there without a valid, unexpired signature."""

import http.client
import re
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from check_http import Browser
from check_stack import Stack
from check_steps import expect

MEDIA_BUCKET, PRIVATE_BUCKET = "deploycheck-media", "deploycheck-videos"


@dataclass
class ObjectStore:
    port: int
    secret: str

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict:
        """What production.env sets for an S3-compatible store (every process gets it)."""
        return {
            "S3_MEDIA_BUCKET": MEDIA_BUCKET,
            "S3_PRIVATE_BUCKET": PRIVATE_BUCKET,
            "S3_ENDPOINT_URL": self.origin,
            "S3_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "deploycheck",
            "AWS_SECRET_ACCESS_KEY": self.secret,
        }

    def client(self):
        import boto3
        from botocore.config import Config

        env = self.environment()
        return boto3.client(
            "s3",
            endpoint_url=self.origin,
            region_name="us-east-1",
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            config=Config(signature_version="s3v4"),
        )


def object_store(port: int) -> ObjectStore:
    return ObjectStore(port, secrets.token_urlsafe(24))


def start(stack: Stack, store: ObjectStore) -> str:
    stack.s3(store.port)
    s3 = store.client()
    s3.create_bucket(Bucket=MEDIA_BUCKET, ACL="public-read")
    s3.create_bucket(Bucket=PRIVATE_BUCKET, ACL="private")
    return (
        f"S3 API {store.origin} (moto + presigned-signature check): {MEDIA_BUCKET} "
        f"(public-read), {PRIVATE_BUCKET} (private)"
    )


def fetch(url: str, **headers: str) -> tuple[int, bytes, dict[str, str]]:
    """A browser's request straight to the bucket (another origin: not through nginx)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(
            "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers
        )
        answer = conn.getresponse()
        return answer.status, answer.read(), {k.lower(): v for k, v in answer.getheaders()}
    finally:
        conn.close()


def directives(header: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (p.split() for p in header.split(";") if p.strip())}


def media(port: int, store: ObjectStore, work: Path) -> str:
    """Pages (rendered by gunicorn, which writes renditions to the bucket) link images in
    the media bucket; the bucket serves them to anyone; nothing is on local disk."""
    from cms.models import WorkshopIndexPage

    browser = Browser(port)
    pattern = re.compile(rf'(?:src|srcset)="({re.escape(store.origin)}/{MEDIA_BUCKET}/[^" ]+)')
    found, page = [], None
    for path in ["/", WorkshopIndexPage.objects.live().first().url]:
        page = browser.get(path)
        found += pattern.findall(page.text)
        if found:
            break
    expect(bool(found), f"no image from {store.origin}/{MEDIA_BUCKET} on the pages")
    policy = directives(page.header("content-security-policy"))
    expect(store.origin in policy.get("img-src", []), f"img-src lacks {store.origin}")
    status, data, headers = fetch(found[0])
    expect(status == 200, f"{found[0]}: {status}")
    expect(headers.get("content-type", "").startswith("image/"), f"{found[0]}: not an image")
    expect(len(data) == int(headers.get("content-length", -1)) > 0, "an empty or cut image")
    s3 = store.client()
    counts = {
        b: s3.list_objects_v2(Bucket=b).get("KeyCount", 0) for b in (MEDIA_BUCKET, PRIVATE_BUCKET)
    }
    on_disk = [p for d in ("media", "private-media") for p in (work / d).rglob("*") if p.is_file()]
    expect(not on_disk, f"uploads on local disk: {on_disk[:3]}")
    return (
        f"{found[0].split('/', 3)[-1][:60]}… 200 {headers['content-type']} from the bucket "
        f"(img-src allows it); objects: {counts}; local media dirs empty"
    )


_MEMBERS: dict[int, Browser] = {}


def _member_lesson(port: int):
    """The demo member, signed in once for the video and HLS steps (nginx allows ten
    sign-in requests a minute), and the page of a members-only lesson."""
    from cms.models import LessonPage
    from demo import content

    lesson = LessonPage.objects.live().filter(is_preview=False, video__isnull=False).first()
    expect(lesson is not None, "no members-only lesson with a video")
    member = _MEMBERS.get(port)
    if member is None:
        member = _MEMBERS[port] = Browser(port)
        member.sign_in(content.MEMBER_EMAIL, content.MEMBER_PASSWORD)
    page = member.get(lesson.url)
    expect(page.status == 200, f"{lesson.url}: {page.status}")
    return member, page


def _presigned(browser: Browser, path: str, store: ObjectStore, **headers: str) -> str:
    answer = browser.get(path, headers=headers)
    location = answer.header("location")
    expect(answer.status == 302, f"{path[:40]}…: {answer.status}, not a redirect to the bucket")
    expect(location.startswith(f"{store.origin}/{PRIVATE_BUCKET}/"), f"redirect to {location}")
    expect("no-store" in answer.header("cache-control"), "the redirect may be cached")
    expect("X-Amz-Signature=" in location, f"not a presigned URL: {location}")
    return location


def video(port: int, store: ObjectStore) -> str:
    member, page = _member_lesson(port)
    policy = directives(page.header("content-security-policy"))
    for directive in ("media-src", "connect-src", "img-src"):
        expect(store.origin in policy.get(directive, []), f"{directive} lacks {store.origin}")
    found = re.search(r'<source src="(/learn/video/[^"]+)"', page.text)
    expect(found is not None, "the lesson page has no playback URL for the member")
    signed = _presigned(member, found.group(1), store, Range="bytes=100-1123")
    site = f"http://127.0.0.1:{port}"
    status, data, headers = fetch(signed, Range="bytes=100-1123", Origin=site)
    expect(status == 206 and len(data) == 1024, f"Range on the bucket: {status}, {len(data)} B")
    expect(headers.get("access-control-allow-origin") == site, f"no CORS for {site}")
    unsigned = fetch(signed.split("?")[0])[0]
    forged_url = re.sub(r"(X-Amz-Signature=)(\w{8})", lambda m: m[1] + m[2][::-1], signed)
    forged, forged_body, _ = fetch(forged_url)
    key = urllib.parse.unquote(urllib.parse.urlsplit(signed).path.split("/", 2)[2])
    short = store.client().generate_presigned_url(
        "get_object", Params={"Bucket": PRIVATE_BUCKET, "Key": key}, ExpiresIn=1
    )
    time.sleep(2.1)
    expired, expired_body, _ = fetch(short)
    expect(unsigned == 403, f"unsigned object URL: {unsigned}")
    expect(forged == 403 and b"SignatureDoesNotMatch" in forged_body, f"forged: {forged}")
    expect(expired == 403 and b"expired" in expired_body, f"expired: {expired}")
    anonymous = Browser(port).get(found.group(1), headers={"Range": "bytes=0-99"})
    expect(anonymous.status == 403 and not anonymous.header("location"), "anonymous redirected")
    return (
        f"member: 302 to a presigned {PRIVATE_BUCKET} URL, 206 {headers.get('content-range')} "
        f"with CORS for {site}; on the bucket: unsigned {unsigned}, forged signature "
        f"{forged}, expired {expired}; anonymous viewer {anonymous.status}"
    )


def hls(port: int, store: ObjectStore) -> str:
    member, page = _member_lesson(port)
    found = re.search(r'data-hls-url="([^"]+)"', page.text)
    expect(found is not None, "no HLS renditions in the demo (ffmpeg: make media-tools)")
    master = member.get(found.group(1))
    expect(master.status == 200, f"master playlist: {master.status}")
    variant_path = next(line for line in master.text.splitlines() if line.startswith("/learn/"))
    variant = member.get(variant_path)
    expect(variant.status == 200, f"variant playlist: {variant.status}")
    segment = next(line for line in variant.text.splitlines() if line.startswith("/learn/"))
    signed = _presigned(member, segment, store)
    site = f"http://127.0.0.1:{port}"
    status, data, headers = fetch(signed, Origin=site)  # hls.js: XHR from our page
    expect(status == 200 and data[:1] == b"\x47", f"segment from the bucket: {status}")
    expect(headers.get("access-control-allow-origin") == site, f"segment: no CORS for {site}")
    unsigned = fetch(signed.split("?")[0])[0]
    expect(unsigned == 403, f"unsigned segment URL: {unsigned}")
    stranger = Browser(port).get(segment)
    expect(stranger.status == 403, f"segment URL for another browser: {stranger.status}")
    return (
        f"master + variant playlists 200 via nginx; segment 302 → bucket 200 "
        f"({len(data)} B, CORS {site}); unsigned {unsigned}; another browser {stranger.status}"
    )
